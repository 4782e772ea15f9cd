/**
 * The bookkeeping that an operator's live table shares with the state store (the
 * aggregation's groups in aggregate-table.ts, dropDuplicates' keys in dedup-table.ts): ids
 * are grouped in chunks of 2^bits consecutive ids, one store entry per chunk under
 * `chunk:<n>`; a batch marks the chunks whose ids it changed, and a flush rewrites those
 * (or removes them once no id in them is live). Any other store key is an entry of the
 * one-entry-per-key format that older versions wrote.
 */
import type { OperatorState } from '../state/state-manager.js'

/** Store keys of chunks. */
export const CHUNK_KEY_PREFIX = 'chunk:'

export class ChunkLedger {
  /** Chunks changed since the last flush. */
  private readonly dirty = new Set<number>()
  /** Chunks the store holds. */
  private readonly stored = new Set<number>()

  constructor(readonly bits: number) {}

  /** Ids per chunk. */
  get size(): number {
    return 1 << this.bits
  }

  /** Id `id` changed (added, updated or no longer live). */
  touch(id: number): void {
    this.dirty.add(id >> this.bits)
  }

  /** Ids were renumbered: every chunk the store holds is rewritten or removed by the next flush. */
  rewriteAll(): void {
    for (const c of this.stored) this.dirty.add(c)
  }

  /** A store entry read at a restore: the chunk's number, or null for a one-entry-per-key entry. */
  noteStored(key: string): number | null {
    if (!key.startsWith(CHUNK_KEY_PREFIX)) return null
    const c = Number(key.slice(CHUNK_KEY_PREFIX.length))
    this.stored.add(c)
    return c
  }

  /**
   * Writes the changed chunks of ids [0, ids): `build(from, to)` gives the entry of ids
   * [from, to); a chunk without a live id is removed instead.
   */
  flush(
    state: OperatorState,
    ids: number,
    live: Uint8Array,
    build: (from: number, to: number) => unknown,
  ): void {
    for (const c of this.dirty) {
      const from = c << this.bits
      const to = Math.min(from + this.size, ids)
      let any = false
      for (let g = from; g < to && !any; g++) any = live[g] === 1
      const key = `${CHUNK_KEY_PREFIX}${c}`
      if (!any) {
        if (this.stored.delete(c)) state.remove(key)
        continue
      }
      state.put(key, build(from, to))
      this.stored.add(c)
    }
    this.dirty.clear()
  }
}
