/**
 * cast(): Spark's non-ANSI rules. A string that does not parse as the target type becomes
 * null instead of failing the query.
 */
import { numberVector, type Vector, VectorBuilder, valueAt } from '../batch/vector.js'
import { type DataType, isNumeric, isTemporal, typeToString } from '../types/data-types.js'
import type { Compiled, Kernel } from './compiled.js'
import { formatTimestamp } from './functions/time-format.js'
import {
  localDay,
  MS_PER_DAY,
  parseDateDefault,
  parseTimestampDefault,
  sessionZone,
} from './functions/zones.js'

export function canCast(from: DataType, to: DataType): boolean {
  if (from.kind === 'null' || typeToString(from) === typeToString(to)) return true
  if (to.kind === 'string') return true
  if (from.kind === 'string') return to.kind !== 'array' && to.kind !== 'struct' && to.kind !== 'map'
  if (isNumeric(to)) return isNumeric(from) || from.kind === 'boolean' || isTemporal(from)
  if (to.kind === 'boolean') return isNumeric(from)
  if (isTemporal(to)) return isNumeric(from) || isTemporal(from)
  if (to.kind === 'binary') return false
  if (to.kind === 'array' && from.kind === 'array') return canCast(from.element, to.element)
  return false
}

function integral(x: number): number {
  return Math.trunc(x)
}

function stringToBoolean(s: string): boolean | null {
  const t = s.trim().toLowerCase()
  if (['true', 't', 'yes', 'y', '1'].includes(t)) return true
  if (['false', 'f', 'no', 'n', '0'].includes(t)) return false
  return null
}

/**
 * Java's `Double.toString`, which Spark's cast of a double to string uses: at least one digit
 * after the point (`1.0`), and scientific notation outside [1e-3, 1e7) (`1.0E7`, `1.0E-4`).
 * The digits are the shortest that read back as the same number, as in JDK 19 and later.
 */
export function doubleToString(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(x)
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x)
    return s.includes('.') ? s : `${s}.0`
  }
  const [mantissa, exponent] = x.toExponential().split('e')
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
}

/** Java's `Float.toString`: the shortest digits that read back as the same 32-bit float. */
export function floatToString(x: number): string {
  if (!Number.isFinite(x) || x === 0) return doubleToString(x)
  const f = Math.fround(x)
  for (let p = 1; p <= 9; p++) {
    const shortest = Number(f.toPrecision(p))
    if (Math.fround(shortest) === f) return doubleToString(shortest)
  }
  return doubleToString(f)
}

/**
 * A string in Spark's cast form: doubles as Java prints them (`1.0`), timestamps as
 * `yyyy-MM-dd HH:mm:ss[.SSS]` in the session time zone.
 */
export function valueToString(type: DataType, v: unknown, timeZone = 'UTC'): string {
  switch (type.kind) {
    case 'double':
      return doubleToString(v as number)
    case 'float':
      return floatToString(v as number)
    case 'timestamp': {
      // Spark prints the fraction without trailing zeros: `10:00:00.25`, `10:00:00`.
      const ms = v as number
      if (ms % 1000 === 0) return formatTimestamp(ms, 'yyyy-MM-dd HH:mm:ss', timeZone)
      return formatTimestamp(ms, 'yyyy-MM-dd HH:mm:ss.SSS', timeZone).replace(/0+$/, '')
    }
    case 'date':
      return formatTimestamp(v as number, 'yyyy-MM-dd', 'UTC')
    case 'binary':
      return new TextDecoder().decode(v as Uint8Array)
    case 'array':
    case 'struct':
    case 'map':
      return JSON.stringify(v)
    default:
      return String(v)
  }
}

function convertOne(from: DataType, to: DataType, v: unknown, timeZone: string): unknown {
  if (v === null) return null
  switch (to.kind) {
    case 'string':
      return valueToString(from, v, timeZone)
    case 'int':
    case 'long': {
      if (from.kind === 'string') {
        const n = Number((v as string).trim())
        return (v as string).trim() === '' || !Number.isFinite(n) ? null : integral(n)
      }
      if (from.kind === 'boolean') return v ? 1 : 0
      if (from.kind === 'timestamp') return Math.floor((v as number) / 1000)
      return integral(v as number)
    }
    case 'float':
    case 'double': {
      if (from.kind === 'string') {
        const t = (v as string).trim()
        if (t === '') return null
        const n = Number(t)
        return Number.isNaN(n) && !/^nan$/i.test(t) ? null : n
      }
      if (from.kind === 'boolean') return v ? 1 : 0
      if (from.kind === 'timestamp') return (v as number) / 1000
      return v
    }
    case 'boolean':
      if (from.kind === 'string') return stringToBoolean(v as string)
      return (v as number) !== 0
    case 'timestamp': {
      // A time without a zone is a wall-clock time in the session's zone, as in Spark.
      if (from.kind === 'string') return parseTimestampDefault(v as string, sessionZone(timeZone))
      if (isNumeric(from)) return (v as number) * 1000
      return v
    }
    case 'date': {
      if (from.kind === 'string') {
        const days = parseDateDefault(v as string)
        return days === null ? null : days * MS_PER_DAY
      }
      if (from.kind === 'timestamp') return localDay(sessionZone(timeZone), v as number) * MS_PER_DAY
      const ms = isNumeric(from) ? (v as number) * MS_PER_DAY : (v as number)
      return Math.floor(ms / MS_PER_DAY) * MS_PER_DAY
    }
    case 'binary':
      return typeof v === 'string' ? new TextEncoder().encode(v) : v
    default:
      return v
  }
}

/** Casts a column; `timeZone` is the session's, for timestamps to and from strings. */
export function castVector(v: Vector, to: DataType, timeZone = 'UTC'): Vector {
  const from = v.type
  if (typeToString(from) === typeToString(to)) return v
  if (v.kind === 'number' && (to.kind === 'double' || to.kind === 'float') && isNumeric(from)) {
    return numberVector(to, v.values, v.validity)
  }
  if (v.kind === 'number' && (to.kind === 'int' || to.kind === 'long') && isNumeric(from)) {
    const out = new Float64Array(v.length)
    for (let i = 0; i < v.length; i++) out[i] = Math.trunc(v.values[i])
    return numberVector(to, out, v.validity)
  }
  const b = new VectorBuilder(to, v.length)
  for (let i = 0; i < v.length; i++) b.append(convertOne(from, to, valueAt(v, i), timeZone))
  return b.finish()
}

export function castKernel(inner: Compiled, to: DataType): Kernel {
  return (batch, ctx) => castVector(inner.evaluate(batch, ctx), to, ctx.timeZone)
}
