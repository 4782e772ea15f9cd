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
}

export interface StreamingQueryStatus {
  readonly message: string
  readonly isDataAvailable: boolean
  readonly isTriggerActive: boolean
}
