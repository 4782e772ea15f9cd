/**
 * The Sink interface: what the micro-batch loop hands results to. `addBatch` may be called
 * again with a batch id it has seen (after a crash between the sink write and the commit
 * log): an exactly-once sink recognizes the id and writes nothing twice.
 */

import type { Session } from '../api/session.js'
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import type { Options } from '../util/options.js'

export type OutputMode = 'append' | 'update' | 'complete'

export interface Sink {
  readonly description: string
  addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void>
  stop?(): Promise<void>
  metrics?(): Record<string, number | string>
}

export interface SinkContext {
  readonly options: Options
  readonly schema: Schema<unknown>
  readonly outputMode: OutputMode
  readonly partitionBy: readonly string[]
  readonly queryName: string | undefined
  /**
   * The streaming query's id, kept in the checkpoint and the same across restarts (Spark's
   * `query.id`): a transactional sink pairs it with the batch id to recognize a replay.
   * Undefined for `df.write`.
   */
  readonly queryId?: string
  /** The path given to `start(path)` or the `path` option. */
  readonly path: string | undefined
  readonly session: Session
  /** True for `df.write` (one batch), false for `writeStream`. */
  readonly bounded: boolean
  /** For `df.write`: what to do when the target exists. The writer handles it for paths. */
  readonly saveMode?: SaveMode
}

/** What `df.write.mode(...)` asks for when the target exists. */
export type SaveMode = 'append' | 'overwrite' | 'errorifexists' | 'ignore'

export interface SinkProvider {
  readonly name: string
  readonly knownOptions?: readonly string[]
  /**
   * True for sinks whose output does not outlive the process (console, memory,
   * foreachBatch): a query without checkpointLocation then gets a temporary one.
   */
  readonly allowsTemporaryCheckpoint?: boolean
  createSink(ctx: SinkContext): Promise<Sink> | Sink
}
