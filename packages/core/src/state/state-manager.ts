/**
 * The state of one running query: opens each stateful operator's stores (one per
 * partition) at the batch's version, routes keys to partitions by hash, and commits or
 * aborts them together (protocol step 6).
 */
import type { StateStore, StateStoreProvider } from './state-store.js'

/** FNV-1a over the key's UTF-16 code units: stable across processes, so a key keeps its partition. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % partitions
}

/** One operator's state across all partitions, for one batch. */
export class OperatorState {
  constructor(
    readonly operatorId: number,
    private readonly stores: readonly StateStore[],
  ) {}

  /** The store (partition) that holds `key`: callers that get and then put a key route it once. */
  storeOf(key: string): StateStore {
    return this.stores[partitionOf(key, this.stores.length)]
  }
  get(key: string): unknown {
    return this.storeOf(key).get(key)
  }
  put(key: string, value: unknown): void {
    this.storeOf(key).put(key, value)
  }
  remove(key: string): void {
    this.storeOf(key).remove(key)
  }
  /** Every entry of every partition. */
  *entries(): IterableIterator<[string, unknown]> {
    for (const s of this.stores) yield* s.prefix('')
  }
  /**
   * Every entry of every partition without an await per entry, when every store lists its
   * entries synchronously (memory, lmdb); null when one reads ranges only asynchronously
   * (level): then use entriesAsync().
   */
  entriesIfSync(): IterableIterator<[string, unknown]> | null {
    return this.stores.every((s) => s.scan === undefined) ? this.entries() : null
  }
  /** Every entry of every partition, streamed from providers that read ranges asynchronously (level). */
  async *entriesAsync(): AsyncIterableIterator<[string, unknown]> {
    for (const s of this.stores) yield* s.scan ? s.scan('') : s.prefix('')
  }
  get numKeys(): number {
    return this.stores.reduce((n, s) => n + s.metrics().numKeys, 0)
  }
  metrics(): { numKeys: number; memoryUsedBytes: number; commitTimeMs: number } {
    const all = this.stores.map((s) => s.metrics())
    return {
      numKeys: all.reduce((n, m) => n + m.numKeys, 0),
      memoryUsedBytes: all.reduce((n, m) => n + m.memoryUsedBytes, 0),
      commitTimeMs: all.reduce((n, m) => n + m.commitTimeMs, 0),
    }
  }
}

export class StateManager {
  protected open: StateStore[] = []

  constructor(
    readonly provider: StateStoreProvider,
    readonly rootDir: string,
    readonly partitions: number,
  ) {}

  /** The operator's state as of `version` (= the batch id: state after the previous batch). */
  async openOperator(operatorId: number, version: number): Promise<OperatorState> {
    const stores: StateStore[] = []
    for (let p = 0; p < this.partitions; p++) {
      stores.push(await this.provider.load(this.rootDir, operatorId, p, version))
    }
    this.open.push(...stores)
    return new OperatorState(operatorId, stores)
  }

  async commitAll(): Promise<void> {
    for (const s of this.open) await s.commit()
    this.open = []
  }

  abortAll(): void {
    for (const s of this.open) s.abort()
    this.open = []
  }

  /** Whether a key routed by hash lands in the stores openOperator gives (all partitions here). */
  ownsKey(_key: string): boolean {
    return true
  }

  /**
   * The committed entries of every partition of an operator at `version`, read through
   * stores opened for reading and dropped: for one-off upgrades of state an older Tributary
   * wrote, whose keys may belong to another partition now. A partition that cannot be
   * opened (another worker thread holds it) is reported to `unreadable` and skipped.
   */
  async *committedEntries(
    operatorId: number,
    version: number,
    unreadable: (partition: number, error: unknown) => void,
  ): AsyncIterableIterator<[string, unknown]> {
    for (let p = 0; p < this.partitions; p++) {
      let store: StateStore
      try {
        store = await this.provider.load(this.rootDir, operatorId, p, version)
      } catch (e) {
        // A partition another worker thread holds open (LevelDB locks its folder).
        unreadable(p, e)
        continue
      }
      try {
        yield* store.scan ? store.scan('') : store.prefix('')
      } finally {
        store.abort()
      }
    }
  }

  /** Deletes state files no longer needed to restart at `minVersion` or later. */
  async maintain(minVersion: number): Promise<void> {
    if (minVersion > 0) await this.provider.maintain(this.rootDir, minVersion)
  }

  /** The query stopped: the provider releases its open stores. */
  async close(): Promise<void> {
    this.open = []
    await this.provider.close?.()
  }
}
