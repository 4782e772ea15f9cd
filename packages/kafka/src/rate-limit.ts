/**
 * Admission control of the streaming source, as Spark's KafkaMicroBatchStream does it.
 *
 * maxOffsetsPerTrigger: split the limit across partitions in proportion to how far each is
 * behind (its lag), rounding down, but giving a partition with a share below 1 one offset,
 * so that small partitions are not starved. The batch may thus read slightly more than the
 * limit when many partitions have tiny lags, as in Spark.
 *
 * minOffsetsPerTrigger + maxTriggerDelay: skip a trigger while fewer offsets than the minimum
 * are available, unless maxTriggerDelay has passed since the last batch that ran.
 */
import type { OffsetMap } from './adapter.js'

/**
 * The end offsets of a batch reading at most about `limit` offsets from `from` towards
 * `until`. `fromNew` gives the starting offsets of partitions that `from` does not have yet.
 */
export function rateLimit(limit: number, from: OffsetMap, until: OffsetMap, fromNew: OffsetMap): OffsetMap {
  const sizes = new Map<string, number>()
  for (const [k, end] of until) {
    const begin = from.get(k) ?? fromNew.get(k)
    // A partition without a start is left to getBatch, which reports it.
    if (begin !== undefined && end - begin > 0) sizes.set(k, end - begin)
  }
  let total = 0
  for (const s of sizes.values()) total += s
  if (total < 1) return new Map(until)
  const out: OffsetMap = new Map()
  for (const [k, end] of until) {
    const size = sizes.get(k)
    if (size === undefined) {
      out.set(k, end)
      continue
    }
    const begin = from.get(k) ?? fromNew.get(k)!
    const prorate = limit * (size / total)
    const share = prorate < 1 ? Math.ceil(prorate) : Math.floor(prorate)
    out.set(k, Math.min(end, begin + share))
  }
  return out
}

/** Offsets available beyond `from` (a partition new to `from` counts from 0, as in Spark). */
export function available(from: OffsetMap, until: OffsetMap): number {
  let n = 0
  for (const [k, end] of until) n += end - (from.get(k) ?? 0)
  return n
}

/** minOffsetsPerTrigger with maxTriggerDelay: remembers when the last batch was let through. */
export class TriggerDelay {
  /** 0, as in Spark: the first trigger of a run is never held back. */
  private lastTriggerMs = 0

  constructor(
    private readonly minOffsets: number,
    private readonly maxDelayMs: number,
    private readonly now: () => number,
  ) {}

  /** True when this trigger should wait for more data. */
  shouldWait(from: OffsetMap, until: OffsetMap): boolean {
    const now = this.now()
    if (now - this.lastTriggerMs >= this.maxDelayMs) {
      this.lastTriggerMs = now
      return false
    }
    if (available(from, until) < this.minOffsets) return true
    this.lastTriggerMs = now
    return false
  }
}
