/** Spark's show(): a text table with `+---+` borders, long cells cut to 20 characters. */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { valueAt } from '../batch/vector.js'
import { valueToString } from '../expr/cast.js'
import { TimestampType } from '../types/data-types.js'

/** A nested value as Spark's show() prints it: timestamps as `yyyy-MM-dd HH:mm:ss`, structs in braces. */
function nestedText(v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  if (v instanceof Date) return valueToString(TimestampType, v.getTime())
  if (Array.isArray(v)) return `[${v.map(nestedText).join(', ')}]`
  if (v instanceof Uint8Array) return `[${[...v].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`
  if (typeof v === 'object') return `{${Object.values(v).map(nestedText).join(', ')}}`
  return String(v)
}

export function cellText(value: unknown, type: Parameters<typeof valueToString>[0]): string {
  if (value === null) return 'NULL'
  if (type.kind === 'array' || type.kind === 'struct') return nestedText(value)
  if (type.kind === 'map') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} -> ${nestedText(v)}`)
      .join(', ')}}`
  }
  return valueToString(type, value)
}

export function showString(
  batch: ColumnarBatch<unknown>,
  numRows = 20,
  truncate: boolean | number = true,
): string {
  const width = truncate === true ? 20 : truncate === false ? 0 : truncate
  const fields = batch.schema.fields
  const n = Math.min(numRows, batch.numRows)
  const cut = (s: string) => (width > 0 && s.length > width ? `${s.slice(0, Math.max(0, width - 3))}...` : s)
  const rows: string[][] = []
  for (let i = 0; i < n; i++)
    rows.push(fields.map((f, c) => cut(cellText(valueAt(batch.columns[c], i), f.type))))
  const header = fields.map((f) => cut(f.name))
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c].length)))
  const line = `+${widths.map((w) => '-'.repeat(w)).join('+')}+`
  const fmt = (cells: string[]) =>
    `|${cells.map((cell, c) => (width > 0 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('|')}|`
  const out = [line, fmt(header), line, ...rows.map(fmt), line]
  if (batch.numRows > n) out.push(`only showing top ${n} row${n === 1 ? '' : 's'}`)
  return `${out.join('\n')}\n`
}
