/**
 * The file sink's commit log, `<output>/_tributary_metadata/<N>`: which files each batch
 * wrote. A file is part of the output once a log entry lists it, so readers that go
 * through the log never see the files of a batch that crashed half way.
 *
 * Entry ids normally equal the streaming batch id (as in Spark). A `df.write` append to
 * the same folder takes the next free id and marks itself `bounded`; a streaming batch
 * whose id is already taken then goes to the next free id, recording its batch id inside,
 * so that appends never hide or skip a streaming batch.
 *
 * A streaming batch is committed at most once, whatever the interleaving of writers (two
 * processes replaying one checkpoint): its entry is created exclusively at id N, and an
 * entry already there for the same batch means another writer committed it first. Only
 * when id N holds something else (an append) does the batch move to a later id, and that
 * look-then-write runs under `.commit-lock`, so two writers cannot both move it.
 *
 * Every `compactInterval` ids the log is compacted into `<N>.compact`, which lists every
 * committed file so far (Spark's FileStreamSinkLog, SPARK-24295): readers and restarts read
 * one compact file and at most `compactInterval - 1` entries, however long the query ran.
 * The entries a compact file replaces are deleted `cleanupDelay` later, so that readers who
 * listed the folder just before can still read them.
 */
import { statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import * as path from 'node:path'
import { CompactibleLog } from '../../checkpoint/compactible-log.js'
import { withFileMutex } from '../../checkpoint/file-mutex.js'
import { CheckpointError } from '../../util/errors.js'

export const SINK_METADATA_DIR = '_tributary_metadata'

/** One committed file, its path relative to the output folder with '/' between segments. */
export interface SinkFileStatus {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
}

/** How the sink log is compacted: the file sink's options `logCompactInterval` and `logCleanupDelay`. */
export interface SinkLogSettings {
  readonly compactInterval: number
  readonly cleanupDelayMs: number
}

/** Spark's defaults: a compact file every 10 batches, the replaced files deleted 10 minutes later. */
export const DEFAULT_SINK_LOG_SETTINGS: SinkLogSettings = { compactInterval: 10, cleanupDelayMs: 10 * 60_000 }

export interface SinkLogEntry {
  readonly batchId: number
  /** Written by `df.write` (mode append) rather than by a streaming query. */
  readonly bounded?: boolean
  readonly files: readonly SinkFileStatus[]
}

export function sinkLogDir(outputDir: string): string {
  return path.join(outputDir, SINK_METADATA_DIR)
}

/** True when the folder is the output of a file sink, whose log decides which files count. */
export function hasSinkLog(outputDir: string): boolean {
  try {
    return statSync(sinkLogDir(outputDir)).isDirectory()
  } catch {
    return false
  }
}

export function openSinkLog(outputDir: string, settings: SinkLogSettings): CompactibleLog<SinkLogEntry> {
  const dir = sinkLogDir(outputDir)
  return new CompactibleLog<SinkLogEntry>(dir, {
    compactInterval: settings.compactInterval,
    cleanupDelayMs: settings.cleanupDelayMs,
    unexpectedFile: (file) =>
      new CheckpointError(
        `CORRUPT_SINK_LOG: unexpected file '${file}' in a file sink log. Move it out of ${dir}.`,
        'CORRUPT_SINK_LOG',
      ),
  })
}

export class FileSinkLog {
  private readonly log: CompactibleLog<SinkLogEntry>

  constructor(
    readonly outputDir: string,
    settings: SinkLogSettings = DEFAULT_SINK_LOG_SETTINGS,
  ) {
    this.log = openSinkLog(outputDir, settings)
  }

  get dir(): string {
    return this.log.dir
  }

  /** Whether a streaming batch with this id is already in the log (a replay must then write nothing). */
  async isCommitted(batchId: number): Promise<boolean> {
    const entry = await this.log.get(batchId)
    if (entry === undefined || entry === 'dropped') return false
    if (isStreamingEntryOf(entry, batchId)) return true
    // The id was taken by a df.write append, so this batch's entry, if any, came later.
    for (const later of await this.log.batches()) {
      if (later.batchId > batchId && isStreamingEntryOf(later.entry, batchId)) return true
    }
    return false
  }

  /**
   * Records the files of a batch: the commit that makes them visible. False when a
   * streaming batch turns out to be committed already by another writer: its files must
   * then not count (the caller removes them).
   */
  async commit(batchId: number, files: readonly SinkFileStatus[], bounded: boolean): Promise<boolean> {
    const entry: SinkLogEntry = bounded ? { batchId, bounded: true, files } : { batchId, files }
    if (bounded) {
      await this.addAtNextFreeId(entry)
      return true
    }
    if (await this.log.add(batchId, entry)) return true
    const there = await this.log.get(batchId)
    if (there !== undefined && there !== 'dropped' && isStreamingEntryOf(there, batchId)) return false
    const done = await withFileMutex(
      path.join(this.log.dir, '.commit-lock'),
      { waitMs: 30_000 },
      async () => {
        if (await this.isCommitted(batchId)) return false
        await this.addAtNextFreeId(entry)
        return true
      },
    )
    if (done === undefined) throw this.contention()
    return done.value
  }

  private async addAtNextFreeId(entry: SinkLogEntry): Promise<void> {
    // Another writer may take the same free id between our look and our write; the
    // exclusive add then fails and we look again.
    for (let attempt = 0; attempt < 100; attempt++) {
      const next = (await this.log.latestBatchId()) + 1
      if (await this.log.add(next, entry)) return
    }
    throw this.contention()
  }

  private contention(): CheckpointError {
    return new CheckpointError(
      `SINK_LOG_CONTENTION: could not add an entry to ${this.log.dir}: other writers kept taking the next id. Do not let several queries or jobs write to the same folder at once.`,
      'SINK_LOG_CONTENTION',
    )
  }

  /** Creates the empty log: from then on readers see only committed files, none yet. */
  async ensureExists(): Promise<void> {
    await mkdir(this.log.dir, { recursive: true })
  }
}

function isStreamingEntryOf(entry: SinkLogEntry, batchId: number): boolean {
  return entry.bounded !== true && entry.batchId === batchId
}

/**
 * Every committed file, read synchronously: schema inference at `load()` runs before any
 * promise can be awaited.
 */
export function committedFilesSync(outputDir: string): SinkFileStatus[] {
  return openSinkLog(outputDir, DEFAULT_SINK_LOG_SETTINGS)
    .batchesSync()
    .flatMap((b) => b.entry.files)
}

/**
 * Every committed file, for the streaming source's listing on each trigger. Entries never
 * change once written, so each is read once and kept; a new compact file is read once.
 */
export class SinkLogReader {
  private readonly log: CompactibleLog<SinkLogEntry>
  /** The newest compact file read, and the files it lists. */
  private compact: { id: number; files: readonly SinkFileStatus[] } | null = null
  private readonly entries = new Map<number, readonly SinkFileStatus[]>()

  constructor(outputDir: string) {
    this.log = openSinkLog(outputDir, DEFAULT_SINK_LOG_SETTINGS)
  }

  async committedFiles(): Promise<SinkFileStatus[]> {
    const { compacts, deltas } = await this.log.listing()
    const newest = compacts.at(-1) ?? -1
    if (newest >= 0 && this.compact?.id !== newest) {
      this.compact = { id: newest, files: (await this.log.readCompact(newest)).flatMap((b) => b.entry.files) }
      for (const id of this.entries.keys()) if (id <= newest) this.entries.delete(id)
    }
    const files: SinkFileStatus[] = newest >= 0 && this.compact ? [...this.compact.files] : []
    for (const id of deltas) {
      if (id <= newest) continue
      let entry = this.entries.get(id)
      if (entry === undefined) {
        const got = await this.log.get(id)
        entry = got === undefined || got === 'dropped' ? [] : got.files
        this.entries.set(id, entry)
      }
      files.push(...entry)
    }
    return files
  }
}
