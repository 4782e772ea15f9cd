/**
 * The Sink interface: what the micro-batch loop hands results to. `addBatch` may be called
 * again with a batch id it has seen (after a crash between the sink write and the commit
 * log): an exactly-once sink recognizes the id and writes nothing twice.
 */

import type { Session } from '../api/session.js'
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { JsonValue } from '../sources/source.js'
import type { Schema } from '../types/schema.js'
import type { Options } from '../util/options.js'

export type OutputMode = 'append' | 'update' | 'complete'

/**
 * A sink's write of one batch that worker threads do themselves, each for its own rows
 * (Spark's write tasks): plain data, so it travels to a worker. `writer` names the code that
 * writes (`files`: formats/files/file-write-task.ts). Each worker returns a plain-data
 * result (the files it wrote); the sink commits them all at once with commitWritten.
 */
export interface SinkWriteTask {
  readonly writer: 'files'
  readonly spec: JsonValue
}

export interface Sink {
  readonly description: string
  addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void>
  /**
   * The write of batch `batchId` for worker threads to do, instead of addBatch; null when
   * this batch must go through addBatch (it is committed already, or the sink cannot).
   */
  planWrite?(batchId: number): Promise<SinkWriteTask | null>
  /** Commits what the workers wrote for planWrite(batchId): each worker's result, in task order. */
  commitWritten?(batchId: number, written: readonly JsonValue[]): Promise<void>
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
