/**
 * Assembling join results. Matched pairs and unmatched rows arrive as row indices into
 * each side (-1 where a side contributes nulls) or as stored rows of engine values; either
 * way the output columns are built once per batch, then laid out as the join's output
 * (left columns, right columns, one copy of using-keys).
 */
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import {
  boolVector,
  constantVector,
  isNullAt,
  numberVector,
  objectVector,
  storageOf,
  take,
  type Vector,
  VectorBuilder,
  valueAt,
} from '../../batch/vector.js'
import { castVector } from '../../expr/cast.js'
import type { OutputItem } from '../../plan/join-analysis.js'
import type { Schema } from '../../types/schema.js'

/** Rows of `v` at `indices`; -1 gives a null. */
export function takeOrNull(v: Vector, indices: Int32Array): Vector {
  const n = indices.length
  if (!indices.some((j) => j < 0)) return take(v, indices)
  if (v.kind === 'object') {
    const out = new Array<unknown>(n)
    for (let i = 0; i < n; i++) out[i] = indices[i] < 0 ? null : (v.values[indices[i]] ?? null)
    return objectVector(v.type, out)
  }
  const validity = new Uint8Array(n)
  const src = v.values
  const values = v.kind === 'number' ? new Float64Array(n) : new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const j = indices[i]
    if (j < 0 || (v.validity !== null && v.validity[j] === 0)) {
      if (v.kind === 'number') values[i] = Number.NaN
      continue
    }
    values[i] = src[j]
    validity[i] = 1
  }
  return v.kind === 'number'
    ? numberVector(v.type, values as Float64Array, validity)
    : boolVector(v.type, values as Uint8Array, validity)
}

/** Columns of `schema` from rows of engine values; a null row gives nulls in every column. */
export function columnsOfRows(
  schema: Schema<unknown>,
  rows: readonly (readonly unknown[] | null)[],
): Vector[] {
  const n = rows.length
  return schema.fields.map((f, c) => {
    const storage = storageOf(f.type)
    if (storage === 'number') {
      // Directly into the typed arrays: this runs once per value of every joined row.
      const values = new Float64Array(n)
      let validity: Uint8Array | null = null
      for (let i = 0; i < n; i++) {
        const x = rows[i]?.[c]
        if (x == null) {
          values[i] = Number.NaN
          validity ??= new Uint8Array(n).fill(1)
          validity[i] = 0
        } else values[i] = x as number
      }
      return numberVector(f.type, values, validity)
    }
    if (storage === 'object') {
      const values = new Array<unknown>(n)
      for (let i = 0; i < n; i++) values[i] = rows[i]?.[c] ?? null
      return objectVector(f.type, values)
    }
    const b = new VectorBuilder(f.type, n)
    for (const r of rows) b.append(r === null ? null : r[c])
    return b.finish()
  })
}

/** Columns of one side for a pair batch: all null when the side is absent. */
export function nullColumns(schema: Schema<unknown>, n: number): Vector[] {
  return schema.fields.map((f) => constantVector(f.type, null, n))
}

export class JoinOutput {
  constructor(
    readonly schema: Schema<unknown>,
    private readonly items: readonly OutputItem[],
  ) {}

  /** The output rows for pairs whose left and right columns are given (as long as each other). */
  build(left: readonly Vector[], right: readonly Vector[], n: number): ColumnarBatch<unknown> {
    const columns = this.items.map((item) => {
      if (item.from !== 'coalesce') return item.from === 'left' ? left[item.index] : right[item.index]
      const l = castVector(left[item.left], item.type)
      const r = castVector(right[item.right], item.type)
      const b = new VectorBuilder(item.type, n)
      for (let i = 0; i < n; i++) b.append(isNullAt(l, i) ? valueAt(r, i) : valueAt(l, i))
      return b.finish()
    })
    return new ColumnarBatch(this.schema, columns, n)
  }
}
