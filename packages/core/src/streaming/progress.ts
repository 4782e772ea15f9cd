/** Spark's StreamingQueryProgress and StreamingQueryStatus, field for field where Tributary has them. */
import type { Offset } from '../sources/source.js'

export interface SourceProgress {
  readonly description: string
  readonly startOffset: Offset | null
  readonly endOffset: Offset | null
  readonly latestOffset: Offset | null
  readonly numInputRows: number
  readonly inputRowsPerSecond: number
  readonly processedRowsPerSecond: number
  readonly metrics: Readonly<Record<string, number | string>>
}

export interface SinkProgress {
  readonly description: string
  readonly numOutputRows: number
  readonly metrics: Readonly<Record<string, number | string>>
}

export interface StateOperatorProgress {
  readonly operatorName: string
  readonly numRowsTotal: number
  readonly numRowsUpdated: number
  readonly numRowsRemoved: number
  readonly numRowsDroppedByWatermark: number
  readonly memoryUsedBytes: number
  readonly commitTimeMs: number
  /** The number of state partitions (Spark's shuffle partitions of the operator). */
  readonly numShufflePartitions: number
  /** State store instances: one per partition (a stream-stream join keeps its two sides in one). */
  readonly numStateStoreInstances: number
  /** Operator-specific counts, e.g. `numDroppedDuplicateRows` for dropDuplicates. */
  readonly customMetrics: Readonly<Record<string, number>>
}

/** One state partition's share of a batch on the executor's worker threads. */
export interface PartitionProgress {
  readonly partition: number
  /** The worker thread that owns the partition (partition % threads). */
  readonly worker: number
  /** The stateful operator's input rows in the partition (those that partial rows stand for). */
  readonly numInputRows: number
  /** Rows the shuffle delivered to the partition: with map-side partial aggregation, one per key and slice. */
  readonly numShuffledRows: number
  readonly numOutputRows: number
  readonly durationMs: number
}

/** One slice of the batch through the stage before the shuffle (or the whole plan, when stateless). */
export interface TaskProgress {
  readonly worker: number
  readonly numInputRows: number
  /** Rows the slice sent into the shuffle (0 in a stateless plan): one per key with partial aggregation. */
  readonly numShuffledRows: number
  readonly durationMs: number
}

/** How the batch ran: on how many threads, split how, and why not when it could not be. */
export interface ExecutorProgress {
  readonly threads: number
  /** inThread: the coordinating thread ran the plan; stateless: one stage on workers; shuffle: two. */
  readonly mode: 'inThread' | 'stateless' | 'shuffle'
  /** Why a query with more than one thread ran on the coordinating thread (explain() shows it too). */
  readonly inThreadReason: string | null
  /**
   * Stage 1 aggregates its slice per key before the shuffle (Spark's partial aggregation),
   * so the shuffle moves one row per key and slice instead of every row.
   */
  readonly partialAggregation: boolean
  readonly tasks: readonly TaskProgress[]
  readonly partitions: readonly PartitionProgress[]
}

export interface DurationMs {
  latestOffset: number
  getBatch: number
  walCommit: number
  queryPlanning: number
  addBatch: number
  commitOffsets: number
  triggerExecution: number
}

export interface StreamingQueryProgress {
  readonly id: string
  readonly runId: string
  readonly name: string | null
  /** ISO time at which the trigger started. */
  readonly timestamp: string
  readonly batchId: number
  readonly batchDuration: number
  readonly numInputRows: number
  readonly inputRowsPerSecond: number
  readonly processedRowsPerSecond: number
  readonly durationMs: Readonly<DurationMs>
  readonly eventTime: Readonly<Record<string, string>>
  readonly stateOperators: readonly StateOperatorProgress[]
  readonly sources: readonly SourceProgress[]
  readonly sink: SinkProgress
  /** Malformed input records dropped under mode DROPMALFORMED in this batch. */
  readonly numDroppedMalformedRows: number
  /** Threads, stages, and each partition's rows and time (docs/parallelism.md). */
  readonly executor?: ExecutorProgress
}

export interface StreamingQueryStatus {
  readonly message: string
  readonly isDataAvailable: boolean
  readonly isTriggerActive: boolean
}
