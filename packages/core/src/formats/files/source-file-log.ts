/**
 * The file source's own log in the query checkpoint (`sources/<i>/<N>`): the files of each
 * source batch N. The source's offsets are these batch numbers, so a replayed batch reads
 * exactly the files it first read, and a restart knows every file already taken.
 */
import { MetadataLog } from '../../checkpoint/metadata-log.js'
import { CheckpointError } from '../../util/errors.js'
import type { ListedFile } from './listing.js'

export interface SourceLogEntry {
  readonly files: readonly ListedFile[]
}

export class SourceFileLog {
  private readonly log: MetadataLog<SourceLogEntry>

  constructor(readonly dir: string) {
    this.log = new MetadataLog<SourceLogEntry>(dir)
  }

  batchIds(): Promise<number[]> {
    return this.log.batchIds()
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
    if (entry === undefined) {
      throw new CheckpointError(
        `CORRUPT_CHECKPOINT: ${this.log.fileOf(batchId)} is missing, so the files of file source batch ${batchId} are unknown. Restore the file from a backup, or start the query with a new checkpointLocation (it will then read every file again).`,
        'CORRUPT_CHECKPOINT',
      )
    }
    return entry.files
  }
}
