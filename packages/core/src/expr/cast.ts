/**
 * cast(): Spark's non-ANSI rules. A string that does not parse as the target type becomes
 * null instead of failing the query.
 */
import { numberVector, type Vector, VectorBuilder, valueAt } from '../batch/vector.js'
import { type DataType, isNumeric, isTemporal, typeToString } from '../types/data-types.js'
import type { Compiled, Kernel } from './compiled.js'
import { formatTimestamp } from './functions/time-format.js'

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

/** A string in Spark's cast form: timestamps as `yyyy-MM-dd HH:mm:ss[.SSS]` in the session zone (UTC here). */
export function valueToString(type: DataType, v: unknown): string {
  switch (type.kind) {
    case 'timestamp': {
      const ms = v as number
      return formatTimestamp(ms, ms % 1000 === 0 ? 'yyyy-MM-dd HH:mm:ss' : 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC')
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

function convertOne(from: DataType, to: DataType, v: unknown): unknown {
  if (v === null) return null
  switch (to.kind) {
    case 'string':
      return valueToString(from, v)
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
      if (from.kind === 'string') {
        const t = Date.parse(normalizeTimestampString(v as string))
        return Number.isNaN(t) ? null : t
      }
      if (isNumeric(from)) return (v as number) * 1000
      return v
    }
    case 'date': {
      let ms: number
      if (from.kind === 'string') {
        ms = Date.parse(normalizeTimestampString(v as string))
        if (Number.isNaN(ms)) return null
      } else if (isNumeric(from)) ms = (v as number) * 86_400_000
      else ms = v as number
      return Math.floor(ms / 86_400_000) * 86_400_000
    }
    case 'binary':
      return typeof v === 'string' ? new TextEncoder().encode(v) : v
    default:
      return v
  }
}

/** Spark accepts `2024-01-01 10:00:00`; Date.parse wants a `T` and reads zone-less times as UTC only with Z. */
export function normalizeTimestampString(s: string): string {
  const t = s.trim()
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(.*)$/.exec(t)
  if (m) return `${m[1]}T${m[2]}${m[3] ? m[3].trim() : 'Z'}`
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return `${t}T00:00:00Z`
  return t
}

export function castVector(v: Vector, to: DataType): Vector {
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
  for (let i = 0; i < v.length; i++) b.append(convertOne(from, to, valueAt(v, i)))
  return b.finish()
}

export function castKernel(inner: Compiled, to: DataType): Kernel {
  return (batch, ctx) => castVector(inner.evaluate(batch, ctx), to)
}
