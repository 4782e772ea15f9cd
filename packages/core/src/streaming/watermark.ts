/**
 * Event-time watermarks. Each withWatermark operator reports the event times it saw; after
 * a batch the tracker turns them into the watermark for the next batch: max event time
 * minus the delay, per operator, combined over operators by the multiple-watermark policy
 * (min by default), and never moving backwards.
 */
/**
 * The event times one withWatermark operator saw in a batch, as Spark's EventTimeStats:
 * the mean kept as a running average (a sum of epoch milliseconds would lose precision
 * past 2^53, about 5 000 rows of today's times).
 */
export interface EventTimeStats {
  max: number
  min: number
  avg: number
  count: number
}

/** Spark's EventTimeStats.merge: the running average weighted by count. */
export function mergeEventTimeStats(into: EventTimeStats, that: EventTimeStats): void {
  if (that.count === 0) return
  if (into.count === 0) {
    Object.assign(into, that)
    return
  }
  into.max = Math.max(into.max, that.max)
  into.min = Math.min(into.min, that.min)
  into.count += that.count
  into.avg += ((that.avg - into.avg) * that.count) / into.count
}

export class WatermarkTracker {
  /** Per withWatermark operator: the highest event time seen so far and its delay. */
  private readonly operators = new Map<number, { maxEventTime: number; delayMs: number }>()
  /** Stats of the current batch per operator, in the order they ran, for progress reports. */
  private batch = new Map<number, EventTimeStats>()

  constructor(
    private watermarkMs: number,
    private readonly policy: 'min' | 'max',
  ) {}

  get current(): number {
    return this.watermarkMs
  }

  /**
   * Called by an EventTimeWatermark operator with the event times of its batch. An operator
   * that has seen no data yet counts with a watermark of 0 (Spark), so under the `min`
   * policy the global watermark waits until every input has seen data.
   */
  observe(operatorId: number, delayMs: number, stats: EventTimeStats): void {
    const op = this.operators.get(operatorId) ?? { maxEventTime: Number.NEGATIVE_INFINITY, delayMs }
    if (stats.count > 0) op.maxEventTime = Math.max(op.maxEventTime, stats.max)
    this.operators.set(operatorId, op)
    if (stats.count === 0) return
    const b = this.batch.get(operatorId)
    if (b) mergeEventTimeStats(b, stats)
    else this.batch.set(operatorId, { ...stats })
  }

  /**
   * Ends the batch: advances the watermark and returns the batch's event-time stats. Like
   * Spark's progress, they are those of the first withWatermark operator that saw rows,
   * not a blend of several inputs.
   */
  advance(): { watermarkMs: number; changed: boolean; stats: EventTimeStats | null } {
    const candidates = [...this.operators.values()].map((o) =>
      Number.isFinite(o.maxEventTime) ? o.maxEventTime - o.delayMs : 0,
    )
    const stats = [...this.batch.values()].find((b) => b.count > 0) ?? null
    this.batch = new Map()
    if (candidates.length === 0) return { watermarkMs: this.watermarkMs, changed: false, stats }
    const next = this.policy === 'min' ? Math.min(...candidates) : Math.max(...candidates)
    if (next > this.watermarkMs) {
      this.watermarkMs = next
      return { watermarkMs: next, changed: true, stats }
    }
    return { watermarkMs: this.watermarkMs, changed: false, stats }
  }
}
