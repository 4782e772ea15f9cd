/**
 * The state key text of a stream-stream join's rows: the key columns' values as the JSON
 * text of their array (dedup-key.ts: `[12,"a"]`, NaN, Infinity and -Infinity as strings),
 * built column by column. A struct of timestamps (an event-time window, the usual key of a
 * windowed join) is JSON of `{start: Date, end: Date}`: two ISO strings per row. Its text
 * depends only on the field names and the times, so it is made once per distinct times
 * within a batch.
 */
import type { Vector } from '../../batch/vector.js'
import { keyTextOf, keyTextOfParts, type Part, partOf } from '../dedup-key.js'

/** Whether x is a plain object with exactly `names` as its own keys, in order, each a Date. */
function isDateRecord(x: object, names: readonly string[]): boolean {
  if (Object.getPrototypeOf(x) !== Object.prototype) return false
  let n = 0
  for (const k in x) {
    if (k !== names[n] || !((x as Record<string, unknown>)[k] instanceof Date)) return false
    n++
  }
  return n === names.length
}

/** Texts of a struct-of-timestamps column; null when the column is anything else. */
function dateStructPart(v: Vector): Part | null {
  const t = v.type
  if (v.kind !== 'object' || t.kind !== 'struct' || t.fields.length === 0) return null
  if (!t.fields.every((f) => f.type.kind === 'timestamp')) return null
  const names = t.fields.map((f) => f.name)
  const values = v.values
  // By the first field's time: the other fields' times and the text.
  const cache = new Map<number, { rest: number[]; text: string }>()
  return (i) => {
    const x = values[i]
    if (x == null) return 'null'
    if (typeof x !== 'object' || !isDateRecord(x, names)) return JSON.stringify(x) ?? 'null'
    const r = x as Record<string, Date>
    const first = r[names[0]].getTime()
    const hit = cache.get(first)
    if (hit !== undefined) {
      let same = true
      for (let f = 1; f < names.length; f++) {
        const a = hit.rest[f - 1]
        const b = r[names[f]].getTime()
        if (!Object.is(a, b)) same = false
      }
      if (same) return hit.text
    }
    const text = JSON.stringify(x)
    cache.set(first, { rest: names.slice(1).map((n) => r[n].getTime()), text })
    return text
  }
}

/** A function from row index to the key text of the row's values in `columns`. */
export function joinKeyTextOf(columns: readonly Vector[]): (i: number) => string {
  const special = columns.map(dateStructPart)
  if (special.every((p) => p === null)) return keyTextOf(columns)
  return keyTextOfParts(columns.map((c, k) => special[k] ?? partOf(c)))
}
