/**
 * The state key of a row in dropDuplicates, for stores that keep one entry per key: the
 * JSON text of the array of the key columns' engine values (`[12,"a",null]`), built column
 * by column without an array or a JSON.stringify per row.
 *
 * The text is what JSON.stringify gave before, so that stored state keeps its keys, except
 * for the numbers JSON has no text for: JSON writes NaN, Infinity and -Infinity all as
 * `null`, which made them one key with each other and with null. Here they are the strings
 * "NaN", "Infinity" and "-Infinity", which no value of a numeric column can be. -0 is 0 (one
 * key, as in Spark's grouping). Nested values (structs, arrays, maps) are JSON as before.
 */
import type { Vector } from '../batch/vector.js'

/** A number's text in a key: JSON's for finite numbers, a string for the others. */
export function numberKeyText(x: number): string {
  // '' + x is JSON's text for every finite number (-0 included: "0").
  if (x - x === 0) return `${x}`
  return Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"'
}

/** The value at `text` of a numeric key column read back from key text (JSON.parse'd). */
export function numberFromKeyText(v: unknown): unknown {
  return typeof v === 'string' ? Number(v) : v
}

/** One column's text in a key, by row. */
export type Part = (i: number) => string

/** One column's part of the key text. */
export function partOf(v: Vector): Part {
  if (v.kind === 'number') {
    const values = v.values
    const valid = v.validity
    if (valid === null) return (i) => numberKeyText(values[i])
    return (i) => (valid[i] === 0 ? 'null' : numberKeyText(values[i]))
  }
  if (v.kind === 'bool') {
    const values = v.values
    const valid = v.validity
    return (i) => (valid !== null && valid[i] === 0 ? 'null' : values[i] === 1 ? 'true' : 'false')
  }
  const values = v.values
  return (i) => {
    const x = values[i]
    return x == null ? 'null' : (JSON.stringify(x) ?? 'null')
  }
}

/** A function from row index to the key text of the row's values in `columns`. */
export function keyTextOf(columns: readonly Vector[]): (i: number) => string {
  return keyTextOfParts(columns.map(partOf))
}

/** The key text `[a,b,...]` of the columns' parts. */
export function keyTextOfParts(parts: readonly Part[]): (i: number) => string {
  if (parts.length === 1) {
    const [a] = parts
    return (i) => `[${a(i)}]`
  }
  if (parts.length === 2) {
    const [a, b] = parts
    return (i) => `[${a(i)},${b(i)}]`
  }
  return (i) => {
    let s = '['
    for (let c = 0; c < parts.length; c++) s += c === 0 ? parts[c](i) : `,${parts[c](i)}`
    return `${s}]`
  }
}

/**
 * The version of the key text above that a store's per-key entries are written in, kept in
 * the store under KEY_ENCODING_ENTRY. Version 1 (no entry: Tributary before the NaN fix) was
 * JSON.stringify's, which writes NaN, Infinity and -Infinity as `null`: a key read back
 * with `null` in a numeric column stood for any of the four.
 */
export const KEY_ENCODING = 2
export { KEY_ENCODING_ENTRY } from '../state/state-store.js'

const AMBIGUOUS = [null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] as const

/**
 * The keys a version-1 key stood for: every way of reading its `null`s in the numeric
 * columns (`numeric[k]`) as null, NaN, Infinity or -Infinity. The old encoding could not
 * tell them apart, so all of them were seen; the first is the key as read.
 */
export function legacyKeyReadings(values: readonly unknown[], numeric: readonly boolean[]): unknown[][] {
  let out: unknown[][] = [values.slice()]
  for (let k = 0; k < values.length; k++) {
    if (!numeric[k] || values[k] !== null) continue
    const next: unknown[][] = []
    for (const v of out)
      for (const x of AMBIGUOUS) {
        const w = v.slice()
        w[k] = x
        next.push(w)
      }
    out = next
  }
  return out
}

/** The key text (this encoding) of plain key values, as keyTextOf writes it for a row. */
export function keyTextOfValues(values: readonly unknown[]): string {
  let s = '['
  for (let k = 0; k < values.length; k++) {
    const x = values[k]
    const part = typeof x === 'number' ? numberKeyText(x) : x == null ? 'null' : (JSON.stringify(x) ?? 'null')
    s += k === 0 ? part : `,${part}`
  }
  return `${s}]`
}
