/**
 * Moving values between the user's JavaScript form (Date, number, string, nested objects)
 * and the engine's form (epoch milliseconds for time). Nested values (inside arrays,
 * structs and maps) keep the user's form.
 */
import { type DataType, typeToString } from '../types/data-types.js'
import { TributaryError } from '../util/errors.js'
import { setField } from '../util/objects.js'

export class ValueTypeError extends TributaryError {}

function describe(value: unknown): string {
  if (value instanceof Date) return 'a Date'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Uint8Array) return 'binary'
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`
}

function mismatch(type: DataType, value: unknown, where: string): ValueTypeError {
  return new ValueTypeError(
    `${where}: expected ${typeToString(type)} but found ${describe(value)}. Fix the data, or declare the column with a type that matches it.`,
    'VALUE_TYPE_MISMATCH',
  )
}

function toMillis(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const t = Date.parse(value)
    return Number.isNaN(t) ? undefined : t
  }
  return undefined
}

/**
 * A user's value as the engine stores it at the top level of a column, checked against the
 * type. `where` names the place for the error message (row and column).
 */
export function fromExternal(type: DataType, value: unknown, where: string): unknown {
  if (value == null) return null
  switch (type.kind) {
    case 'string':
      if (typeof value === 'string') return value
      throw mismatch(type, value, where)
    case 'boolean':
      if (typeof value === 'boolean') return value
      throw mismatch(type, value, where)
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      if (typeof value === 'number') return value
      if (typeof value === 'bigint') return Number(value)
      throw mismatch(type, value, where)
    case 'timestamp':
    case 'date': {
      const ms = toMillis(value)
      if (ms === undefined) throw mismatch(type, value, where)
      return type.kind === 'date' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms
    }
    default:
      return normalizeNested(type, value, where)
  }
}

/** A nested value in the user's form, checked: Dates stay Dates, numbers stay numbers. */
export function normalizeNested(type: DataType, value: unknown, where: string): unknown {
  if (value == null) return null
  switch (type.kind) {
    case 'timestamp':
    case 'date': {
      const ms = toMillis(value)
      if (ms === undefined) throw mismatch(type, value, where)
      return new Date(ms)
    }
    case 'binary':
      if (value instanceof Uint8Array) return value
      if (typeof value === 'string') return new TextEncoder().encode(value)
      throw mismatch(type, value, where)
    case 'array':
      if (!Array.isArray(value)) throw mismatch(type, value, where)
      return value.map((v, i) => normalizeNested(type.element, v, `${where}[${i}]`))
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(type, value, where)
      const src = value as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const f of type.fields)
        setField(out, f.name, normalizeNested(f.type, src[f.name], `${where}.${f.name}`))
      return out
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(type, value, where)
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        setField(out, k, normalizeNested(type.value, v, `${where}['${k}']`))
      }
      return out
    }
    case 'null':
      return null
    default:
      return fromExternal(type, value, where)
  }
}
