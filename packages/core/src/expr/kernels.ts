/**
 * Building blocks for kernels: loops over whole columns with null propagation. Numeric
 * kernels run over Float64Arrays; the generic ones read each row's value once.
 */
import {
  type BoolVector,
  boolVector,
  type NumberVector,
  numberVector,
  type Vector,
  VectorBuilder,
  valueAt,
} from '../batch/vector.js'
import type { DataType } from '../types/data-types.js'

/** Validity of a row-wise combination: present where every input is present. */
export function combineValidity(vectors: readonly Vector[], length: number): Uint8Array | null {
  let out: Uint8Array | null = null
  for (const v of vectors) {
    if (v.kind === 'object') {
      let any = false
      for (let i = 0; i < length; i++) {
        if (v.values[i] == null) {
          any = true
          break
        }
      }
      if (!any) continue
      out ??= new Uint8Array(length).fill(1)
      for (let i = 0; i < length; i++) if (v.values[i] == null) out[i] = 0
    } else if (v.validity) {
      out ??= new Uint8Array(length).fill(1)
      const va = v.validity
      for (let i = 0; i < length; i++) out[i] &= va[i]
    }
  }
  return out
}

/** f over two numeric columns. */
export function numericBinary(
  type: DataType,
  a: NumberVector,
  b: NumberVector,
  f: (x: number, y: number) => number,
): NumberVector {
  const n = a.length
  const out = new Float64Array(n)
  const x = a.values
  const y = b.values
  for (let i = 0; i < n; i++) out[i] = f(x[i], y[i])
  return numberVector(type, out, combineValidity([a, b], n))
}

/** f over one numeric column. */
export function numericUnary(type: DataType, a: NumberVector, f: (x: number) => number): NumberVector {
  const n = a.length
  const out = new Float64Array(n)
  const x = a.values
  for (let i = 0; i < n; i++) out[i] = f(x[i])
  return numberVector(type, out, a.validity)
}

/** A predicate over two numeric columns. */
export function numericCompare(
  a: NumberVector,
  b: NumberVector,
  f: (x: number, y: number) => boolean,
  type: DataType,
): BoolVector {
  const n = a.length
  const out = new Uint8Array(n)
  const x = a.values
  const y = b.values
  for (let i = 0; i < n; i++) out[i] = f(x[i], y[i]) ? 1 : 0
  return boolVector(type, out, combineValidity([a, b], n))
}

/**
 * The generic kernel: reads every argument's value at each row, and calls f unless one
 * is null (then the result is null). f returns an engine value or null.
 */
export function mapRows(
  type: DataType,
  args: readonly Vector[],
  length: number,
  f: (...values: unknown[]) => unknown,
  nullSafe = false,
): Vector {
  const b = new VectorBuilder(type, length)
  const k = args.length
  const vals = new Array<unknown>(k)
  outer: for (let i = 0; i < length; i++) {
    for (let j = 0; j < k; j++) {
      const v = valueAt(args[j], i)
      if (v === null && !nullSafe) {
        b.append(null)
        continue outer
      }
      vals[j] = v
    }
    b.append(f(...vals))
  }
  return b.finish()
}

/** Row indices where a boolean column is true (null counts as false). */
export function selection(pred: Vector): Int32Array | null {
  if (pred.kind !== 'bool') return null
  const n = pred.length
  const v = pred.values
  const valid = pred.validity
  let count = 0
  for (let i = 0; i < n; i++) if (v[i] === 1 && (valid === null || valid[i] === 1)) count++
  if (count === n) return null
  const out = new Int32Array(count)
  let k = 0
  for (let i = 0; i < n; i++) if (v[i] === 1 && (valid === null || valid[i] === 1)) out[k++] = i
  return out
}

/** Orders two engine values of the same type; nulls are handled by the caller. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number')
    return a < b ? -1 : a > b ? 1 : Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : 0
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i])
      if (c !== 0) return c
    }
    return a.length - b.length
  }
  const sa = JSON.stringify(a)
  const sb = JSON.stringify(b)
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

/** Equality of engine values, deep for nested ones. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  return compareValues(a, b) === 0
}
