/**
 * A log of one JSON document per batch id, one file each (`<dir>/<batchId>`), written
 * atomically. The first line is the format version, so a file from a newer Tributary or a
 * torn write is recognized instead of misread.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { diskError } from '../util/disk-errors.js'
import { CheckpointError } from '../util/errors.js'
import { atomicWrite, isTemporaryFile } from './atomic-file.js'

export const LOG_VERSION = 'v1'

export function corrupt(file: string, problem: string): CheckpointError {
  return new CheckpointError(
    `CORRUPT_CHECKPOINT_FILE: ${file} ${problem}. Restore the file from a backup, or delete the checkpoint folder to start the query over (it will then re-read its sources from their starting offsets).`,
    'CORRUPT_CHECKPOINT_FILE',
  )
}

export class MetadataLog<T> {
  constructor(
    readonly dir: string,
    private readonly encode: (value: T) => string[] = (v) => [JSON.stringify(v)],
    private readonly decode: (lines: string[], file: string) => T = (lines, file) => {
      try {
        return JSON.parse(lines.join('\n')) as T
      } catch {
        throw corrupt(file, 'is not valid JSON')
      }
    },
    /** false: entries are not fsynced (tributary.checkpoint.fsync=false; see atomicWrite). */
    private readonly sync = true,
  ) {}

  fileOf(batchId: number): string {
    return path.join(this.dir, String(batchId))
  }

  /** Writes the entry for batchId; false if one is there already (written by an earlier run). */
  async add(batchId: number, value: T): Promise<boolean> {
    const body = [LOG_VERSION, ...this.encode(value)].join('\n')
    try {
      await atomicWrite(this.fileOf(batchId), `${body}\n`, true, this.sync)
      return true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw e
    }
  }

  /** Overwrites the entry for batchId (used by logs that may be rewritten, like a sink's). */
  async put(batchId: number, value: T): Promise<void> {
    await atomicWrite(
      this.fileOf(batchId),
      `${[LOG_VERSION, ...this.encode(value)].join('\n')}\n`,
      false,
      this.sync,
    )
  }

  async get(batchId: number): Promise<T | undefined> {
    const file = this.fileOf(batchId)
    let text: string
    try {
      text = await fs.readFile(file, 'utf8')
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return undefined
      if (code === 'EISDIR') throw corrupt(file, 'is a folder, where the log keeps one file per batch')
      throw diskError(e, file, 'read')
    }
    if (text.length === 0) throw corrupt(file, 'is empty')
    if (!text.endsWith('\n')) throw corrupt(file, 'is truncated (no final newline)')
    const lines = text.slice(0, -1).split('\n')
    const version = lines.shift()
    if (version !== LOG_VERSION) {
      throw corrupt(
        file,
        /^v\d+$/.test(version ?? '')
          ? `was written in format ${version}, which this version of Tributary cannot read (it reads ${LOG_VERSION})`
          : `does not start with a format version line ('${LOG_VERSION}')`,
      )
    }
    return this.decode(lines, file)
  }

  /** Batch ids present, ascending. Temporary files of interrupted writes are ignored. */
  async batchIds(): Promise<number[]> {
    let names: string[]
    try {
      names = await fs.readdir(this.dir)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return []
      if (code === 'ENOTDIR') {
        throw new CheckpointError(
          `CORRUPT_CHECKPOINT: ${this.dir} is a file, where the checkpoint keeps a folder of log entries. Restore it from a backup, or start with a new checkpointLocation.`,
          'CORRUPT_CHECKPOINT',
        )
      }
      throw diskError(e, this.dir, 'list')
    }
    const ids: number[] = []
    for (const n of names) {
      if (isTemporaryFile(n)) continue
      if (/^\d+$/.test(n)) ids.push(Number(n))
      else if (!n.startsWith('.')) {
        throw new CheckpointError(
          `CORRUPT_CHECKPOINT: unexpected file '${path.join(this.dir, n)}' in a log folder. Move it out of the checkpoint.`,
          'CORRUPT_CHECKPOINT',
        )
      }
    }
    return ids.sort((a, b) => a - b)
  }

  async latest(): Promise<{ batchId: number; value: T } | undefined> {
    const ids = await this.batchIds()
    if (ids.length === 0) return undefined
    const batchId = ids[ids.length - 1]
    const value = await this.get(batchId)
    return value === undefined ? undefined : { batchId, value }
  }

  /** Deletes entries older than `keepFrom`. */
  async purgeBefore(keepFrom: number): Promise<void> {
    for (const id of await this.batchIds()) {
      if (id < keepFrom) await fs.rm(this.fileOf(id), { force: true })
    }
  }
}
