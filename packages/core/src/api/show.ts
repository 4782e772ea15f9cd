/** Spark's show(): a text table with `+---+` borders, long cells cut to 20 characters. */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { valueAt } from '../batch/vector.js'
import { valueToString } from '../expr/cast.js'
import { TimestampType } from '../types/data-types.js'

/** A nested value as Spark's show() prints it: timestamps as `yyyy-MM-dd HH:mm:ss`, structs in braces. */
function nestedText(v: unknown, timeZone: string): string {
  if (v === null || v === undefined) return 'NULL'
  if (v instanceof Date) return valueToString(TimestampType, v.getTime(), timeZone)
  if (Array.isArray(v)) return `[${v.map((x) => nestedText(x, timeZone)).join(', ')}]`
  if (v instanceof Uint8Array) return `[${[...v].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`
  if (typeof v === 'object')
    return `{${Object.values(v)
      .map((x) => nestedText(x, timeZone))
      .join(', ')}}`
  return String(v)
}

/** One cell as Spark's show() prints it; timestamps in the session's time zone. */
export function cellText(
  value: unknown,
  type: Parameters<typeof valueToString>[0],
  timeZone = 'UTC',
): string {
  if (value === null) return 'NULL'
  if (type.kind === 'array' || type.kind === 'struct') return nestedText(value, timeZone)
  if (type.kind === 'map') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} -> ${nestedText(v, timeZone)}`)
      .join(', ')}}`
  }
  return valueToString(type, value, timeZone)
}

export function showString(
  batch: ColumnarBatch<unknown>,
  numRows = 20,
  truncate: boolean | number = true,
  timeZone = 'UTC',
): string {
  const width = truncate === true ? 20 : truncate === false ? 0 : truncate
  const fields = batch.schema.fields
  const n = Math.min(numRows, batch.numRows)
  const cut = (s: string) => (width > 0 && s.length > width ? `${s.slice(0, Math.max(0, width - 3))}...` : s)
  const rows: string[][] = []
  for (let i = 0; i < n; i++)
    rows.push(fields.map((f, c) => cut(cellText(valueAt(batch.columns[c], i), f.type, timeZone))))
  const header = fields.map((f) => cut(f.name))
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c].length)))
  const line = `+${widths.map((w) => '-'.repeat(w)).join('+')}+`
  const fmt = (cells: string[]) =>
    `|${cells.map((cell, c) => (width > 0 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('|')}|`
  const out = [line, fmt(header), line, ...rows.map(fmt), line]
  if (batch.numRows > n) out.push(`only showing top ${n} row${n === 1 ? '' : 's'}`)
  return `${out.join('\n')}\n`
}
