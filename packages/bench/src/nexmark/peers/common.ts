/**
 * What every way of answering a query shares: the same generated bids, batch by batch, the
 * same final watermark (a window is in the answer once the watermark reaches its end, as in
 * Tributary's append mode), and the same checksum of the answer.
 */
import type { Checksum } from '../checksum.js'
import type { BidColumns, NexmarkGenerator } from '../generator.js'
import { WATERMARK_DELAY_MS } from '../queries.js'

export interface PeerContext {
  /**
   * The run's generator, configured as Tributary's source is (spec.generator: the same seed,
   * event rate and mode, replay block or exact), so every way reads the same events.
   */
  readonly gen: NexmarkGenerator
  readonly events: number
  /** Events per generated batch (Tributary's maxEventsPerTrigger). */
  readonly batch: number
  /** The watermark after the last event: windows ending at or before it are final. */
  readonly watermark: number
}

export interface PeerOutcome {
  /** Seconds spent inside the engine alone, where loading data is separate (DuckDB, arquero). */
  readonly queryOnlyS?: number
  readonly note?: string
}

export type PeerRun = (ctx: PeerContext, out: Checksum) => Promise<PeerOutcome | undefined>

export function peerContext(gen: NexmarkGenerator, events: number, batch: number): PeerContext {
  return { gen, events, batch, watermark: gen.maxEventTime(events) - WATERMARK_DELAY_MS }
}

/** The bids of events [0, events), one batch of `batch` events at a time. */
export function* bidBatches(ctx: PeerContext): Generator<BidColumns> {
  for (let start = 0; start < ctx.events; start += ctx.batch) {
    yield ctx.gen.bids(start, Math.min(ctx.events, start + ctx.batch))
  }
}

/**
 * An open-addressing hash table from float64 keys to dense ids over typed arrays: what a
 * hand-written JavaScript aggregation would use (a Map is several times slower).
 */
export class KeyTable {
  keys: Float64Array
  private slots: Int32Array
  private mask: number
  size = 0

  constructor(capacity = 1024) {
    let n = 16
    while (n < capacity * 2) n *= 2
    this.slots = new Int32Array(n).fill(-1)
    this.keys = new Float64Array(n >> 1)
    this.mask = n - 1
  }

  private static hash(x: number): number {
    const lo = x >>> 0
    const hi = (x / 4294967296) >>> 0
    let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi ^ 0xc2b2ae35, 0x27d4eb2f)
    h ^= h >>> 15
    h = Math.imul(h, 0x2c1b3c6d)
    return (h ^ (h >>> 12)) >>> 0
  }

  /** The id of a non-negative integer key, added with the next id when new. */
  idOf(key: number): number {
    let s = KeyTable.hash(key) & this.mask
    for (;;) {
      const id = this.slots[s]
      if (id < 0) break
      if (this.keys[id] === key) return id
      s = (s + 1) & this.mask
    }
    const id = this.size++
    if (id === this.keys.length) {
      const k = new Float64Array(this.keys.length * 2)
      k.set(this.keys)
      this.keys = k
    }
    this.keys[id] = key
    this.slots[s] = id
    if (this.size * 2 > this.mask) this.grow()
    return id
  }

  private grow(): void {
    const n = this.slots.length * 2
    this.slots = new Int32Array(n).fill(-1)
    this.mask = n - 1
    for (let id = 0; id < this.size; id++) {
      let s = KeyTable.hash(this.keys[id]) & this.mask
      while (this.slots[s] >= 0) s = (s + 1) & this.mask
      this.slots[s] = id
    }
  }
}

/** A growable Float64Array indexed by id. */
export class Counts {
  data = new Float64Array(1024)
  at(id: number): Float64Array {
    if (id >= this.data.length) {
      const d = new Float64Array(Math.max(id + 1, this.data.length * 2))
      d.set(this.data)
      this.data = d
    }
    return this.data
  }
}
