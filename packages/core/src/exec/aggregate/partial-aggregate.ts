/**
 * Map-side partial aggregation, Spark's partial/final HashAggregate pair: the stage before
 * the shuffle groups its slice of the rows and keeps, per group, each aggregate's partial
 * state (a count, a sum and a count, an extreme, a set of distinct values, a sketch); the
 * shuffle then moves one row per group and slice instead of every input row, and the
 * stateful operator merges those rows into its groups (Accumulator.merge).
 *
 * A partial row carries the group's key columns (in the engine's form, as grouped), the
 * number of input rows it stands for (so that rows dropped as late count as input rows,
 * not as groups), then each aggregate's partial columns in turn.
 *
 * Results equal the unpartial aggregation's, except sums and averages of fractional
 * numbers: their additions happen in another order (per slice, then across slices), so
 * they may differ in the last bits, as in Spark. Sums of integers are exact as long as
 * they stay within 2^53 either way.
 */
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { type NumberVector, numberVector, type Vector } from '../../batch/vector.js'
import type { Compiled, EvalContext } from '../../expr/compiled.js'
import { LongType, type StructField } from '../../types/data-types.js'
import { Schema } from '../../types/schema.js'
import { GroupIndex } from '../group-index.js'
import type { MapSidePartial } from '../operator.js'
import type { Accumulator } from './accumulator.js'
import type { AggregateSpec } from './hash-aggregate.js'

export class PartialAggregate implements MapSidePartial {
  readonly schema: Schema<unknown>
  /** Where each aggregate's partial columns start, and (last) where they end. */
  private readonly starts: number[]

  private constructor(
    private readonly keys: readonly Compiled[],
    private readonly aggregates: readonly AggregateSpec[],
    private readonly newAccumulators: () => Accumulator[],
    private readonly partitionsOfKeys: (
      keys: readonly Vector[],
      numRows: number,
      partitions: number,
    ) => Int32Array,
    probe: readonly Accumulator[],
  ) {
    const fields: StructField[] = keys.map((k, i) => ({ name: `key${i}`, type: k.type, nullable: true }))
    fields.push({ name: 'rows', type: LongType, nullable: false })
    this.starts = []
    probe.forEach((acc, i) => {
      this.starts.push(fields.length)
      acc.partialTypes!.forEach((type, j) => {
        fields.push({ name: `agg${i}_${j}`, type, nullable: true })
      })
    })
    this.starts.push(fields.length)
    this.schema = new Schema(fields)
  }

  /** The partial aggregation of these aggregates, or null when one of them has no partial form. */
  static of(
    keys: readonly Compiled[],
    aggregates: readonly AggregateSpec[],
    newAccumulators: () => Accumulator[],
    partitionsOfKeys: (keys: readonly Vector[], numRows: number, partitions: number) => Int32Array,
  ): PartialAggregate | null {
    const probe = newAccumulators()
    if (probe.some((a) => !a.partialTypes || !a.partial || !a.merge)) return null
    return new PartialAggregate(keys, aggregates, newAccumulators, partitionsOfKeys, probe)
  }

  aggregate(input: ColumnarBatch<unknown>, ctx: EvalContext): ColumnarBatch<unknown> {
    const n = input.numRows
    if (n === 0) return ColumnarBatch.empty(this.schema)
    const keyVecs = this.keys.map((k) => k.evaluate(input, ctx))
    const index = new GroupIndex(keyVecs.map((k) => k.type))
    const ids = index.assign(keyVecs, n)
    const groups = index.numGroups
    const rows = new Float64Array(groups)
    for (let i = 0; i < n; i++) rows[ids[i]]++
    const columns: Vector[] = [...index.keyVectors(), numberVector(LongType, rows)]
    const accs = this.newAccumulators()
    for (let i = 0; i < accs.length; i++) {
      accs[i].update(
        ids,
        groups,
        this.aggregates[i].args.map((x) => x.evaluate(input, ctx)),
        n,
      )
      columns.push(...accs[i].partial!(groups))
    }
    return new ColumnarBatch(this.schema, columns, groups)
  }

  /** The partial rows' key columns, in the engine's form (as grouped). */
  keyColumns(partials: ColumnarBatch<unknown>): Vector[] {
    return partials.columns.slice(0, this.keys.length)
  }

  /** The input rows each partial row stands for. */
  rowCounts(partials: ColumnarBatch<unknown>): Float64Array {
    return (partials.columns[this.keys.length] as NumberVector).values
  }

  /** Aggregate i's partial columns. */
  partialColumns(partials: ColumnarBatch<unknown>, i: number): Vector[] {
    return partials.columns.slice(this.starts[i], this.starts[i + 1])
  }

  shufflePartitions(partials: ColumnarBatch<unknown>, partitions: number): Int32Array {
    return this.partitionsOfKeys(this.keyColumns(partials), partials.numRows, partitions)
  }

  inputRows(partials: ColumnarBatch<unknown>): number {
    const rows = this.rowCounts(partials)
    let total = 0
    for (let i = 0; i < partials.numRows; i++) total += rows[i]
    return total
  }
}
