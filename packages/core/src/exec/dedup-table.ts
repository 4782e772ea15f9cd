/**
 * The keys a streaming dropDuplicates has seen, kept by the operator from batch to batch
 * when the state store holds everything in memory anyway (the memory provider), as the
 * streaming aggregation keeps its groups (aggregate-table.ts). One GroupIndex (typed-array
 * hash tables) numbers the keys; a key's id says whether it is live and until when (its
 * expiry, with a watermark). A row is looked up with one probe of the index instead of a
 * JSON key built, hashed twice and looked up twice in Maps of strings, and the state is
 * written to the store as chunks of CHUNK consecutive ids — typed arrays, one store entry
 * per chunk — so that a batch's delta and a snapshot serialize a few large arrays instead
 * of one entry per key, and the garbage collector does not trace millions of key strings.
 *
 * The table is valid for one state version: the operator rebuilds it from the store when a
 * batch other than the one it expects comes (a restart, or a batch run again after a
 * failure left the table changed but the store not committed). Keys stored one entry per
 * key (by an older Tributary) are read too, and rewritten as chunks.
 */
import { type Vector, VectorBuilder, valueAt } from '../batch/vector.js'
import type { OperatorState } from '../state/state-manager.js'
import { type DataType, isFloat64Backed } from '../types/data-types.js'
import { GrowableF64, GrowableU8 } from './aggregate/accumulator.js'
import { ChunkLedger } from './chunk-ledger.js'
import { numberFromKeyText } from './dedup-key.js'
import { GroupIndex } from './group-index.js'

const CHUNK_BITS = 12
/** Keys per store entry. */
export const DEDUP_CHUNK = 1 << CHUNK_BITS
/** Unused ids tolerated before a renumbering, however few the live keys. */
export const DEDUP_SPARSE_FLOOR = 64
/** Store keys of chunks; any other key is one key in the one-entry-per-key format (its JSON text). */
export { CHUNK_KEY_PREFIX as DEDUP_CHUNK_PREFIX } from './chunk-ledger.js'

/** One key column of a chunk: engine values, numbers in a Float64Array (nulls where `nulls` is 0). */
interface StoredColumn {
  readonly numbers: Float64Array | null
  readonly nulls: Uint8Array | null
  readonly values: unknown[] | null
}

/** One store entry: the keys with ids [c·CHUNK, (c+1)·CHUNK) of the table that wrote it. */
export interface StoredDedupChunk {
  /** 1 where the id holds a live key. */
  readonly live: Uint8Array
  readonly keys: StoredColumn[]
  /** Per id, the event time at which the key expires (0: never); null without event time. */
  readonly expiry: Float64Array | null
}

function storedColumn(v: Vector): StoredColumn {
  if (v.kind === 'number')
    return { numbers: v.values.slice(), nulls: v.validity?.slice() ?? null, values: null }
  const values = new Array<unknown>(v.length)
  for (let i = 0; i < v.length; i++) values[i] = valueAt(v, i)
  return { numbers: null, nulls: null, values }
}

function storedValue(c: StoredColumn, j: number): unknown {
  if (c.numbers !== null) return c.nulls !== null && c.nulls[j] === 0 ? null : c.numbers[j]
  return c.values![j]
}

export class DedupTable {
  private index: GroupIndex
  private live = new GrowableU8()
  private expiry = new GrowableF64()
  private liveKeys = 0
  private readonly chunks = new ChunkLedger(CHUNK_BITS)
  /** The state version this table holds, or -1 while a batch is changing it. */
  version: number

  constructor(
    private readonly keyTypes: readonly DataType[],
    /** Whether keys expire (an event-time column among the keys, or within the watermark). */
    private readonly expires: boolean,
    version: number,
  ) {
    this.index = new GroupIndex(keyTypes)
    this.version = version
  }

  /** Live keys. */
  get size(): number {
    return this.liveKeys
  }

  /**
   * Adds the rows' keys; returns the positions of the rows whose key was not live (the
   * first row of each such key), which the operator keeps. `expiryOf(i)` is row i's expiry.
   */
  admit(keys: readonly Vector[], numRows: number, expiryOf: ((i: number) => number) | null): number[] {
    const ids = this.index.assign(keys, numRows)
    const groups = this.index.numGroups
    const live = this.live.ensure(groups)
    const expiry = this.expires ? this.expiry.ensure(groups) : this.expiry.data
    const kept: number[] = []
    for (let i = 0; i < numRows; i++) {
      const g = ids[i]
      if (live[g] === 1) continue
      live[g] = 1
      this.liveKeys++
      if (expiryOf !== null) expiry[g] = expiryOf(i)
      this.chunks.touch(g)
      kept.push(i)
    }
    return kept
  }

  /** Drops the keys whose expiry the watermark has reached; returns how many. */
  evict(watermark: number): number {
    if (!this.expires) return 0
    const live = this.live.data
    const expiry = this.expiry.data
    let removed = 0
    for (let g = 0; g < this.index.numGroups; g++) {
      if (live[g] === 1 && expiry[g] > 0 && expiry[g] <= watermark) {
        live[g] = 0
        removed++
        this.chunks.touch(g)
      }
    }
    this.liveKeys -= removed
    return removed
  }

  /**
   * Ids no key uses any more: once they outnumber the live keys (and a small floor),
   * renumber. Unused ids ride along in every delta and snapshot that writes their chunk (and
   * every eviction scans them), so they must stay few next to the live keys, as in the
   * aggregation's table (aggregate-table.ts).
   */
  compactIfSparse(): void {
    const unused = this.index.numGroups - this.liveKeys
    if (unused <= Math.max(DEDUP_SPARSE_FLOOR, this.liveKeys)) return
    const ids: number[] = []
    const live = this.live.data
    for (let g = 0; g < this.index.numGroups; g++) if (live[g] === 1) ids.push(g)
    const keys = ids.length === 0 ? [] : this.index.keyVectorsAt(ids)
    const expiry = Float64Array.from(ids, (g) => this.expiry.data[g])
    this.reset()
    this.load(keys, expiry, ids.length)
  }

  private reset(): void {
    this.index = new GroupIndex(this.keyTypes)
    this.live = new GrowableU8()
    this.expiry = new GrowableF64()
    this.liveKeys = 0
    this.chunks.rewriteAll()
  }

  /** Adds n distinct keys with their expiries. */
  private load(keys: readonly Vector[], expiry: Float64Array, n: number): void {
    if (n === 0) return
    const before = this.index.numGroups
    const kept = this.admit(keys, n, this.expires ? (i) => expiry[i] : null)
    if (kept.length !== n || this.index.numGroups - before !== n)
      throw new Error('deduplication state holds the same key twice: the state store is damaged')
  }

  /** Writes the changed chunks to the store (removing chunks left without keys). */
  flush(state: OperatorState): void {
    const groups = this.index.numGroups
    const live = this.live.ensure(groups)
    this.chunks.flush(
      state,
      groups,
      live,
      (from, to): StoredDedupChunk => ({
        live: live.slice(from, to),
        keys: this.index
          .keyVectorsAt(Array.from({ length: to - from }, (_, j) => from + j))
          .map(storedColumn),
        expiry: this.expires ? this.expiry.ensure(to).slice(from, to) : null,
      }),
    )
  }

  /** The table of what the store holds at `version`: chunks, and keys stored one entry each. */
  static async restore(
    state: OperatorState,
    keyTypes: readonly DataType[],
    expires: boolean,
    version: number,
  ): Promise<DedupTable> {
    const table = new DedupTable(keyTypes, expires, version)
    const builders = keyTypes.map((t) => new VectorBuilder(t))
    const expiry: number[] = []
    const perKey: string[] = []
    for await (const [key, value] of state.entriesAsync()) {
      if (table.chunks.noteStored(key) !== null) {
        const chunk = value as StoredDedupChunk
        for (let j = 0; j < chunk.live.length; j++) {
          if (chunk.live[j] !== 1) continue
          for (let k = 0; k < builders.length; k++) builders[k].append(storedValue(chunk.keys[k], j))
          expiry.push(chunk.expiry === null ? 0 : chunk.expiry[j])
        }
      } else if (key[0] === '[') {
        // One entry per key: the key's JSON text (dedup-key.ts), the expiry as value.
        const values = JSON.parse(key) as unknown[]
        perKey.push(key)
        for (let k = 0; k < builders.length; k++) {
          const v = values[k] ?? null
          builders[k].append(isFloat64Backed(keyTypes[k]) ? numberFromKeyText(v) : v)
        }
        expiry.push(value as number)
      }
    }
    for (const key of perKey) state.remove(key)
    table.reset()
    table.load(
      builders.map((b) => b.finish()),
      Float64Array.from(expiry),
      expiry.length,
    )
    table.version = version
    return table
  }
}
