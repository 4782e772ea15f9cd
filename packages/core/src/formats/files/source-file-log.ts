/**
 * The file source's own log in the query checkpoint (`sources/<i>/<N>`): the files of each
 * source batch N. The source's offsets are these batch numbers, so a replayed batch reads
 * exactly the files it first read, and a restart knows every file already taken.
 *
 * Every `compactInterval` batches the log is compacted (`<N>.compact`, as Spark's
 * FileStreamSourceLog), dropping the files older than `maxFileAge` behind the newest one:
 * the source would neither take nor remember them anyway. So the log, and the time a restart
 * takes to read it, stay bounded however many batches the query has run.
 */
import { CompactibleLog } from '../../checkpoint/compactible-log.js'
import { CheckpointError } from '../../util/errors.js'
import type { ListedFile } from './listing.js'

export interface SourceLogEntry {
  readonly files: readonly ListedFile[]
}

export interface SourceFileLogOptions {
  /** A compact file every this many source batches (default 10, Spark's). */
  readonly compactInterval: number
  /** Files this much older than the newest file are forgotten at compaction; Infinity keeps all. */
  readonly maxFileAgeMs: number
}

export class SourceFileLog {
  private readonly log: CompactibleLog<SourceLogEntry>

  constructor(
    readonly dir: string,
    options: SourceFileLogOptions,
  ) {
    this.log = new CompactibleLog<SourceLogEntry>(dir, {
      compactInterval: options.compactInterval,
      retain: Number.isFinite(options.maxFileAgeMs) ? retainYoungerThan(options.maxFileAgeMs) : undefined,
    })
  }

  /** The newest source batch in the log; -1 before the first. */
  latestBatchId(): Promise<number> {
    return this.log.latestBatchId()
  }

  /** Every file the log remembers, oldest batch first. */
  async rememberedFiles(): Promise<ListedFile[]> {
    // A lost entry's files would look new and be read twice: refuse to go on without it.
    const missing = await this.log.firstMissingBatch()
    if (missing !== null) throw this.missingEntry(missing)
    return (await this.log.batches()).flatMap((b) => b.entry.files)
  }

  async add(batchId: number, files: readonly ListedFile[]): Promise<void> {
    if (await this.log.add(batchId, { files })) return
    throw new CheckpointError(
      `CONCURRENT_QUERY: ${this.log.fileOf(batchId)} was written by someone else while this query ran. Two queries must not share a checkpointLocation; stop the other one.`,
      'CONCURRENT_QUERY',
    )
  }

  async files(batchId: number): Promise<readonly ListedFile[]> {
    const entry = await this.log.get(batchId)
    if (entry === undefined) throw this.missingEntry(batchId)
    // Compaction drops only committed batches' expired files, which no batch reads again.
    return entry === 'dropped' ? [] : entry.files
  }

  private missingEntry(batchId: number): CheckpointError {
    return new CheckpointError(
      `CORRUPT_CHECKPOINT: ${this.log.fileOf(batchId)} is missing, so the files of file source batch ${batchId} are unknown. Restore the file from a backup, or start the query with a new checkpointLocation (it will then read every file again).`,
      'CORRUPT_CHECKPOINT',
    )
  }
}

/** Keeps the files at most `maxAgeMs` older than the newest file of the log (SeenFiles' rule). */
function retainYoungerThan(maxAgeMs: number) {
  return (entry: SourceLogEntry, _batchId: number, all: readonly { entry: SourceLogEntry }[]) => {
    let newest = Number.NEGATIVE_INFINITY
    for (const b of all) for (const f of b.entry.files) if (f.mtimeMs > newest) newest = f.mtimeMs
    const files = entry.files.filter((f) => f.mtimeMs >= newest - maxAgeMs)
    return files.length === 0 ? null : { files }
  }
}
