/**
 * A file format (json, csv, text, parquet): how one file becomes a columnar batch and a
 * batch becomes one file. The file source and file sink (`files/`) do listing, offsets,
 * partition folders and commit logs for every format alike.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { DeadLetter } from '../sources/source.js'
import type { Schema } from '../types/schema.js'
import type { Options } from '../util/options.js'

export interface FileReadResult {
  readonly batch: ColumnarBatch<unknown>
  /** Records dropped under mode DROPMALFORMED. */
  readonly droppedMalformed: number
  /** Every malformed record met (dropped, or kept under PERMISSIVE), with its line and the error. */
  readonly deadLetters?: readonly DeadLetter[]
}

/** A byte range of a file: a split, the records that start in [start, end). */
export interface FileRange {
  readonly start: number
  readonly end: number
}

export interface FileFormat {
  /** The format name used in `.format(name)`. */
  readonly name: string
  /** File extension the sink gives its files, without a dot. */
  readonly extension: string
  /** Options this format reads when reading (besides the file source's own). */
  readonly readOptions: readonly string[]
  /** Options this format reads when writing (besides the file sink's own). */
  readonly writeOptions: readonly string[]
  /**
   * The schema of every file of this format when the user gives none, known without
   * reading a file (text: one string column `value`). A streaming source takes it as
   * Spark does, instead of asking for a schema.
   */
  readonly fixedSchema?: Schema<unknown>
  /**
   * The schema of the given files, read synchronously at `load()` time (Spark infers
   * eagerly too). `files` is never empty.
   */
  inferSchema(files: readonly string[], options: Options): Schema<unknown>
  /**
   * The source's batch size limit when the user sets none, in bytes on disk; the file
   * source's default (32 MB) unless a format's files expand much more in memory (Parquet).
   */
  readonly defaultMaxBytesPerTrigger?: number
  /** Refuses read options that cannot work (a bad timestampFormat), at `load()` rather than at the first record. */
  checkReadOptions?(options: Options): void
  /**
   * Whether `read` honours `readColumns` (column pruning). The file source then asks for
   * the columns the query reads only (docs/sources-and-sinks.md, "Column pruning").
   */
  readonly prunesColumns?: boolean
  /**
   * Reads one file as rows of `schema`. Malformed records follow `options.mode`:
   * PERMISSIVE (default: nulls, raw text in `columnNameOfCorruptRecord` if the schema has
   * that column), DROPMALFORMED (dropped and counted), FAILFAST (MalformedRecordError that
   * names the file and the line).
   *
   * `readColumns` (formats with `prunesColumns`): the columns the query reads; the batch
   * may then leave out the others, or hold them as nulls. Undefined: every column.
   */
  read(
    file: string,
    schema: Schema<unknown>,
    options: Options,
    readColumns?: readonly string[],
  ): Promise<FileReadResult>
  /** Whether files read with these options can be read in splits (readRange); absent = never. */
  splittable?(options: Options): boolean
  /**
   * Reads the records of one split of a file: those that start in the range, so that the
   * splits of a file, in order, give the rows of `read` of the whole file, in order.
   */
  readRange?(
    file: string,
    range: FileRange,
    schema: Schema<unknown>,
    options: Options,
    readColumns?: readonly string[],
  ): Promise<FileReadResult>
  /** Writes the batch as one new file (the caller makes the write atomic). */
  write(batch: ColumnarBatch<unknown>, file: string, options: Options): Promise<void>
}
