/**
 * A log of one list of items per batch that stays small however long a query runs, as
 * Spark's CompactibleFileStreamLog: every `compactInterval` batches, batch N is written as
 * `<N>.compact`, holding the items of every batch up to N that are still worth keeping,
 * and the files it summarises are deleted. Other batches are written as `<N>`.
 *
 * A reader takes the newest compact file and the batch files after it. A crash after a
 * compact file is written but before the older files are deleted leaves them behind,
 * harmless: whatever a compact file covers is read from it.
 */
import { promises as fs, readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { CheckpointError } from '../util/errors.js'
import { atomicWrite, isTemporaryFile } from './atomic-file.js'
import { corrupt, LOG_VERSION } from './metadata-log.js'

/** One batch's entry, as a compact file lists it. */
export interface LogBatch<E> {
  readonly batchId: number
  readonly entry: E
}

export interface CompactibleLogOptions<E> {
  /** A compact file every this many batches (Spark's default: 10). */
  readonly compactInterval: number
  /**
   * What a compaction keeps of a committed batch's entry (e.g. the files a source must still
   * remember); null drops the batch. Absent: everything. The batch being written is kept whole.
   */
  readonly retain?: (entry: E, batchId: number, all: readonly LogBatch<E>[]) => E | null
  /**
   * How long a file that a compact file has replaced stays, for readers that listed the
   * folder before (Spark's fileSink.log.cleanupDelay). Absent: deleted at once.
   */
  readonly cleanupDelayMs?: number
  /** The error for a file in the folder that is no log file. Absent: CORRUPT_CHECKPOINT. */
  readonly unexpectedFile?: (file: string) => Error
}

const COMPACT = '.compact'

export class CompactibleLog<E> {
  constructor(
    readonly dir: string,
    private readonly options: CompactibleLogOptions<E>,
  ) {
    if (!Number.isInteger(options.compactInterval) || options.compactInterval < 1) {
      throw new CheckpointError(
        `INVALID_OPTION: a log's compactInterval must be a whole number of batches, at least 1 (got ${options.compactInterval}).`,
        'INVALID_OPTION',
      )
    }
  }

  isCompactBatch(batchId: number): boolean {
    return (batchId + 1) % this.options.compactInterval === 0
  }

  /** The file batch N is written to: `<N>`, or `<N>.compact` every compactInterval batches. */
  fileOf(batchId: number): string {
    return this.isCompactBatch(batchId) ? this.compactFile(batchId) : this.deltaFile(batchId)
  }

  /**
   * Writes batch N's entry; false when the batch is already in the log (written by an
   * earlier run). A compact batch also summarises the earlier ones and deletes their files.
   */
  async add(batchId: number, entry: E): Promise<boolean> {
    const { compacts, deltas } = await this.listing()
    // A batch at or before the newest compact file is in it (or was dropped from it).
    if (deltas.includes(batchId) || batchId <= (compacts.at(-1) ?? -1)) return false
    if (!this.isCompactBatch(batchId)) return this.write(this.deltaFile(batchId), [JSON.stringify(entry)])
    const earlier = (await this.batches()).filter((b) => b.batchId < batchId)
    const { retain } = this.options
    const kept: LogBatch<E>[] = []
    for (const b of earlier) {
      const e = retain ? retain(b.entry, b.batchId, earlier) : b.entry
      if (e !== null) kept.push({ batchId: b.batchId, entry: e })
    }
    kept.push({ batchId, entry })
    if (
      !(await this.write(
        this.compactFile(batchId),
        kept.map((b) => JSON.stringify(b)),
      ))
    )
      return false
    // Everything before the new compact file is in it now; readers that listed the folder
    // before may still be reading the older files for a while.
    const delay = this.options.cleanupDelayMs ?? 0
    const superseded = [
      ...deltas.filter((id) => id < batchId).map((id) => this.deltaFile(id)),
      ...compacts.filter((id) => id < batchId).map((id) => this.compactFile(id)),
    ]
    const now = Date.now()
    for (const file of superseded) {
      if (delay > 0) {
        const stat = await fs.stat(file).catch(() => null)
        if (stat === null || now - stat.mtimeMs < delay) continue
      }
      await fs.rm(file, { force: true })
    }
    return true
  }

  /**
   * The entry of one batch; undefined when the log never had it. A batch that a compaction
   * dropped (nothing of it left to keep) is `dropped`.
   */
  async get(batchId: number): Promise<E | 'dropped' | undefined> {
    const { compacts, deltas } = await this.listing()
    if (deltas.includes(batchId)) return this.readDelta(batchId)
    const covering = compacts.find((c) => c >= batchId)
    if (covering === undefined) return undefined
    const found = (await this.readCompact(covering)).find((b) => b.batchId === batchId)
    return found === undefined ? 'dropped' : found.entry
  }

  /** Every batch still in the log, oldest first: the newest compact file's, then the ones after it. */
  async batches(): Promise<LogBatch<E>[]> {
    const { compacts, deltas } = await this.listing()
    const newestCompact = compacts.at(-1) ?? -1
    const out = newestCompact >= 0 ? await this.readCompact(newestCompact) : []
    for (const id of deltas)
      if (id > newestCompact) out.push({ batchId: id, entry: await this.readDelta(id) })
    return out
  }

  /**
   * The first batch missing from the log: the batches after the newest compact file (or
   * from 0) must all be there. null when none is missing.
   */
  async firstMissingBatch(): Promise<number | null> {
    const { compacts, deltas } = await this.listing()
    let expected = (compacts.at(-1) ?? -1) + 1
    for (const id of deltas) {
      if (id < expected) continue
      if (id !== expected) return expected
      expected++
    }
    return null
  }

  /** The newest batch id in the log; -1 when empty. */
  async latestBatchId(): Promise<number> {
    const { compacts, deltas } = await this.listing()
    return Math.max(compacts.at(-1) ?? -1, deltas.at(-1) ?? -1)
  }

  private deltaFile(batchId: number): string {
    return path.join(this.dir, String(batchId))
  }

  private compactFile(batchId: number): string {
    return path.join(this.dir, `${batchId}${COMPACT}`)
  }

  /**
   * Every batch still in the log, read synchronously (for schema inference at load(), which
   * runs before any promise can be awaited).
   */
  batchesSync(): LogBatch<E>[] {
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw e
    }
    const { compacts, deltas } = this.parseNames(names)
    const newestCompact = compacts.at(-1) ?? -1
    const out: LogBatch<E>[] = []
    if (newestCompact >= 0) {
      const file = this.compactFile(newestCompact)
      out.push(...this.parseCompact(file, this.checkText(file, readFileSync(file, 'utf8'))))
    }
    for (const id of deltas) {
      if (id <= newestCompact) continue
      const file = this.deltaFile(id)
      out.push({
        batchId: id,
        entry: this.parseDelta(file, this.checkText(file, readFileSync(file, 'utf8'))),
      })
    }
    return out
  }

  /** The ids of the compact files and of the batch files in the folder, ascending. */
  async listing(): Promise<{ compacts: number[]; deltas: number[] }> {
    let names: string[]
    try {
      names = await fs.readdir(this.dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { compacts: [], deltas: [] }
      throw e
    }
    return this.parseNames(names)
  }

  private parseNames(names: readonly string[]): { compacts: number[]; deltas: number[] } {
    const compacts: number[] = []
    const deltas: number[] = []
    for (const n of names) {
      if (isTemporaryFile(n) || n.startsWith('.')) continue
      if (/^\d+$/.test(n)) deltas.push(Number(n))
      else if (/^\d+\.compact$/.test(n)) compacts.push(Number(n.slice(0, -COMPACT.length)))
      else {
        const file = path.join(this.dir, n)
        throw (
          this.options.unexpectedFile?.(file) ??
          new CheckpointError(
            `CORRUPT_CHECKPOINT: unexpected file '${file}' in a log folder. Move it out of the checkpoint.`,
            'CORRUPT_CHECKPOINT',
          )
        )
      }
    }
    const ascending = (a: number, b: number) => a - b
    return { compacts: compacts.sort(ascending), deltas: deltas.sort(ascending) }
  }

  private async write(file: string, lines: readonly string[]): Promise<boolean> {
    try {
      await atomicWrite(file, `${[LOG_VERSION, ...lines].join('\n')}\n`, true)
      return true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw e
    }
  }

  /** A batch file: the version line, then the entry's JSON (the format of MetadataLog). */
  private async readDelta(batchId: number): Promise<E> {
    const file = this.deltaFile(batchId)
    return this.parseDelta(file, this.checkText(file, await fs.readFile(file, 'utf8')))
  }

  /** A compact file: the version line, then one `{batchId, entry}` per line. */
  async readCompact(batchId: number): Promise<LogBatch<E>[]> {
    const file = this.compactFile(batchId)
    return this.parseCompact(file, this.checkText(file, await fs.readFile(file, 'utf8')))
  }

  private parseDelta(file: string, lines: readonly string[]): E {
    try {
      return JSON.parse(lines.join('\n')) as E
    } catch {
      throw corrupt(file, 'is not valid JSON')
    }
  }

  private parseCompact(file: string, lines: readonly string[]): LogBatch<E>[] {
    return lines.map((line) => {
      try {
        return JSON.parse(line) as LogBatch<E>
      } catch {
        throw corrupt(file, 'has a line that is not valid JSON')
      }
    })
  }

  /** The lines after the version line of a complete file. */
  private checkText(file: string, text: string): string[] {
    if (text.length === 0) throw corrupt(file, 'is empty')
    if (!text.endsWith('\n')) throw corrupt(file, 'is truncated (no final newline)')
    const lines = text.slice(0, -1).split('\n')
    if (lines[0] !== LOG_VERSION)
      throw corrupt(file, `does not start with the format version line '${LOG_VERSION}'`)
    return lines.slice(1)
  }
}
