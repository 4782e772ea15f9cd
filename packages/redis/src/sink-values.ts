/**
 * Column values as Redis stores them: text (numbers as written, booleans as true/false,
 * timestamps as ISO-8601, dates as YYYY-MM-DD, nested values as JSON) or raw bytes for
 * binary. The redis source reads each of these back to its type.
 */
import type { DataType, Vector } from '@tributary/core'

/** The engine's value at row i: a number (ms for times), a boolean, a JS value, or null. */
export function valueAt(v: Vector, i: number): unknown {
  if (v.kind === 'object') return v.values[i] ?? null
  if (v.validity !== null && v.validity[i] === 0) return null
  return v.kind === 'number' ? v.values[i] : v.values[i] === 1
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value
}

/** The value as a Redis argument, or null for a null value (which Redis cannot store). */
export function toRedis(type: DataType, value: unknown): string | Buffer | null {
  if (value == null) return null
  switch (type.kind) {
    case 'string':
      return value as string
    case 'binary':
      return Buffer.from(value as Uint8Array)
    case 'timestamp':
      return new Date(value as number).toISOString()
    case 'date':
      return new Date(value as number).toISOString().slice(0, 10)
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return String(value)
    default:
      return JSON.stringify(value, jsonReplacer)
  }
}

/** A row's columns (all but `skip`) as a JSON object, for key-value mode without valueColumn. */
export function rowJson(
  columns: readonly Vector[],
  names: readonly string[],
  skip: ReadonlySet<number>,
  i: number,
) {
  const out: Record<string, unknown> = {}
  for (let c = 0; c < columns.length; c++) {
    if (skip.has(c)) continue
    const v = valueAt(columns[c], i)
    const kind = columns[c].type.kind
    out[names[c]] = v != null && (kind === 'timestamp' || kind === 'date') ? toRedis(columns[c].type, v) : v
  }
  return JSON.stringify(out, jsonReplacer)
}
