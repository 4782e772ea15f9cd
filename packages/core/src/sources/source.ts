/**
 * The Source interface: what the micro-batch loop asks of every input. Offsets are JSON
 * values that the source alone interprets; they are written to the offset log before a
 * batch runs, so a replayable source must return the same rows for the same range.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import type { Options } from '../util/options.js'

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type Offset = JsonValue

/** 'default': the source's admission control applies; 'all': everything available (Trigger.Once). */
export type ReadLimit = 'default' | 'all'

/**
 * A record a source could not read, kept so that no input is lost silently. Sources
 * return them in SourceBatch.deadLetters; a query started with `withDeadLetters(...)`
 * hands them to the user's sink, the others drop them.
 */
export interface DeadLetter {
  /**
   * Where the record is, in the source's own terms, enough to find it again:
   * `{ file, line }` for files, `{ topic, partition, offset }` for Kafka, and so on.
   */
  readonly position: Readonly<Record<string, JsonValue>>
  /** The record as read, as text (bytes that are not UTF-8 as U+FFFD; '' when there is no text, as for a whole parquet file). */
  readonly raw: string
  /** Why it could not be read. */
  readonly error: string
}

/** What a source reads for a batch: rows of `[start, end)` plus counts for progress. */
export interface SourceBatch {
  readonly data: ColumnarBatch<unknown>
  /** Malformed records dropped under DROPMALFORMED, reported in progress. */
  readonly droppedMalformed?: number
  /**
   * Records that could not be read (dropped under DROPMALFORMED, or kept with nulls under
   * PERMISSIVE), with where they are and why. Must be the same for the same range, like
   * the rows: a replayed batch delivers them again under the same batch id.
   */
  readonly deadLetters?: readonly DeadLetter[]
}

/**
 * A part of a source's batch that a worker thread can read by itself (Spark's input
 * partition): plain data, so it travels to a worker by structured clone. `reader` names the
 * code that reads it (`files`: formats/files/file-partition.ts); `weight` (bytes on disk
 * for a file) balances partitions over workers. Reading the same partition again gives the
 * same rows, as getBatch does for the same offsets.
 */
export interface SourcePartition {
  readonly reader: 'files'
  readonly weight: number
  readonly spec: JsonValue
}

export interface Source {
  readonly schema: Schema<unknown>
  /** Shown in progress and explain(), e.g. `FileStreamSource[/data/in]`. */
  readonly description: string
  /** True when getBatch returns the same rows for the same offsets; decides exactly-once. */
  readonly replayable: boolean
  /** The offset before any data; the first batch reads from it. */
  initialOffset(): Promise<Offset>
  /**
   * The newest offset to read up to, after `start`, limited by the source's admission
   * control (maxFilesPerTrigger, maxOffsetsPerTrigger, ...) unless `limit` is 'all'
   * (Trigger.Once). Equal to `start` when there is no new data.
   */
  latestOffset(start: Offset, limit: ReadLimit): Promise<Offset>
  /** Rows after `start` up to and including `end`. */
  getBatch(start: Offset, end: Offset): Promise<SourceBatch>
  /**
   * The batch `(start, end]` as partitions that worker threads read themselves, instead of
   * getBatch on the coordinating thread; null when this batch must be read here (a format
   * registered in user code). Side effects are those of getBatch (what commit needs).
   */
  planPartitions?(start: Offset, end: Offset): Promise<readonly SourcePartition[] | null>
  /** Everything up to `end` is committed and will not be asked for again. */
  commit(end: Offset): Promise<void>
  stop(): Promise<void>
  /**
   * Called at once when the query is asked to stop, while a batch may still be running: a
   * source that waits for input inside latestOffset (an Observable under availableNow)
   * stops waiting. stop() follows once the loop has ended.
   */
  interrupt?(): void
  /**
   * Trigger.AvailableNow: remember the newest offset now and never go past it, so the
   * query ends after what was there when it started. Sources without it are read until
   * they have no new data.
   */
  prepareForTriggerAvailableNow?(): Promise<void>
  /**
   * True when the last latestOffset left data that is there for later (Kafka's
   * minOffsetsPerTrigger holds a trigger back until enough has arrived): the query is then
   * waiting for more, not idle, and onQueryIdle does not fire.
   */
  isHoldingBack?(): boolean
  /** Source-specific figures for progress (e.g. offsets behind latest). */
  metrics?(): Record<string, number | string>
}

export interface SourceContext {
  readonly options: Options
  /** Set by `.schema(...)`, or inferred at load time. */
  readonly schema: Schema<unknown>
  readonly path: string | undefined
  /** A folder of this source's own in the checkpoint (`sources/<i>`), for logs such as files seen. */
  readonly metadataDir: string
  /** True for `session.read` (bounded), false for `session.readStream`. */
  readonly bounded: boolean
  /**
   * Bounded reads only: sources that read many units (files, offsets) call it after each
   * step, with how many are done of the total, the rows so far and the unit ('files' when
   * omitted), for a progress bar. Optional to call.
   */
  readonly onProgress?: (done: number, total: number, rows: number, unit?: string) => void
  /**
   * The columns the query reads (plan/column-pruning.ts); undefined when it may read any.
   * A source may leave the other columns null instead of building them.
   */
  readonly requiredColumns?: readonly string[]
  /**
   * Where a source says what the user should know but that does not stop the query (files
   * it will never read, say): the session's logger at warn level. Absent: say nothing.
   */
  readonly warn?: (message: string) => void
}

export interface SchemaContext {
  readonly options: Options
  readonly userSchema: Schema<unknown> | null
  readonly path: string | undefined
  readonly streaming: boolean
}

/** A format name (`json`, `kafka`, ...) and how to build its source. */
export interface SourceProvider {
  readonly name: string
  /** Options the provider accepts; others are refused with near matches. Omit to accept any. */
  readonly knownOptions?: readonly string[]
  /** The schema of the rows, decided at `load()`: fixed, user-given, or inferred. Throws when it cannot be known. */
  schemaOf(ctx: SchemaContext): Schema<unknown>
  createSource(ctx: SourceContext): Promise<Source> | Source
  /**
   * Sources that prune columns: the columns they will build when the query reads
   * `required` (null: any), for explain's `ReadSchema`.
   */
  readSchema?(
    schema: Schema<unknown>,
    options: Options,
    required: ReadonlySet<string> | null,
  ): Schema<unknown>
}

/** What a DataFrame remembers of `readStream.format(...).load(...)`. */
export interface SourceSpec {
  readonly provider: SourceProvider
  readonly options: Options
  readonly path: string | undefined
}
