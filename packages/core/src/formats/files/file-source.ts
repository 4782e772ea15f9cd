/**
 * The file source (Spark's FileStreamSource). Each trigger lists the input path, takes the
 * files not seen before (admission control decides how many), and logs them as source
 * batch N in the checkpoint before returning N as the offset. Reading batch N later, or
 * again after a crash, reads exactly the logged files.
 */
import type {
  Offset,
  ReadLimit,
  Source,
  SourceBatch,
  SourceContext,
  SourcePartition,
} from '../../sources/source.js'
import type { Schema } from '../../types/schema.js'
import { CheckpointError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import type { FileFormat } from '../file-format.js'
import { seenKey, selectNewFiles } from './admission.js'
import { cleanSourceOnSinkOutput, type SourceCleaner, sourceCleaner } from './clean-source.js'
import { type FilePartitionContext, filePartitions, readableInWorkers } from './file-partition.js'
import { type InputPath, requirePath, resolveInputPath } from './input-path.js'
import { type ListedFile, listFiles, readsThroughSinkLog } from './listing.js'
import { readFiles } from './read-files.js'
import { prunedColumns } from './read-schema.js'
import { SeenFiles } from './seen-files.js'
import { SinkLogReader } from './sink-log.js'
import { SourceFileLog } from './source-file-log.js'
import { type FileSourceOptions, parseFileSourceOptions } from './source-options.js'

export class FileStreamSource implements Source {
  readonly replayable = true
  readonly description: string
  private readonly seen: SeenFiles
  /** The newest source batch in the log; -1 before the first. */
  private latestLogged = -1
  /** Trigger.AvailableNow: the files present when the query started, the only ones it may take. */
  private availableNow: Set<string> | null = null
  /** Where each batch read in this run started, so commit knows which log entries it covers. */
  private readonly readStarts = new Map<number, number>()
  private lastCommitted: number | null = null
  private filesRead = 0
  /** Trigger.AvailableNow: how many new files were there at the start (progress bars show it). */
  private availableNowTotal: number | null = null
  /**
   * Whether the folder is a file sink's output is looked at again on each listing until
   * files show up (as Spark does): the sink may create its log after this reader started.
   */
  private sinkLog: SinkLogReader | null = null
  private listingSettled = false
  /** Files left out of the last listing: still being written (by name or by age). */
  private skippedInProgress = 0
  private skippedTooNew = 0
  /** Distinct files never read because maxFileAge refused them (bounded: a count past the cap is approximate). */
  private readonly tooOld = new Set<string>()
  private tooOldCount = 0

  private constructor(
    readonly schema: Schema<unknown>,
    private readonly format: FileFormat,
    private readonly input: InputPath,
    private readonly options: Options,
    private readonly settings: FileSourceOptions,
    private readonly bounded: boolean,
    private readonly log: SourceFileLog,
    private readonly cleaner: SourceCleaner | null,
    private readonly onProgress?: (done: number, total: number, rows: number) => void,
    /** The columns built (column pruning); undefined: all. */
    private readonly readColumns?: readonly string[],
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.description = `FileStreamSource[${input.display}]`
    this.seen = new SeenFiles(bounded ? Number.POSITIVE_INFINITY : settings.maxFileAgeMs)
  }

  static async open(ctx: SourceContext, format: FileFormat): Promise<FileStreamSource> {
    const input = resolveInputPath(requirePath(ctx.path, 'source', format.name))
    const settings = parseFileSourceOptions(ctx.options, format.defaultMaxBytesPerTrigger)
    // A batch read reads everything once; nothing is cleaned after it.
    const cleaner = ctx.bounded ? null : sourceCleaner(settings.cleanSource, settings.sourceArchiveDir, input)
    const source = new FileStreamSource(
      ctx.schema,
      format,
      input,
      ctx.options,
      settings,
      ctx.bounded,
      new SourceFileLog(ctx.metadataDir, {
        compactInterval: settings.logCompactInterval,
        maxFileAgeMs: ctx.bounded ? Number.POSITIVE_INFINITY : settings.maxFileAgeMs,
      }),
      cleaner,
      ctx.bounded ? ctx.onProgress : undefined,
      prunedColumns(format, ctx.schema, ctx.options, ctx.requiredColumns),
      ctx.warn,
    )
    source.checkForSinkLog()
    await source.restore()
    return source
  }

  /** A restart knows every file earlier runs took, so none is read twice. */
  private async restore(): Promise<void> {
    // The newest compact file and the batches after it: every file still worth remembering.
    for (const f of await this.log.rememberedFiles()) this.seen.add(this.keyOf(f.path), f.mtimeMs)
    this.latestLogged = await this.log.latestBatchId()
    this.seen.purge()
  }

  private checkForSinkLog(): void {
    if (this.sinkLog || this.listingSettled || !readsThroughSinkLog(this.input)) return
    if (this.cleaner) throw cleanSourceOnSinkOutput(this.input)
    this.sinkLog = new SinkLogReader(this.input.absolute)
    this.listingSettled = true
  }

  private async list(): Promise<ListedFile[]> {
    this.checkForSinkLog()
    const stats = { inProgress: 0 }
    const listed = await listFiles(this.input, this.sinkLog, stats)
    if (listed.length > 0) this.listingSettled = true
    this.skippedInProgress = stats.inProgress
    if (this.settings.minFileAgeMs <= 0 || this.bounded) {
      this.skippedTooNew = 0
      return listed
    }
    // Modified a moment ago: possibly still being written in place. A later listing takes it.
    const settledBefore = Date.now() - this.settings.minFileAgeMs
    const settled = listed.filter((f) => f.mtimeMs <= settledBefore)
    this.skippedTooNew = listed.length - settled.length
    return settled
  }

  private keyOf(file: string): string {
    return seenKey(file, this.settings.fileNameOnly)
  }

  async initialOffset(): Promise<Offset> {
    return -1
  }

  async latestOffset(start: Offset, limit: ReadLimit): Promise<Offset> {
    const from = this.batchNumber(start)
    if (from > this.latestLogged) {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT: the query's offset log says ${this.description} has read up to its batch ${from}, but its file log ${this.log.dir} ends at batch ${this.latestLogged}. Restore the missing files of ${this.log.dir}, or start with a new checkpointLocation.`,
        'CORRUPT_CHECKPOINT',
      )
    }
    // Logged by a run that crashed before the query logged its offsets: replaying it reads the same files.
    if (this.latestLogged > from) return limit === 'all' ? this.latestLogged : from + 1
    const listed = await this.list()
    const candidates = this.availableNow ? listed.filter((f) => this.availableNow!.has(f.path)) : listed
    const chosen = selectNewFiles(
      candidates,
      this.seen,
      {
        latestFirst: this.settings.latestFirst,
        maxFiles: limit === 'all' || this.bounded ? undefined : this.settings.maxFilesPerTrigger,
        maxBytes: limit === 'all' || this.bounded ? undefined : this.settings.maxBytesPerTrigger,
        fileNameOnly: this.settings.fileNameOnly,
      },
      (f) => this.skippedTooOld(f),
    )
    if (chosen.length === 0) return from
    const id = this.latestLogged + 1
    await this.log.add(id, chosen)
    for (const f of chosen) this.seen.add(this.keyOf(f.path), f.mtimeMs)
    this.seen.purge()
    this.latestLogged = id
    return id
  }

  /** The logged files of source batches (start, end]; what commit needs to know of the read. */
  private async batchFiles(start: Offset, end: Offset): Promise<{ files: ListedFile[]; to: number }> {
    const from = this.batchNumber(start)
    const to = this.batchNumber(end)
    const files: ListedFile[] = []
    for (let id = from + 1; id <= to; id++) files.push(...(await this.log.files(id)))
    this.readStarts.set(to, from)
    this.filesRead += files.length
    return { files, to }
  }

  /** One partition per logged file, for worker threads to read (built-in formats only). */
  async planPartitions(start: Offset, end: Offset): Promise<readonly SourcePartition[] | null> {
    if (this.onProgress || !readableInWorkers(this.format)) return null
    const { files, to } = await this.batchFiles(start, end)
    return filePartitions(files, this.readContext(to))
  }

  /** How the files of source batch `to` are read, here or in a worker. */
  private readContext(to: number): FilePartitionContext {
    return {
      format: this.format,
      schema: this.schema,
      readColumns: this.readColumns,
      options: this.options,
      partitionRoot: this.input.partitionRoot,
      ignoreMissingFiles: this.settings.ignoreMissingFiles,
      describe: `${this.description} (source batch ${to})`,
    }
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const { files, to } = await this.batchFiles(start, end)
    return readFiles(
      files.map((f) => f.path),
      { ...this.readContext(to), onFileRead: this.onProgress },
    )
  }

  async commit(end: Offset): Promise<void> {
    const to = this.batchNumber(end)
    const from = this.lastCommitted ?? this.readStarts.get(to) ?? to - 1
    this.lastCommitted = to
    for (const id of this.readStarts.keys()) if (id <= to) this.readStarts.delete(id)
    if (!this.cleaner) return
    for (let id = from + 1; id <= to; id++) {
      for (const f of await this.log.files(id)) await this.cleaner.clean(f.path)
    }
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    const listed = await this.list()
    this.availableNow = new Set(listed.map((f) => f.path))
    // For progress bars: the files this run will read, known now, and how many it read so far.
    this.availableNowTotal = selectNewFiles(listed, this.seen, {
      latestFirst: false,
      maxFiles: undefined,
      fileNameOnly: this.settings.fileNameOnly,
    }).length
    this.filesRead = 0
  }

  async stop(): Promise<void> {}

  private skippedTooOld(f: ListedFile): void {
    if (this.tooOld.has(f.path)) return
    if (this.tooOld.size < 100_000) this.tooOld.add(f.path)
    this.tooOldCount++
    if (this.tooOldCount === 1) {
      this.warn(
        `${this.description}: ${f.path} is not read: it was modified ${new Date(f.mtimeMs).toISOString()}, more than maxFileAge (${this.settings.maxFileAgeMs} ms) before the newest file read. Files copied with their old times (cp -p, rsync -a, tar) look old; raise maxFileAge, or touch such files. Progress counts these as filesSkippedTooOld.`,
      )
    }
  }

  metrics(): Record<string, number | string> {
    const m: Record<string, number | string> = {
      filesRead: this.filesRead,
      filesSeen: this.seen.size,
      filesSkippedTooOld: this.tooOldCount,
      filesSkippedInProgress: this.skippedInProgress,
      filesSkippedTooNew: this.skippedTooNew,
    }
    if (this.availableNowTotal !== null) {
      m.availableNowTotal = this.availableNowTotal
      m.availableNowDone = Math.min(this.filesRead, this.availableNowTotal)
      m.availableNowUnit = 'files'
    }
    return m
  }

  private batchNumber(offset: Offset): number {
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= -1) return offset
    throw new CheckpointError(
      `INCOMPATIBLE_CHECKPOINT: ${JSON.stringify(offset)} is not an offset of ${this.description} (a batch number). The checkpoint was written by a different query or source; use a new checkpointLocation.`,
      'INCOMPATIBLE_CHECKPOINT',
    )
  }
}
