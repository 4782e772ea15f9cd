/**
 * The messages between the coordinating thread and its workers. Everything here is plain
 * data (structured clone); batches are EncodedBatch, whose buffers are transferred.
 */
import type { EvalContext } from '../expr/compiled.js'
import type { OutputMode, SinkWriteTask } from '../sinks/sink.js'
import type { JsonValue, SourcePartition } from '../sources/source.js'
import type { StateOperatorProgress } from '../streaming/progress.js'
import type { EventTimeStats } from '../streaming/watermark.js'
import type { EncodedBatch } from './batch-codec.js'
import type { SourceReadSummary } from './io-tasks.js'

export interface WorkerSetup {
  readonly worker: number
  readonly threads: number
  /** The logical plan, encoded by plan-codec. */
  readonly plan: unknown
  /** The stateful operator the shuffle feeds; null for a stateless plan (one stage). */
  readonly statefulOperatorId: number | null
  readonly partitions: number
  readonly stateDir: string
  /** The settings the state store provider is made from (tributary.stateStore.*). */
  readonly stateConf: Readonly<Record<string, string>>
}

/** What an operator needs of a batch besides its rows (ExecContext without functions). */
export interface BatchParams {
  readonly batchId: number
  readonly eval: EvalContext
  readonly watermarkMs: number
  readonly previousWatermarkMs: number | undefined
  readonly outputMode: OutputMode
}

export type Request =
  | { readonly type: 'setup'; readonly setup: WorkerSetup }
  | {
      readonly type: 'map'
      readonly params: BatchParams
      /** This worker's slice of each source's rows, by source index. */
      readonly inputs: readonly (readonly [number, EncodedBatch])[]
      /** Sources this worker reads itself: its run of each one's partitions, by source index. */
      readonly reads?: readonly (readonly [number, readonly SourcePartition[]])[]
      /** Stateless plan: write the output through the sink's task instead of returning it. */
      readonly write?: SinkWriteTask | null
    }
  | {
      readonly type: 'reduce'
      readonly params: BatchParams
      /** The shuffled rows of each partition this worker owns (all of them, rows or not). */
      readonly parts: readonly (readonly [number, readonly EncodedBatch[]])[]
    }
  | { readonly type: 'commit' }
  | { readonly type: 'abort' }
  | { readonly type: 'maintain'; readonly minVersion: number }
  | { readonly type: 'close' }

export interface WatermarkObservation {
  readonly watermarkId: number
  readonly delayMs: number
  readonly stats: EventTimeStats
}

export interface MapResult {
  /** Stateless plan: the slice's output (null when the worker wrote it through the sink's task). */
  readonly output: EncodedBatch | null
  /** The sink's write task's result (the files written), when there was a task. */
  readonly written?: JsonValue
  /** Rows of the output, written or returned. */
  readonly outputRows?: number
  /** What reading each source's partitions gave, by source index. */
  readonly reads?: readonly (readonly [number, SourceReadSummary])[]
  /** Stateful plan: the slice's rows by state partition. */
  readonly parts: readonly (readonly [number, EncodedBatch])[]
  readonly watermarks: readonly WatermarkObservation[]
  readonly inputRows: number
  /** Rows the slice sent into the shuffle: its rows, or one per key with map-side partial aggregation. */
  readonly shuffledRows: number
  readonly durationMs: number
}

export interface PartitionResult {
  readonly partition: number
  readonly output: EncodedBatch
  /** The stateful operator's input rows (those that partial rows stand for). */
  readonly inputRows: number
  /** Rows the shuffle delivered. */
  readonly shuffledRows: number
  readonly durationMs: number
  readonly state: StateOperatorProgress
}

export interface ReduceResult {
  readonly partitions: readonly PartitionResult[]
}

export type Response =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number
      readonly ok: false
      readonly error: {
        readonly message: string
        readonly code?: string
        /** The error's class name (CheckpointError, ...), so that the coordinator raises the same class. */
        readonly name?: string
        readonly stack?: string
      }
      /** The state partition the error came from, when it came from one. */
      readonly partition?: number
    }
