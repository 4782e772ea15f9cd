/**
 * Physical operators: each turns its children's batch for this micro-batch into its own.
 * A batch query runs the same operators once over all its input.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { EvalContext } from '../expr/compiled.js'
import type { OutputMode } from '../sinks/sink.js'
import type { StateManager } from '../state/state-manager.js'
import type { StateOperatorProgress } from '../streaming/progress.js'
import type { WatermarkTracker } from '../streaming/watermark.js'
import type { Schema } from '../types/schema.js'

export interface ExecContext {
  readonly batchId: number
  readonly eval: EvalContext
  /** This batch's rows of each source, by the source's position in the plan. */
  readonly inputs: ReadonlyMap<number, ColumnarBatch<unknown>>
  /** The event-time watermark of this batch (from the offset log); 0 before any. */
  readonly watermarkMs: number
  /**
   * The watermark the previous batch ran with. Operators after a stream-stream join judge
   * lateness by it (Spark 3.5's watermark propagation); absent for batch queries.
   */
  readonly previousWatermarkMs?: number
  readonly outputMode: OutputMode
  /** The query's state; null for batch queries, which keep no state between runs. */
  readonly state: StateManager | null
  /** Where withWatermark operators report event times; null for batch queries. */
  readonly watermarks: WatermarkTracker | null
  /** Receives rows that stateful operators drop as late (withLateRows); absent when nobody listens. */
  readonly lateRows?: (operator: string, rows: ColumnarBatch<unknown>) => void
}

/** An operator that keeps state between batches and reports it in progress. */
export interface StatefulOperator extends PhysicalOperator {
  readonly operatorId: number
  /** Figures of the last batch. */
  progress(): StateOperatorProgress
  /**
   * Whether a batch without new data should run now: to emit and evict what the new
   * watermark closed, or to fire due timeouts. Absent: when the watermark moved.
   */
  needsNoDataBatch?(watermarkMs: number, lastBatchWatermarkMs: number, nowMs: number): boolean
  /**
   * What the stored state means (key expressions and types, functions, window), recorded in
   * the checkpoint: a restart with a different signature is refused. Absent: describe().
   */
  stateSignature?(): string
  /**
   * The state partition of each row of the operator's input (its child's output), for the
   * executor's shuffle: partitionOf(state key, partitions), with the key text the
   * operator's own per-key state uses, so that a row reaches the partition whose store
   * holds its key and a checkpoint restores with any thread count. Absent: the operator
   * cannot run in worker threads yet.
   */
  shufflePartitions?(input: ColumnarBatch<unknown>, ctx: EvalContext, partitions: number): Int32Array
  /**
   * Map-side partial aggregation (Spark's partial HashAggregate): how the stage before the
   * shuffle reduces its slice to one row per key, so that the shuffle moves those rows
   * instead of the input's. Null or absent: the input rows are shuffled as they are.
   */
  mapSidePartial?(): MapSidePartial | null
  /**
   * Makes this instance take the partial rows of mapSidePartial() as its input (the stage
   * after the shuffle) instead of its child's rows.
   */
  readPartials?(): void
}

/** A stateful operator's map-side partial aggregation (see StatefulOperator.mapSidePartial). */
export interface MapSidePartial {
  /** The partial rows' schema: the key columns, the count of input rows each stands for, the partial states. */
  readonly schema: Schema<unknown>
  /** One row per key of the slice's rows (the operator's input), keys in the order first seen. */
  aggregate(input: ColumnarBatch<unknown>, ctx: EvalContext): ColumnarBatch<unknown>
  /** The state partition of each partial row: the same as shufflePartitions gives its input rows. */
  shufflePartitions(partials: ColumnarBatch<unknown>, partitions: number): Int32Array
  /** The input rows that partial rows stand for. */
  inputRows(partials: ColumnarBatch<unknown>): number
}

export function isStateful(op: PhysicalOperator): op is StatefulOperator {
  return typeof (op as Partial<StatefulOperator>).operatorId === 'number'
}

/** Every stateful operator of a physical plan, sources first (the order the checkpoint records). */
export function statefulOperators(op: PhysicalOperator): StatefulOperator[] {
  return [...op.children.flatMap(statefulOperators), ...(isStateful(op) ? [op] : [])]
}

/** Every stateful operator, nearest the sink first: the order of Spark's progress.stateOperators. */
export function statefulOperatorsSinkFirst(op: PhysicalOperator): StatefulOperator[] {
  return [...(isStateful(op) ? [op] : []), ...op.children.flatMap(statefulOperatorsSinkFirst)]
}

export interface PhysicalOperator {
  readonly name: string
  readonly schema: Schema<unknown>
  readonly children: readonly PhysicalOperator[]
  execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>>
  /** One line for explain(): the operator and its arguments. */
  describe(): string
}

/** explain()'s tree of physical operators. */
export function explainPhysical(op: PhysicalOperator, depth = 0): string {
  const pad = depth === 0 ? '' : `${'   '.repeat(depth - 1)}+- `
  return [`${pad}${op.describe()}`, ...op.children.map((c) => explainPhysical(c, depth + 1))].join('\n')
}
