/**
 * JSON values against a declared type, both ways, following Spark's JacksonParser and
 * JacksonGenerator: numbers and booleans read into a string column as their text, objects
 * and arrays do not; doubles also read "NaN" and "Infinity" and are written that way;
 * binary travels as base64; timestamps as ISO text (or, when read, a whole number of epoch
 * seconds, as Spark reads one). Longs must be exact in a double (|v| ≤ 2^53 − 1): larger
 * values, which JSON.parse has already rounded, are malformed rather than silently changed.
 *
 * Top-level values come out in the engine's form (epoch ms for time); values nested in
 * arrays, structs and maps in the user's form (Dates), as `normalizeNested` leaves them.
 * Not `normalizeNested` itself: it reads zone-less text with `Date.parse` (local time),
 * ignores `timestampFormat`, and takes strings as UTF-8 bytes for binary where JSON has base64.
 */
import { type DataType, typeToString } from '../../types/data-types.js'
import { setEntry } from './map-entries.js'
import { doubleToText, floatToText } from './number-text.js'
import { BadValue, inexactLong } from './row-assembler.js'
import { inTimestampRange, type MillisToText, type TextToMillis, timestampOutOfRange } from './temporal.js'

export interface JsonReadContext {
  readonly parseTimestamp: TextToMillis
  readonly parseDate: TextToMillis
}

export interface JsonWriteContext {
  readonly formatTimestamp: MillisToText
  readonly formatDate: MillisToText
  /** Spark's `ignoreNullFields`: leave out struct fields that are null. */
  readonly ignoreNullFields: boolean
}

/** Converts one non-null JSON value; throws BadValue when it does not fit. */
export type JsonToValue = (v: unknown) => unknown

const INT_MIN = -2147483648
const INT_MAX = 2147483647
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const SPECIAL_DOUBLES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '+Infinity': Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  INF: Number.POSITIVE_INFINITY,
  '+INF': Number.POSITIVE_INFINITY,
  '-INF': Number.NEGATIVE_INFINITY,
}

export function describeJson(v: unknown): string {
  if (Array.isArray(v)) return 'an array'
  if (v !== null && typeof v === 'object') return 'an object'
  const text = JSON.stringify(v)
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`
}

function bad(type: DataType, v: unknown): BadValue {
  return new BadValue(`expected ${typeToString(type)} but found ${describeJson(v)}`)
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * A field of a parsed JSON object; own properties only, so that a field named
 * `constructor` or `__proto__` that is absent reads as missing, not as Object's.
 */
export function ownField(obj: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(obj, name) ? obj[name] : undefined
}

/** Names that every object inherits: reading them needs the own-property check. */
export function needsOwnCheck(name: string): boolean {
  return name in Object.prototype
}

/** A converter for one column; `nested` gives the user's form (Dates) instead of the engine's. */
export function jsonReader(type: DataType, ctx: JsonReadContext, nested = false): JsonToValue {
  switch (type.kind) {
    case 'string':
      return (v) => {
        if (typeof v === 'string') return v
        if (typeof v === 'number' || typeof v === 'boolean') return String(v)
        throw bad(type, v)
      }
    case 'boolean':
      return (v) => {
        if (typeof v === 'boolean') return v
        throw bad(type, v)
      }
    case 'int':
      return (v) => {
        if (typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX) return v
        throw bad(type, v)
      }
    case 'long':
      return (v) => {
        if (typeof v === 'number' && Number.isSafeInteger(v)) return v
        if (typeof v === 'number' && Number.isInteger(v)) throw inexactLong(describeJson(v))
        throw bad(type, v)
      }
    case 'float':
    case 'double':
      return (v) => {
        if (typeof v === 'number') return v
        if (typeof v === 'string' && Object.hasOwn(SPECIAL_DOUBLES, v)) return SPECIAL_DOUBLES[v]
        throw bad(type, v)
      }
    case 'timestamp':
      return (v) => {
        let ms: number | null = null
        if (typeof v === 'string') ms = ctx.parseTimestamp(v)
        else if (typeof v === 'number' && Number.isInteger(v)) {
          // Spark reads a whole number in a timestamp field as seconds since the epoch.
          ms = v * 1000
          if (!inTimestampRange(ms)) throw timestampOutOfRange(describeJson(v))
        }
        if (ms === null) throw bad(type, v)
        return nested ? new Date(ms) : ms
      }
    case 'date':
      return (v) => {
        const ms = typeof v === 'string' ? ctx.parseDate(v) : null
        if (ms === null) throw bad(type, v)
        return nested ? new Date(ms) : ms
      }
    case 'binary':
      return (v) => {
        if (typeof v === 'string' && v.length % 4 === 0 && BASE64.test(v)) {
          return new Uint8Array(Buffer.from(v, 'base64'))
        }
        throw bad(type, v)
      }
    case 'null':
      return () => null
    case 'array': {
      const element = jsonReader(type.element, ctx, true)
      return (v) => {
        if (!Array.isArray(v)) throw bad(type, v)
        return v.map((x) => (x == null ? null : element(x)))
      }
    }
    case 'struct': {
      const fields = type.fields.map((f) => ({
        name: f.name,
        read: jsonReader(f.type, ctx, true),
        guarded: needsOwnCheck(f.name),
      }))
      return (v) => {
        if (!isPlainObject(v)) throw bad(type, v)
        const out: Record<string, unknown> = {}
        for (const f of fields) {
          const x = f.guarded ? ownField(v, f.name) : v[f.name]
          setEntry(out, f.name, x == null ? null : f.read(x))
        }
        return out
      }
    }
    case 'map': {
      const value = jsonReader(type.value, ctx, true)
      return (v) => {
        if (!isPlainObject(v)) throw bad(type, v)
        const out: Record<string, unknown> = {}
        for (const [k, x] of Object.entries(v)) setEntry(out, k, x == null ? null : value(x))
        return out
      }
    }
  }
}

/** JSON has no NaN or Infinity; Jackson, and so Spark, writes them as strings. */
function numberToJson(text: string): string {
  return text === 'NaN' || text === 'Infinity' || text === '-Infinity' ? `"${text}"` : text
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Epoch ms from a nested value in the user's form (a Date, or a number already). */
function nestedMillis(v: unknown): number {
  return v instanceof Date ? v.getTime() : (v as number)
}

/** A nested value as plain JSON data: time as text, binary as base64, NaN as a string. */
function toJsonData(type: DataType, v: unknown, ctx: JsonWriteContext): unknown {
  if (v == null) return null
  switch (type.kind) {
    case 'timestamp':
      return ctx.formatTimestamp(nestedMillis(v))
    case 'date':
      return ctx.formatDate(nestedMillis(v))
    case 'binary':
      return base64(v as Uint8Array)
    case 'float':
    case 'double': {
      const x = v as number
      if (Number.isFinite(x)) return x
      return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'
    }
    case 'array':
      return (v as unknown[]).map((x) => toJsonData(type.element, x, ctx))
    case 'struct': {
      const src = v as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const f of type.fields) {
        const x = toJsonData(f.type, src[f.name], ctx)
        if (x !== null || !ctx.ignoreNullFields) setEntry(out, f.name, x)
      }
      return out
    }
    case 'map': {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        setEntry(out, k, toJsonData(type.value, x, ctx))
      return out
    }
    default:
      return v
  }
}

/** JSON text of one non-null engine value of `type`. */
export type ValueToJson = (v: unknown) => string

export function jsonWriter(type: DataType, ctx: JsonWriteContext): ValueToJson {
  switch (type.kind) {
    case 'string':
      return (v) => JSON.stringify(v)
    case 'boolean':
      return (v) => (v ? 'true' : 'false')
    case 'int':
    case 'long':
      return (v) => String(v)
    case 'float':
      return (v) => numberToJson(floatToText(v as number))
    case 'double':
      return (v) => numberToJson(doubleToText(v as number))
    case 'timestamp':
      return (v) => JSON.stringify(ctx.formatTimestamp(v as number))
    case 'date':
      return (v) => JSON.stringify(ctx.formatDate(v as number))
    case 'binary':
      return (v) => JSON.stringify(base64(v as Uint8Array))
    case 'null':
      return () => 'null'
    default:
      return (v) => JSON.stringify(toJsonData(type, v, ctx))
  }
}
