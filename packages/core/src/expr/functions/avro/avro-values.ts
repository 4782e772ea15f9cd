/**
 * Values between avsc's form and Tributary's nested form (plain objects for structs and
 * maps, arrays, Dates for time, Uint8Array for binary).
 */
import type { DataType } from '../../../types/data-types.js'

/** What avsc decoded, as a nested value of `type`. */
export function avroToNested(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null
  switch (type.kind) {
    case 'struct': {
      const src = v as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const f of type.fields) out[f.name] = avroToNested(f.type, src[f.name])
      return out
    }
    case 'array':
      return (v as unknown[]).map((x) => avroToNested(type.element, x))
    case 'map': {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = avroToNested(type.value, x)
      return out
    }
    case 'binary': {
      const b = v as Uint8Array
      return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
    }
    default:
      return v
  }
}

/** A nested value of `type` as avsc encodes it: Buffers for bytes, null for absent fields. */
export function nestedToAvro(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null
  switch (type.kind) {
    case 'struct': {
      const src = v as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const f of type.fields) out[f.name] = nestedToAvro(f.type, src[f.name])
      return out
    }
    case 'array':
      return (v as unknown[]).map((x) => nestedToAvro(type.element, x))
    case 'map': {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = nestedToAvro(type.value, x)
      return out
    }
    case 'binary': {
      const b = v as Uint8Array
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    }
    case 'timestamp':
    case 'date':
      return v instanceof Date ? v : new Date(v as number)
    default:
      return v
  }
}
