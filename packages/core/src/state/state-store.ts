/**
 * The state store: versioned key-value state of stateful operators, one store per
 * operator and partition. Version N is what the operator left after batch N; a batch
 * loads version N-1, changes it, and commits N only after the sink has the output.
 */
export type StateKey = string

/**
 * A store entry that is no key of the operator's: the version of the key text its keys are
 * written in (exec/dedup-key.ts). State readers (inspect, the `state` source) leave it out.
 */
export const KEY_ENCODING_ENTRY = '#keyEncoding'
export type StateValue = unknown

export interface StateStoreMetrics {
  readonly numKeys: number
  readonly memoryUsedBytes: number
  readonly commitTimeMs: number
}

export interface StateStore {
  readonly operatorId: number
  readonly partition: number
  /** The version this store was loaded at. */
  readonly version: number
  get(key: StateKey): StateValue | undefined
  put(key: StateKey, value: StateValue): void
  remove(key: StateKey): void
  /** Entries whose key starts with prefix (all with ''), in no particular order. */
  prefix(prefix: StateKey): IterableIterator<[StateKey, StateValue]>
  /**
   * The same entries as prefix(), read asynchronously in chunks: providers whose range
   * reads are asynchronous (level) implement it and may throw from prefix(). Callers that
   * can await use OperatorState.entriesAsync(), which falls back to prefix().
   */
  scan?(prefix: StateKey): AsyncIterableIterator<[StateKey, StateValue]>
  /** Makes the changes durable as version+1 and returns it. */
  commit(): Promise<number>
  /** Drops uncommitted changes. */
  abort(): void
  metrics(): StateStoreMetrics
}

export interface StateStoreProvider {
  readonly name: string
  /**
   * Whether every entry stays in memory between batches anyway. Operators may then keep
   * their state live in their own structures and write it to the store in larger entries
   * (a streaming aggregation writes chunks of groups); with a provider that keeps state on
   * disk, they keep one entry per group, so that state can outgrow memory.
   */
  readonly holdsStateInMemory?: boolean
  /** Opens the store of (operator, partition) at `version` (0 = empty) under `dir`. */
  load(dir: string, operatorId: number, partition: number, version: number): Promise<StateStore>
  /** Deletes files no longer needed to load versions >= minVersion. */
  maintain(dir: string, minVersion: number): Promise<void>
  /** Releases what the provider holds open (database environments, file handles) when the query stops. */
  close?(): Promise<void>
}
