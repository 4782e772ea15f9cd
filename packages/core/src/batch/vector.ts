/**
 * Columns inside the engine. Numbers, timestamps and dates live in Float64Arrays (epoch
 * milliseconds for time), booleans in Uint8Arrays, everything else (strings, binary,
 * arrays, structs, maps) in plain arrays of JavaScript values. A validity array holds one
 * byte per row (1 = present) and is null when no row is null.
 */
import { type DataType, isFloat64Backed } from '../types/data-types.js'

export interface NumberVector {
  readonly kind: 'number'
  readonly type: DataType
  readonly length: number
  readonly values: Float64Array
  readonly validity: Uint8Array | null
}

export interface BoolVector {
  readonly kind: 'bool'
  readonly type: DataType
  readonly length: number
  readonly values: Uint8Array
  readonly validity: Uint8Array | null
}

/** Strings, binary, arrays, structs and maps; a null entry is a null value. */
export interface ObjectVector {
  readonly kind: 'object'
  readonly type: DataType
  readonly length: number
  readonly values: readonly unknown[]
}

export type Vector = NumberVector | BoolVector | ObjectVector

export function numberVector(
  type: DataType,
  values: Float64Array,
  validity: Uint8Array | null = null,
): NumberVector {
  return { kind: 'number', type, length: values.length, values, validity }
}

export function boolVector(
  type: DataType,
  values: Uint8Array,
  validity: Uint8Array | null = null,
): BoolVector {
  return { kind: 'bool', type, length: values.length, values, validity }
}

export function objectVector(type: DataType, values: readonly unknown[]): ObjectVector {
  return { kind: 'object', type, length: values.length, values }
}

/** Which storage a type uses. */
export function storageOf(type: DataType): Vector['kind'] {
  if (isFloat64Backed(type)) return 'number'
  if (type.kind === 'boolean') return 'bool'
  return 'object'
}

export function isNullAt(v: Vector, i: number): boolean {
  if (v.kind === 'object') return v.values[i] == null
  return v.validity !== null && v.validity[i] === 0
}

/** The engine's value at row i: a number (ms for time), a boolean, a JS value, or null. */
export function valueAt(v: Vector, i: number): unknown {
  if (v.kind === 'object') return v.values[i] ?? null
  if (v.validity !== null && v.validity[i] === 0) return null
  return v.kind === 'number' ? v.values[i] : v.values[i] === 1
}

/** The value a user sees: Dates for timestamps and dates, the engine's value otherwise. */
export function toExternal(type: DataType, value: unknown): unknown {
  if (value == null) return null
  if ((type.kind === 'timestamp' || type.kind === 'date') && typeof value === 'number') return new Date(value)
  return value
}

export function externalAt(v: Vector, i: number): unknown {
  return toExternal(v.type, valueAt(v, i))
}

/** A vector of `length` copies of one engine value. */
export function constantVector(type: DataType, value: unknown, length: number): Vector {
  const storage = storageOf(type)
  if (storage === 'object') return objectVector(type, new Array(length).fill(value ?? null))
  if (value == null) {
    const validity = new Uint8Array(length)
    return storage === 'number'
      ? numberVector(type, new Float64Array(length).fill(Number.NaN), validity)
      : boolVector(type, new Uint8Array(length), validity)
  }
  if (storage === 'number') return numberVector(type, new Float64Array(length).fill(value as number))
  return boolVector(type, new Uint8Array(length).fill(value ? 1 : 0))
}

/** Rows at `indices`, in that order: the one copy a filter makes. */
export function take(v: Vector, indices: ArrayLike<number>): Vector {
  const n = indices.length
  if (v.kind === 'object') {
    const out = new Array<unknown>(n)
    const src = v.values
    for (let i = 0; i < n; i++) out[i] = src[indices[i]]
    return objectVector(v.type, out)
  }
  const src = v.values
  const values = v.kind === 'number' ? new Float64Array(n) : new Uint8Array(n)
  for (let i = 0; i < n; i++) values[i] = src[indices[i]]
  let validity: Uint8Array | null = null
  if (v.validity !== null) {
    validity = new Uint8Array(n)
    const sv = v.validity
    for (let i = 0; i < n; i++) validity[i] = sv[indices[i]]
  }
  return v.kind === 'number'
    ? numberVector(v.type, values as Float64Array, validity)
    : boolVector(v.type, values as Uint8Array, validity)
}

/** Rows [start, end) without copying typed arrays. */
export function sliceVector(v: Vector, start: number, end: number): Vector {
  if (v.kind === 'object') return objectVector(v.type, v.values.slice(start, end))
  const validity = v.validity?.subarray(start, end) ?? null
  return v.kind === 'number'
    ? numberVector(v.type, v.values.subarray(start, end), validity)
    : boolVector(v.type, v.values.subarray(start, end), validity)
}

export function concatVectors(type: DataType, parts: readonly Vector[]): Vector {
  if (parts.length === 1 && parts[0].type === type) return parts[0]
  const length = parts.reduce((s, p) => s + p.length, 0)
  const b = new VectorBuilder(type, length)
  for (const p of parts) b.appendVector(p)
  return b.finish()
}

/** Appends engine values one at a time; used by sources and row-producing operators. */
export class VectorBuilder {
  private readonly storage: Vector['kind']
  private nums: Float64Array | Uint8Array
  private objs: unknown[] = []
  private validity: Uint8Array | null = null
  private n = 0

  constructor(
    readonly type: DataType,
    capacity = 1024,
  ) {
    this.storage = storageOf(type)
    this.nums =
      this.storage === 'number'
        ? new Float64Array(Math.max(capacity, 16))
        : new Uint8Array(this.storage === 'bool' ? Math.max(capacity, 16) : 0)
  }

  get length(): number {
    return this.n
  }

  private grow(): void {
    const next =
      this.storage === 'number'
        ? new Float64Array(this.nums.length * 2)
        : new Uint8Array(this.nums.length * 2)
    next.set(this.nums)
    this.nums = next
    if (this.validity) {
      const v = new Uint8Array(this.nums.length)
      v.set(this.validity)
      this.validity = v
    }
  }

  private markNull(): void {
    if (!this.validity) {
      this.validity = new Uint8Array(this.nums.length).fill(1)
    }
    this.validity[this.n] = 0
  }

  /** Appends an engine value (number for time, boolean, JS value) or null. */
  append(value: unknown): void {
    if (this.storage === 'object') {
      this.objs.push(value ?? null)
      this.n++
      return
    }
    if (this.n === this.nums.length) this.grow()
    if (value == null) {
      this.markNull()
      this.nums[this.n] = this.storage === 'number' ? Number.NaN : 0
    } else {
      if (this.validity) this.validity[this.n] = 1
      this.nums[this.n] = this.storage === 'number' ? (value as number) : value ? 1 : 0
    }
    this.n++
  }

  /** Appends a non-null number to a number-stored column, without boxing it on the way. */
  appendNumber(x: number): void {
    if (this.n === this.nums.length) this.grow()
    if (this.validity) this.validity[this.n] = 1
    this.nums[this.n] = x
    this.n++
  }

  appendVector(v: Vector): void {
    for (let i = 0; i < v.length; i++) this.append(valueAt(v, i))
  }

  /** The engine value appended at position i (i < length). */
  get(i: number): unknown {
    if (this.storage === 'object') return this.objs[i] ?? null
    if (this.validity !== null && this.validity[i] === 0) return null
    return this.storage === 'number' ? this.nums[i] : this.nums[i] === 1
  }

  /** The vector built so far; the builder must not be used after. */
  finish(): Vector {
    if (this.storage === 'object') return objectVector(this.type, this.objs)
    return this.snapshot()
  }

  /** A copy of the vector built so far; the builder can go on. */
  snapshot(): Vector {
    if (this.storage === 'object') return objectVector(this.type, this.objs.slice())
    const validity = this.validity ? this.validity.slice(0, this.n) : null
    if (this.storage === 'number')
      return numberVector(this.type, (this.nums as Float64Array).slice(0, this.n), validity)
    return boolVector(this.type, (this.nums as Uint8Array).slice(0, this.n), validity)
  }
}
