/**
 * Accumulators: per-group running state of one aggregate, held column-wise (a typed array
 * indexed by group id) so that one batch updates all its groups in one loop. The same
 * accumulators serve batch groupBy and streaming aggregation; getState/setState move one
 * group's state in and out of a state store.
 */
import { take, type Vector } from '../../batch/vector.js'
import type { DataType } from '../../types/data-types.js'

export interface Accumulator {
  readonly resultType: DataType
  /** Adds each row i to group groupIds[i]; numGroups is the count of groups known so far. */
  update(groupIds: Int32Array, numGroups: number, inputs: readonly Vector[], numRows: number): void
  /** One value per group, groups 0..numGroups-1. */
  result(numGroups: number): Vector
  /**
   * The values of the groups `ids` only, in that order: what an aggregation whose groups
   * live across batches emits for the few it touched. Absent: taken from result().
   */
  resultAt?(ids: Int32Array): Vector
  /**
   * Partial aggregation (Spark's partial/final HashAggregate): the column types of this
   * aggregate's partial state. Absent: the aggregate has no partial form, and an
   * aggregation that uses it shuffles its input rows as they are.
   */
  readonly partialTypes?: readonly DataType[]
  /** The states of groups 0..numGroups-1 as columns of partialTypes, one row per group. */
  partial?(numGroups: number): Vector[]
  /**
   * Adds partial rows (of partial()) into groups, row i into group groupIds[i], as if the
   * rows they summarize came in here, in the order of the partial rows.
   */
  merge?(groupIds: Int32Array, numGroups: number, partials: readonly Vector[], numRows: number): void
  /** Group g's state as a JSON value (for the state store). */
  getState(g: number): unknown
  setState(g: number, state: unknown): void
}

export type AccumulatorFactory = (
  inputTypes: readonly DataType[],
  options: Readonly<Record<string, unknown>>,
) => Accumulator

/** The values of groups `ids` of an accumulator, through resultAt() where it has one. */
export function resultAt(acc: Accumulator, ids: Int32Array, numGroups: number): Vector {
  return acc.resultAt ? acc.resultAt(ids) : take(acc.result(numGroups), ids)
}

/** A growable Float64Array indexed by group id. */
export class GrowableF64 {
  data: Float64Array
  constructor(
    private readonly fill = 0,
    capacity = 64,
  ) {
    this.data = new Float64Array(capacity).fill(fill)
  }
  ensure(n: number): Float64Array {
    if (n > this.data.length) {
      let size = this.data.length * 2
      while (size < n) size *= 2
      const next = new Float64Array(size).fill(this.fill)
      next.set(this.data)
      this.data = next
    }
    return this.data
  }
}

/** A growable Uint8Array indexed by group id. */
export class GrowableU8 {
  data: Uint8Array
  constructor(capacity = 64) {
    this.data = new Uint8Array(capacity)
  }
  ensure(n: number): Uint8Array {
    if (n > this.data.length) {
      let size = this.data.length * 2
      while (size < n) size *= 2
      const next = new Uint8Array(size)
      next.set(this.data)
      this.data = next
    }
    return this.data
  }
}
