/**
 * Candidate pairs of a join, as two growing index arrays, and the residual condition
 * evaluated on them a chunk at a time: pairs of one key (or of a nested loop) can be
 * many, and evaluating a bounded chunk keeps memory flat.
 */
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import type { Vector } from '../../batch/vector.js'
import type { Compiled, EvalContext } from '../../expr/compiled.js'
import { selection } from '../../expr/kernels.js'
import type { Schema } from '../../types/schema.js'

export const PAIR_CHUNK = 1 << 16

export class IndexPairs {
  private a = new Int32Array(256)
  private b = new Int32Array(256)
  length = 0

  push(x: number, y: number): void {
    if (this.length === this.a.length) {
      const a = new Int32Array(this.a.length * 2)
      const b = new Int32Array(this.b.length * 2)
      a.set(this.a)
      b.set(this.b)
      this.a = a
      this.b = b
    }
    this.a[this.length] = x
    this.b[this.length++] = y
  }

  get first(): Int32Array {
    return this.a.subarray(0, this.length)
  }

  get second(): Int32Array {
    return this.b.subarray(0, this.length)
  }

  clear(): void {
    this.length = 0
  }
}

/**
 * Which of n pairs satisfy the residual condition: the selected positions, or null when
 * all do. `left` and `right` are the pairs' columns of each side, in the pair schema's order.
 */
export function residualSelection(
  residual: Compiled | null,
  pairSchema: Schema<unknown>,
  left: readonly Vector[],
  right: readonly Vector[],
  n: number,
  ctx: EvalContext,
): Int32Array | null {
  if (residual === null || n === 0) return null
  const batch = new ColumnarBatch(pairSchema, [...left, ...right], n)
  const v = residual.evaluate(batch, ctx)
  // A null literal condition is a vector of nulls, not booleans: nothing satisfies it.
  return v.kind === 'bool' ? selection(v) : new Int32Array(0)
}

/** 1 where the boolean column is true, 0 where false or null; null when there is no filter. */
export function passMask(
  filter: Compiled | null,
  batch: ColumnarBatch<unknown>,
  ctx: EvalContext,
): Uint8Array | null {
  if (filter === null) return null
  const v = filter.evaluate(batch, ctx)
  const out = new Uint8Array(batch.numRows)
  if (v.kind !== 'bool') return out
  for (let i = 0; i < batch.numRows; i++)
    out[i] = v.values[i] === 1 && (v.validity === null || v.validity[i] === 1) ? 1 : 0
  return out
}
