/**
 * The errors a user can cause. Each message names the cause and the way out; `code` is a
 * stable identifier to match on.
 */
export class TributaryError extends Error {
  readonly code: string
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** The query is wrong: unknown columns, bad types, unsupported operations. Found before it runs. */
export class AnalysisError extends TributaryError {}

/** The checkpoint cannot be used: corrupt files, another query's checkpoint. */
export class CheckpointError extends TributaryError {}

/** Input that cannot be read under the chosen mode, naming where it is. */
export class MalformedRecordError extends TributaryError {}

/** A streaming query stopped with an error; `cause` holds the original. */
export class StreamingQueryException extends TributaryError {}

/** An option is missing, unknown, or has a value that cannot be used. */
export class OptionError extends TributaryError {}

/** A write failed because the disk is full or failing (DISK_FULL, DISK_IO_ERROR), naming the path. */
export class StorageError extends TributaryError {}
