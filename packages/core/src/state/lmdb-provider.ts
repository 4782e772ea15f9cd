/**
 * The on-disk state store provider ('lmdb'), for state larger than memory. Each
 * (operator, partition) is an LMDB environment in the checkpoint (layout in
 * lmdb-store-env.ts); what stays in JS memory is the current batch's changes only, so
 * resident memory follows the batch, not the number of keys.
 *
 * Versions. The store on disk is at one version, recorded by a marker written in the
 * same LMDB transaction as the data it describes. commit() of a store loaded at N writes,
 * in one transaction: the batch's changes, one undo record per changed key (the key's
 * bytes before the change, or "absent"), the key count, and the marker N+1; it returns
 * only after LMDB has flushed that transaction to disk, so the commit log written next
 * never claims a state that a crash could lose.
 *
 * load(version) opens the store and compares the marker with the version asked for:
 * - equal: nothing to do.
 * - higher: the query crashed after the state commit of a batch and before its commit
 *   log entry, and replays the batch. The undo records of the newer versions are applied,
 *   newest first, in one transaction that also moves the marker back, so the replay
 *   starts from exactly the state it first ran on. Going back discards the newer versions
 *   (the replay writes them again); the memory provider keeps its files until overwritten.
 * - lower, or no store where version > 0: the files are older than the offset log (lost,
 *   or restored from an older backup). That is a CheckpointError naming the folder, never
 *   an empty start.
 * maintain(minVersion) deletes the undo records of versions <= minVersion: every version
 * from minVersion up stays loadable, as with the memory provider's files.
 *
 * Uncommitted changes live in a Map of the store object until commit(); abort() drops
 * them, so LMDB never sees them. get() and prefix() overlay them on the committed data;
 * prefix('') streams LMDB range reads instead of loading the store.
 *
 * Values are msgpack (lmdb's encoder, with Map, Set, typed array and BigInt extensions):
 * numbers, strings, null, undefined, Dates, nested arrays and objects round-trip. Three
 * differences from values kept in memory: -0 comes back as 0, class instances come back
 * as plain objects, and lone surrogates in strings (malformed UTF-16) come back as U+FFFD
 * (keys keep them: see the `wide` database).
 *
 * Resident memory. JS memory holds the batch's changes (and the bytes of the keys it read)
 * only. LMDB reads through a shared file map, and every page mapped stays resident
 * (counted in RSS as file pages: clean page cache the kernel can reclaim) until the map
 * goes; the kernel maps up to 64 KiB of cached file around each page read (fault-around,
 * which MADV_RANDOM does not turn off), so one batch of keys spread over a large store
 * maps most of its file. A write transaction mallocs a buffer per page it changes and
 * LMDB keeps those buffers (anonymous memory) until the environment closes. So once the
 * stores are larger than `mapBudgetBytes` together, each is closed and opened again after
 * its commit: between batches the map is empty and the buffers are freed, and anonymous
 * memory follows the batch, not the size of the state. Measured with 10 M keys: 360 MB
 * anonymous at peak, as with 1 M; file pages up to the size of the files during a batch.
 *
 * metrics().memoryUsedBytes reports the bytes of LMDB pages the store uses on disk
 * (state, undo records, markers). It is what the OS page cache holds when all of the
 * store is hot, not JS heap: the heap holds only the batch's changes.
 */
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { CheckpointError } from '../util/errors.js'
import { killPoint } from '../util/kill-point.js'
import { DEFAULT_LMDB_MIN_FREE_BYTES, StoreEnv } from './lmdb-store-env.js'
import type { StateStore, StateStoreMetrics, StateStoreProvider } from './state-store.js'

/** Marks a removal among the pending changes (a symbol: no stored value can be one). */
const REMOVED: unique symbol = Symbol('removed')

class LmdbStateStore implements StateStore {
  /** This batch's changes: key → new value, or REMOVED. One entry per key, so memory follows the batch. */
  private readonly changes = new Map<string, unknown>()
  /**
   * The stored bytes (null: absent) of the keys get() read in this batch. An operator reads
   * a key before it writes it, so commit() finds the before-images of its undo records here
   * instead of looking every key up again (that second lookup was a tenth of the CPU time).
   */
  private readonly before = new Map<string, Uint8Array | null>()
  private lastCommitMs = 0
  private done = false

  constructor(
    readonly operatorId: number,
    readonly partition: number,
    readonly version: number,
    private readonly env: StoreEnv,
    private readonly afterWrite: (env: StoreEnv) => Promise<void>,
  ) {}

  get(key: string): unknown {
    const c = this.changes.get(key)
    if (c !== undefined || this.changes.has(key)) return c === REMOVED ? undefined : c
    let bytes = this.before.get(key)
    if (bytes === undefined) {
      bytes = this.env.getRaw(key) ?? null
      this.before.set(key, bytes)
    }
    return bytes === null ? undefined : this.env.decode(key, bytes)
  }

  put(key: string, value: unknown): void {
    this.changes.set(key, value)
  }

  remove(key: string): void {
    this.changes.set(key, REMOVED)
  }

  *prefix(prefix: string): IterableIterator<[string, unknown]> {
    for (const entry of this.env.scan(prefix)) if (!this.changes.has(entry[0])) yield entry
    for (const [k, c] of this.changes) if (c !== REMOVED && k.startsWith(prefix)) yield [k, c]
  }

  async commit(): Promise<number> {
    const t0 = performance.now()
    const env = this.env
    const next = this.version + 1
    if (this.done) throw this.stale('was already committed')
    let numKeys = env.numKeys
    await env.write(() => {
      // Another store object of the same folder may have committed since this one was loaded.
      if (env.storedVersion() !== this.version) throw this.stale(`is now at version ${env.storedVersion()}`)
      numKeys = env.numKeys
      let seq = 0
      for (const [key, c] of this.changes) {
        const known = this.before.get(key)
        const before = known === undefined ? env.getRaw(key) : (known ?? undefined)
        if (c === REMOVED) {
          if (before === undefined) continue
          env.putRaw(key, null)
          numKeys--
        } else {
          env.putValue(key, c)
          if (before === undefined) numKeys++
        }
        env.putUndo(next, seq++, key, before)
      }
      // Crash tests: a kill inside the transaction, before LMDB commits it.
      killPoint('lmdbCommit', `${this.operatorId}/${this.partition}/${next}`)
      env.setVersion(next, numKeys)
    })
    env.version = next
    env.numKeys = numKeys
    this.changes.clear()
    this.before.clear()
    this.done = true
    await this.afterWrite(env)
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
      memoryUsedBytes: this.env.usedBytes(),
      commitTimeMs: Math.round(this.lastCommitMs),
    }
  }
}

export interface LmdbProviderOptions {
  /**
   * When the files of the provider's open stores are larger than this together, a store
   * is closed and opened again after each commit (under a millisecond, measured here):
   * that releases the pages the batch read through LMDB's map and the page buffers LMDB
   * keeps from its write transactions. Below it, everything may stay resident. Default 64 MiB.
   */
  readonly mapBudgetBytes?: number
  /**
   * No write transaction starts with less free space on the store's disk than this
   * (tributary.stateStore.lmdb.minFreeBytes): LMDB can crash the process when the disk
   * fills in the middle of one. DISK_FULL instead. Default 64 MiB; 0 turns the check off.
   */
  readonly minFreeBytes?: number
}

export class LmdbStateStoreProvider implements StateStoreProvider {
  readonly name = 'lmdb'
  /** Open environments by folder, kept between batches and closed by close(). */
  private readonly envs = new Map<string, Promise<StoreEnv>>()
  private readonly mapBudgetBytes: number
  private readonly minFreeBytes: number
  /** Each open store's file size (up to its last page in use) as of its last commit. */
  private readonly fileBytes = new Map<StoreEnv, number>()

  constructor(options: LmdbProviderOptions = {}) {
    this.mapBudgetBytes = options.mapBudgetBytes ?? 64 * 2 ** 20
    this.minFreeBytes = options.minFreeBytes ?? DEFAULT_LMDB_MIN_FREE_BYTES
  }

  async load(dir: string, operatorId: number, partition: number, version: number): Promise<StateStore> {
    const storeDir = path.join(dir, String(operatorId), String(partition))
    let opening = this.envs.get(storeDir)
    if (!opening) {
      opening = StoreEnv.open(storeDir, version, this.minFreeBytes)
      this.envs.set(storeDir, opening)
      opening.catch(() => this.envs.delete(storeDir))
    }
    const env = await opening
    if (env.version < version) {
      throw new CheckpointError(
        `STATE_VERSION_MISSING: state store ${storeDir} is at version ${env.version} but the checkpoint needs version ${version}: the state files are older than the offset log (lost, or restored from an older backup). Restore the state folder from the backup that matches the checkpoint, or delete the checkpoint to start the query over.`,
        'STATE_VERSION_MISSING',
      )
    }
    if (env.version > version) {
      await env.rollBack(version)
      await this.unmapIfLarge(env)
    }
    return new LmdbStateStore(operatorId, partition, version, env, (e) => this.unmapIfLarge(e))
  }

  private async unmapIfLarge(env: StoreEnv): Promise<void> {
    this.fileBytes.set(env, env.mappedBytes())
    let total = 0
    for (const bytes of this.fileBytes.values()) total += bytes
    if (total > this.mapBudgetBytes) await env.remap()
  }

  async maintain(dir: string, minVersion: number): Promise<void> {
    for (const [storeDir, opening] of this.envs) {
      if (storeDir.startsWith(dir + path.sep)) await (await opening).trimUndo(minVersion)
    }
  }

  async close(): Promise<void> {
    const all = [...this.envs.values()]
    this.envs.clear()
    this.fileBytes.clear()
    const results = await Promise.allSettled(all.map(async (opening) => (await opening).close()))
    const failed = results.find((r) => r.status === 'rejected' && !(r.reason instanceof CheckpointError))
    if (failed) throw (failed as PromiseRejectedResult).reason
  }
}
