/**
 * Reads a checkpoint without running its query: the offset and commit logs, the watermark,
 * the state of each operator and partition at a batch, and a file sink's log. Used by the
 * `state` data source (`session.read.format('state')`) and by `tributary checkpoint inspect`.
 * It only reads; the on-disk stores may refuse to open while the query runs (LevelDB holds
 * a lock), which is reported as it is.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { DEFAULT_SINK_LOG_SETTINGS, openSinkLog, type SinkLogEntry } from '../formats/files/sink-log.js'
import { stateStoreProvider } from '../state/providers.js'
import { KEY_ENCODING_ENTRY, type StateStoreProvider } from '../state/state-store.js'
import { CheckpointError, OptionError } from '../util/errors.js'
import { Checkpoint, type CheckpointMetadata, type CommitMetadata, type OffsetSeq } from './checkpoint.js'

export interface StateEntry {
  readonly partition: number
  readonly key: string
  readonly value: unknown
}

export interface CheckpointOverview {
  readonly dir: string
  readonly metadata: CheckpointMetadata | null
  readonly offsetBatchIds: readonly number[]
  readonly commitBatchIds: readonly number[]
  readonly latestOffsets: { readonly batchId: number; readonly value: OffsetSeq } | null
  readonly latestCommit: { readonly batchId: number; readonly value: CommitMetadata } | null
  /** Operator ids found under state/, each with its partition folders. */
  readonly stateOperators: readonly { readonly operatorId: number; readonly partitions: readonly number[] }[]
}

async function listNumbers(dir: string): Promise<number[]> {
  try {
    return (await fs.readdir(dir))
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
}

export async function readOverview(dir: string): Promise<CheckpointOverview> {
  const stat = await fs.stat(dir).catch(() => null)
  if (!stat?.isDirectory()) {
    throw new OptionError(
      `INVALID_OPTION: ${dir} is not a checkpoint folder (it does not exist or is not a folder). Pass the checkpointLocation of a query.`,
      'INVALID_OPTION',
    )
  }
  const checkpoint = new Checkpoint(dir)
  let metadata: CheckpointMetadata | null = null
  try {
    metadata = JSON.parse(await fs.readFile(checkpoint.metadataFile, 'utf8')) as CheckpointMetadata
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  const stateDir = path.join(dir, 'state')
  const operators = []
  for (const operatorId of await listNumbers(stateDir)) {
    operators.push({ operatorId, partitions: await listNumbers(path.join(stateDir, String(operatorId))) })
  }
  return {
    dir,
    metadata,
    offsetBatchIds: await checkpoint.offsets.batchIds(),
    commitBatchIds: await checkpoint.commits.batchIds(),
    latestOffsets: (await checkpoint.offsets.latest()) ?? null,
    latestCommit: (await checkpoint.commits.latest()) ?? null,
    stateOperators: operators,
  }
}

/** The provider that wrote the checkpoint's state, from the settings its offset log recorded. */
async function providerOf(checkpoint: Checkpoint, batchId: number): Promise<StateStoreProvider> {
  const offsets = (await checkpoint.offsets.get(batchId)) ?? (await checkpoint.offsets.latest())?.value
  const recorded = offsets?.metadata.conf ?? {}
  return stateStoreProvider((k) => recorded[k])
}

export interface StateReadOptions {
  readonly operatorId?: number
  /** The batch whose state to read (the state after it ran); the last committed batch by default. */
  readonly batchId?: number
}

/** Every entry of one operator's state, as it was after batch `batchId`, partition by partition. */
export async function readStateEntries(dir: string, options: StateReadOptions = {}): Promise<StateEntry[]> {
  const overview = await readOverview(dir)
  const operatorId = options.operatorId ?? 0
  const operator = overview.stateOperators.find((o) => o.operatorId === operatorId)
  if (!operator) {
    const known = overview.stateOperators.map((o) => o.operatorId)
    throw new OptionError(
      `INVALID_OPTION: operatorId ${operatorId}: the checkpoint at ${dir} has ${known.length ? `state for operator(s) ${known.join(', ')}` : 'no state (the query has no stateful operator, or has not committed a batch)'}.`,
      'INVALID_OPTION',
    )
  }
  const lastCommitted = overview.latestCommit?.batchId
  if (lastCommitted === undefined) {
    throw new CheckpointError(
      `STATE_VERSION_MISSING: the checkpoint at ${dir} has no committed batch, so it holds no state to read yet.`,
      'STATE_VERSION_MISSING',
    )
  }
  const batchId = options.batchId ?? lastCommitted
  if (!Number.isInteger(batchId) || batchId < 0 || batchId > lastCommitted) {
    throw new OptionError(
      `INVALID_OPTION: batchId ${batchId}: the checkpoint at ${dir} has committed batches up to ${lastCommitted}. Use a batch id from 0 to ${lastCommitted} (older ones may have been cleaned up).`,
      'INVALID_OPTION',
    )
  }
  const checkpoint = new Checkpoint(dir)
  const provider = await providerOf(checkpoint, batchId)
  const root = path.join(dir, 'state')
  const entries: StateEntry[] = []
  try {
    for (const partition of operator.partitions) {
      // Version N is the state after batch N-1: the state after batch b is version b + 1.
      const store = await provider.load(root, operatorId, partition, batchId + 1)
      const all = store.scan ? store.scan('') : store.prefix('')
      for await (const [key, value] of all)
        if (key !== KEY_ENCODING_ENTRY) entries.push({ partition, key, value })
      store.abort()
    }
  } finally {
    await provider.close?.()
  }
  return entries
}

/** Bytes and file count of each partition folder of an operator's state. */
export async function stateFootprint(
  dir: string,
  operatorId: number,
  partition: number,
): Promise<{ files: number; bytes: number }> {
  const folder = path.join(dir, 'state', String(operatorId), String(partition))
  let files = 0
  let bytes = 0
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else {
        files++
        bytes += (await fs.stat(p)).size
      }
    }
  }
  await walk(folder)
  return { files, bytes }
}

/** The entries of a file sink's log (`<output>/_tributary_metadata`), oldest first, compacted ones included. */
export async function readSinkLog(outputDir: string): Promise<{ batchId: number; entry: SinkLogEntry }[]> {
  return (await openSinkLog(outputDir, DEFAULT_SINK_LOG_SETTINGS).batches()).map((b) => ({
    batchId: b.batchId,
    entry: b.entry,
  }))
}
