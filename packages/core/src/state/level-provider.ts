/**
 * The 'level' state store provider: state larger than memory, with resident memory
 * bounded by configuration. Each (operator, partition) is a LevelDB database in the
 * checkpoint (layout in level-store-env.ts). Unlike lmdb, whose one map of the whole file
 * makes every page a batch reads resident, LevelDB reads through a block cache of fixed
 * size and maps only the table files it holds open (a bounded number), so random reads
 * over a large store do not make the whole store resident.
 *
 * Versions: the same design as the lmdb provider (lmdb-provider.ts). commit() of a store
 * loaded at N writes one LevelDB batch, with sync, holding the changes, one undo record
 * per changed key (its bytes before the change, or "absent"), the key count and the
 * marker N+1. load(v) with the marker above v applies the undo records of the newer
 * versions in one batch (a replayed batch starts from the state it first ran on); with
 * the marker below v, or no store where v > 0, it fails with a CheckpointError naming the
 * folder. maintain(minVersion) deletes the undo records of versions <= minVersion.
 *
 * Reads. get() is synchronous (LevelDB's getSync: a block cache hit or a pread). Range
 * reads are asynchronous in LevelDB, so prefix() cannot stream them: it throws, and
 * scan() (which OperatorState.entriesAsync() uses) streams an iterator in chunks of 1000,
 * overlaid with this batch's changes.
 */
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { CheckpointError, TributaryError } from '../util/errors.js'
import { killPoint } from '../util/kill-point.js'
import {
  dataKey,
  decodeValue,
  encodeUndo,
  encodeValue,
  LevelEnv,
  type LevelOptions,
  type Op,
  undoKey,
} from './level-store-env.js'
import type { StateStore, StateStoreMetrics, StateStoreProvider } from './state-store.js'

/** Marks a removal among the pending changes (a symbol: no stored value can be one). */
const REMOVED: unique symbol = Symbol('removed')

class LevelStateStore implements StateStore {
  /** This batch's changes: key → new value, or REMOVED. */
  private readonly changes = new Map<string, unknown>()
  /** The stored bytes (null: absent) of the keys read in this batch: the before-images of the undo records. */
  private readonly before = new Map<string, Buffer | null>()
  private lastCommitMs = 0
  private done = false

  constructor(
    readonly operatorId: number,
    readonly partition: number,
    readonly version: number,
    private readonly env: LevelEnv,
  ) {}

  private stored(key: string): Buffer | null {
    let bytes = this.before.get(key)
    if (bytes === undefined) {
      bytes = this.env.getRaw(dataKey(key)) ?? null
      this.before.set(key, bytes)
    }
    return bytes
  }

  get(key: string): unknown {
    const c = this.changes.get(key)
    if (c !== undefined || this.changes.has(key)) return c === REMOVED ? undefined : c
    const bytes = this.stored(key)
    return bytes === null ? undefined : decodeValue(bytes)
  }

  put(key: string, value: unknown): void {
    this.changes.set(key, value)
  }

  remove(key: string): void {
    this.changes.set(key, REMOVED)
  }

  prefix(_prefix: string): IterableIterator<[string, unknown]> {
    throw new TributaryError(
      `STATE_STORE_ASYNC_SCAN: the 'level' state store reads ranges asynchronously; this operator lists state entries with a synchronous prefix() and cannot run on it. Use tributary.stateStore.provider=lmdb or memory for this query.`,
      'STATE_STORE_ASYNC_SCAN',
    )
  }

  async *scan(prefix: string): AsyncIterableIterator<[string, unknown]> {
    for await (const [k, bytes] of this.env.scan(prefix))
      if (!this.changes.has(k)) yield [k, decodeValue(bytes)]
    // A snapshot: keys put while the scan ran are not listed twice, nor changes made after it.
    for (const [k, c] of [...this.changes]) if (c !== REMOVED && k.startsWith(prefix)) yield [k, c]
  }

  async commit(): Promise<number> {
    const t0 = performance.now()
    const env = this.env
    const next = this.version + 1
    if (this.done) throw this.stale('was already committed')
    // Before-images of keys written without being read first (operators read before they write, mostly).
    const unknown = [...this.changes.keys()].filter((k) => !this.before.has(k))
    const fetched = await env.getManyRaw(unknown.map(dataKey))
    for (let i = 0; i < unknown.length; i++) this.before.set(unknown[i], fetched[i] ?? null)
    const ops: Op[] = []
    let numKeys = env.numKeys
    let seq = 0
    for (const [key, c] of this.changes) {
      const before = this.before.get(key) ?? undefined
      const k = dataKey(key)
      if (c === REMOVED) {
        if (before === undefined) continue
        ops.push({ type: 'del', key: k })
        numKeys--
      } else {
        ops.push({ type: 'put', key: k, value: encodeValue(c) })
        if (before === undefined) numKeys++
      }
      ops.push({ type: 'put', key: undoKey(next, seq++), value: encodeUndo(k, before) })
    }
    await env.write(
      ops,
      next,
      numKeys,
      () => {
        // Another store object of the same folder may have committed since this one was loaded.
        if (env.version !== this.version) throw this.stale(`is now at version ${env.version}`)
      },
      // Crash tests: a kill before the batch reaches LevelDB.
      () => killPoint('levelCommit', `${this.operatorId}/${this.partition}/${next}`),
    )
    this.changes.clear()
    this.before.clear()
    this.done = true
    this.lastCommitMs = performance.now() - t0
    return next
  }

  private stale(problem: string): CheckpointError {
    return new CheckpointError(
      `STATE_STORE_CONFLICT: state store ${this.env.dir} loaded at version ${this.version} ${problem}; a store commits once, and one query at a time may use a checkpoint. Load the store again, and stop any other query on this checkpoint.`,
      'STATE_STORE_CONFLICT',
    )
  }

  abort(): void {
    this.changes.clear()
    this.before.clear()
  }

  metrics(): StateStoreMetrics {
    return {
      numKeys: this.env.numKeys,
      memoryUsedBytes: this.env.memoryBytes(),
      commitTimeMs: Math.round(this.lastCommitMs),
    }
  }
}

export class LevelStateStoreProvider implements StateStoreProvider {
  readonly name = 'level'
  /** Open databases by store folder, kept between batches and closed by close(). */
  private readonly envs = new Map<string, Promise<LevelEnv>>()

  constructor(private readonly options: LevelOptions = {}) {}

  async load(dir: string, operatorId: number, partition: number, version: number): Promise<StateStore> {
    const storeDir = path.join(dir, String(operatorId), String(partition))
    let opening = this.envs.get(storeDir)
    if (!opening) {
      opening = LevelEnv.open(storeDir, version, this.options)
      this.envs.set(storeDir, opening)
      opening.catch(() => this.envs.delete(storeDir))
    }
    const env = await opening
    if (env.version < version) {
      throw new CheckpointError(
        `STATE_VERSION_MISSING: state store ${env.dir} is at version ${env.version} but the checkpoint needs version ${version}: the state files are older than the offset log (lost, or restored from an older backup). Restore the state folder from the backup that matches the checkpoint, or delete the checkpoint to start the query over.`,
        'STATE_VERSION_MISSING',
      )
    }
    if (env.version > version) await env.rollBack(version)
    return new LevelStateStore(operatorId, partition, version, env)
  }

  async maintain(dir: string, minVersion: number): Promise<void> {
    for (const [storeDir, opening] of this.envs) {
      if (storeDir.startsWith(dir + path.sep)) await (await opening).trimUndo(minVersion)
    }
  }

  async close(): Promise<void> {
    const all = [...this.envs.values()]
    this.envs.clear()
    const results = await Promise.allSettled(all.map(async (opening) => (await opening).close()))
    const failed = results.find((r) => r.status === 'rejected' && !(r.reason instanceof CheckpointError))
    if (failed) throw (failed as PromiseRejectedResult).reason
  }
}
