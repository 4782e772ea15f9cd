/**
 * The checkpoint folder: metadata, the offset log (write-ahead), the commit log, and
 * folders for sources and state. DESIGN.md, "The micro-batch protocol".
 */
import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import type { Offset } from '../sources/source.js'
import { diskError } from '../util/disk-errors.js'
import { CheckpointError } from '../util/errors.js'
import { atomicWrite } from './atomic-file.js'
import { corrupt, MetadataLog } from './metadata-log.js'
import { identityChanges } from './source-identity.js'

/** What `offsets/<N>` records besides the offsets: everything a replay needs to give the same answer. */
export interface BatchMetadata {
  readonly batchTimestampMs: number
  readonly batchWatermarkMs: number
  /** Settings that change results; a restart must use the recorded ones. */
  readonly conf: Readonly<Record<string, string>>
}

export interface OffsetSeq {
  readonly metadata: BatchMetadata
  /** One per source, in plan order; null for a source that has not produced an offset yet. */
  readonly offsets: readonly (Offset | null)[]
}

export interface CommitMetadata {
  readonly nextBatchWatermarkMs: number
  /**
   * SHA-256 of the JSON of the end offsets the batch read (as in offsets/N, with nulls for
   * sources without an offset yet): a restart refuses an offsets/N rewritten after its commit.
   * Absent in commits written before it was recorded.
   */
  readonly offsetsSha256?: string
}

/** What the checkpoint records of the query, to refuse a restart that changes what it means. */
export interface QueryFingerprint {
  readonly sources: readonly string[]
  readonly statePartitions: number
  /** What each stateful operator keeps: its keys and functions. Changing them invalidates the state. */
  readonly stateOperators?: readonly string[]
  /**
   * What each stateful operator's state means in full (StatefulOperator.stateSignature):
   * expressions and types behind the names in stateOperators. Absent in checkpoints
   * written before it was recorded; then only stateOperators is compared.
   */
  readonly stateSignatures?: readonly string[]
  /**
   * What each source reads (source-identity.ts): format, path, topics, streams. Absent in
   * checkpoints written before it was recorded; then it is not compared.
   */
  readonly sourceIdentities?: readonly Readonly<Record<string, string>>[]
}

export interface CheckpointMetadata {
  readonly id: string
  readonly createdAt: string
  readonly formatVersion: 1
  readonly fingerprint: QueryFingerprint
}

export class Checkpoint {
  readonly offsets: MetadataLog<OffsetSeq>
  readonly commits: MetadataLog<CommitMetadata>

  /**
   * `fsync` false (tributary.checkpoint.fsync=false): the offset and commit logs are written
   * without fsync, trading durability across a machine crash for less CPU and latency per batch.
   */
  constructor(
    readonly dir: string,
    { fsync = true }: { readonly fsync?: boolean } = {},
  ) {
    this.offsets = new MetadataLog<OffsetSeq>(
      path.join(dir, 'offsets'),
      (v) => [JSON.stringify(v.metadata), ...v.offsets.map((o) => (o === null ? '-' : JSON.stringify(o)))],
      (lines, file) => {
        if (lines.length < 1) throw corrupt(file, 'has no batch metadata line')
        let metadata: BatchMetadata
        let offsets: (Offset | null)[]
        try {
          metadata = JSON.parse(lines[0]) as BatchMetadata
          offsets = lines.slice(1).map((l) => (l === '-' ? null : (JSON.parse(l) as Offset)))
        } catch {
          throw corrupt(file, 'cannot be parsed as an offset log entry (a line is not JSON)')
        }
        checkNumber(file, metadata, 'batchTimestampMs')
        checkNumber(file, metadata, 'batchWatermarkMs')
        if (typeof metadata.conf !== 'object' || metadata.conf === null) {
          throw corrupt(file, "has no 'conf' object in its batch metadata line")
        }
        return { metadata, offsets }
      },
      fsync,
    )
    this.commits = new MetadataLog<CommitMetadata>(
      path.join(dir, 'commits'),
      (v) => [JSON.stringify(v)],
      (lines, file) => {
        let v: CommitMetadata
        try {
          v = JSON.parse(lines.join('\n')) as CommitMetadata
        } catch {
          throw corrupt(file, 'is not valid JSON')
        }
        if (typeof v !== 'object' || v === null) throw corrupt(file, 'is not a commit entry (a JSON object)')
        if (v.nextBatchWatermarkMs !== undefined) checkNumber(file, v, 'nextBatchWatermarkMs')
        return v
      },
      fsync,
    )
  }

  sourceDir(index: number): string {
    return path.join(this.dir, 'sources', String(index))
  }

  stateDir(operatorId: number): string {
    return path.join(this.dir, 'state', String(operatorId))
  }

  get metadataFile(): string {
    return path.join(this.dir, 'metadata')
  }

  /**
   * Reads the metadata file, or writes it on first start. A checkpoint of a different
   * query shape is refused with what changed.
   */
  async openMetadata(fingerprint: QueryFingerprint): Promise<CheckpointMetadata> {
    let text: string | undefined
    try {
      text = await fs.readFile(this.metadataFile, 'utf8')
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EISDIR') throw corrupt(this.metadataFile, 'is a folder, where a file is expected')
      if (code !== 'ENOENT') throw diskError(e, this.metadataFile, 'read')
    }
    if (text === undefined) {
      const hasLogs = (await this.offsets.batchIds()).length > 0
      if (hasLogs) {
        throw new CheckpointError(
          `CORRUPT_CHECKPOINT_FILE: ${this.metadataFile} is missing, but the checkpoint has an offset log. Restore the file from a backup, or delete the checkpoint folder to start over.`,
          'CORRUPT_CHECKPOINT_FILE',
        )
      }
      const meta: CheckpointMetadata = {
        id: randomUUID(),
        createdAt: new Date().toISOString(),
        formatVersion: 1,
        fingerprint,
      }
      await atomicWrite(this.metadataFile, `${JSON.stringify(meta)}\n`)
      return meta
    }
    let meta: CheckpointMetadata
    try {
      meta = JSON.parse(text) as CheckpointMetadata
      if (typeof meta.id !== 'string' || !meta.fingerprint) throw new Error('fields missing')
    } catch {
      throw corrupt(this.metadataFile, text.trim() === '' ? 'is empty' : 'cannot be parsed')
    }
    if (typeof meta.formatVersion !== 'number') {
      throw corrupt(
        this.metadataFile,
        `has formatVersion ${JSON.stringify(meta.formatVersion)}, which is not a number (Tributary writes the number 1): the file was edited by hand or by another tool`,
      )
    }
    if (meta.formatVersion !== 1) {
      throw new CheckpointError(
        `INCOMPATIBLE_CHECKPOINT: ${this.metadataFile} has format version ${meta.formatVersion}; this Tributary reads version 1. Use a new checkpoint location.`,
        'INCOMPATIBLE_CHECKPOINT',
      )
    }
    checkFingerprint(this.dir, meta.fingerprint, fingerprint)
    return meta
  }
}

/** A field that must be a finite number (epoch milliseconds), or the file is corrupt, named. */
function checkNumber(file: string, record: object, field: string): void {
  const v = (record as Record<string, unknown>)[field]
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw corrupt(
      file,
      v === undefined
        ? `has no '${field}'`
        : `has ${field} ${JSON.stringify(v)}, which is not a number of milliseconds`,
    )
  }
}

function checkFingerprint(dir: string, recorded: QueryFingerprint, now: QueryFingerprint): void {
  const changes: string[] = []
  if (recorded.sources.length !== now.sources.length) {
    changes.push(
      `the number of sources changed from ${recorded.sources.length} (${recorded.sources.join(', ')}) to ${now.sources.length} (${now.sources.join(', ')})`,
    )
  } else {
    recorded.sources.forEach((s, i) => {
      if (s !== now.sources[i]) changes.push(`source ${i} changed from ${s} to ${now.sources[i]}`)
      else if (recorded.sourceIdentities?.[i] && now.sourceIdentities?.[i]) {
        changes.push(...identityChanges(i, recorded.sourceIdentities[i], now.sourceIdentities[i]))
      }
    })
  }
  if (recorded.statePartitions !== now.statePartitions) {
    changes.push(
      `tributary.sql.shuffle.partitions changed from ${recorded.statePartitions} to ${now.statePartitions} (state is split by it)`,
    )
  }
  const before = recorded.stateOperators ?? []
  const after = now.stateOperators ?? []
  if (recorded.stateOperators && before.join('\n') !== after.join('\n')) {
    if (before.length !== after.length) {
      changes.push(`the number of stateful operators changed from ${before.length} to ${after.length}`)
    } else {
      before.forEach((b, i) => {
        if (b !== after[i]) changes.push(`stateful operator ${i} changed from "${b}" to "${after[i]}"`)
      })
    }
  } else if (recorded.stateSignatures && now.stateSignatures) {
    recorded.stateSignatures.forEach((b, i) => {
      const a = now.stateSignatures![i]
      if (a !== undefined && b !== a) {
        changes.push(`what stateful operator ${i} keeps in its state changed from "${b}" to "${a}"`)
      }
    })
  }
  if (changes.length > 0) {
    throw new CheckpointError(
      `INCOMPATIBLE_CHECKPOINT: the checkpoint at ${dir} was written by a different query: ${changes.join('; ')}. Restore the original query, or start this one with a new checkpointLocation.`,
      'INCOMPATIBLE_CHECKPOINT',
    )
  }
}
