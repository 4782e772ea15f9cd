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
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import * as path from 'node:path'
import { isTemporaryFile } from '../../checkpoint/atomic-file.js'
import { withFileMutex } from '../../checkpoint/file-mutex.js'
import { corrupt, LOG_VERSION, MetadataLog } from '../../checkpoint/metadata-log.js'
import { CheckpointError } from '../../util/errors.js'

export const SINK_METADATA_DIR = '_tributary_metadata'

/** One committed file, its path relative to the output folder with '/' between segments. */
export interface SinkFileStatus {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
}

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

export class FileSinkLog {
  private readonly log: MetadataLog<SinkLogEntry>

  constructor(readonly outputDir: string) {
    this.log = new MetadataLog<SinkLogEntry>(sinkLogDir(outputDir))
  }

  get dir(): string {
    return this.log.dir
  }

  /** Whether a streaming batch with this id is already in the log (a replay must then write nothing). */
  async isCommitted(batchId: number): Promise<boolean> {
    const entry = await this.log.get(batchId)
    if (entry === undefined) return false
    if (isStreamingEntryOf(entry, batchId)) return true
    // The id was taken by a df.write append, so this batch's entry, if any, came later.
    for (const id of await this.log.batchIds()) {
      if (id <= batchId) continue
      const later = await this.log.get(id)
      if (later && isStreamingEntryOf(later, batchId)) return true
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
    if (there && isStreamingEntryOf(there, batchId)) return false
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
      const latest = await this.log.batchIds()
      const next = latest.length === 0 ? 0 : latest[latest.length - 1] + 1
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
  const dir = sinkLogDir(outputDir)
  const files: SinkFileStatus[] = []
  const ids = readdirSync(dir)
    .filter((n) => !isTemporaryFile(n) && !n.startsWith('.'))
    .map((n) => {
      if (!/^\d+$/.test(n)) {
        throw new CheckpointError(
          `CORRUPT_SINK_LOG: unexpected file '${path.join(dir, n)}' in a file sink log. Move it out of ${dir}.`,
          'CORRUPT_SINK_LOG',
        )
      }
      return Number(n)
    })
    .sort((a, b) => a - b)
  for (const id of ids) files.push(...readEntrySync(path.join(dir, String(id))).files)
  return files
}

function readEntrySync(file: string): SinkLogEntry {
  const text = readFileSync(file, 'utf8')
  if (!text.endsWith('\n')) throw corrupt(file, 'is truncated (no final newline)')
  const lines = text.slice(0, -1).split('\n')
  if (lines[0] !== LOG_VERSION)
    throw corrupt(file, `does not start with the format version line '${LOG_VERSION}'`)
  try {
    return JSON.parse(lines.slice(1).join('\n')) as SinkLogEntry
  } catch {
    throw corrupt(file, 'is not valid JSON')
  }
}

/**
 * Every committed file, for the streaming source's listing on each trigger. Entries never
 * change once written, so each is read once and kept.
 */
export class SinkLogReader {
  private readonly log: MetadataLog<SinkLogEntry>
  private readonly entries = new Map<number, readonly SinkFileStatus[]>()

  constructor(outputDir: string) {
    this.log = new MetadataLog<SinkLogEntry>(sinkLogDir(outputDir))
  }

  async committedFiles(): Promise<SinkFileStatus[]> {
    const files: SinkFileStatus[] = []
    for (const id of await this.log.batchIds()) {
      let entry = this.entries.get(id)
      if (entry === undefined) {
        entry = (await this.log.get(id))?.files ?? []
        this.entries.set(id, entry)
      }
      files.push(...entry)
    }
    return files
  }
}
