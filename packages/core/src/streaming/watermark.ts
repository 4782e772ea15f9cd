/**
 * Event-time watermarks. Each withWatermark operator reports the event times it saw; after
 * a batch the tracker turns them into the watermark for the next batch: max event time
 * minus the delay, per operator, combined over operators by the multiple-watermark policy
 * (min by default), and never moving backwards.
 */
export interface EventTimeStats {
  max: number
  min: number
  sum: number
  count: number
}

export class WatermarkTracker {
  /** Per withWatermark operator: the highest event time seen so far and its delay. */
  private readonly operators = new Map<number, { maxEventTime: number; delayMs: number }>()
  /** Stats of the current batch, for progress reports. */
  private batch: EventTimeStats | null = null

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
    if (this.batch === null) {
      this.batch = { max: Number.NEGATIVE_INFINITY, min: Number.POSITIVE_INFINITY, sum: 0, count: 0 }
    }
    const b = this.batch
    b.max = Math.max(b.max, stats.max)
    b.min = Math.min(b.min, stats.min)
    b.sum += stats.sum
    b.count += stats.count
  }

  /** Ends the batch: advances the watermark and returns the batch's event-time stats. */
  advance(): { watermarkMs: number; changed: boolean; stats: EventTimeStats | null } {
    const candidates = [...this.operators.values()].map((o) =>
      Number.isFinite(o.maxEventTime) ? o.maxEventTime - o.delayMs : 0,
    )
    const stats = this.batch
    this.batch = null
    if (candidates.length === 0) return { watermarkMs: this.watermarkMs, changed: false, stats }
    const next = this.policy === 'min' ? Math.min(...candidates) : Math.max(...candidates)
    if (next > this.watermarkMs) {
      this.watermarkMs = next
      return { watermarkMs: next, changed: true, stats }
    }
    return { watermarkMs: this.watermarkMs, changed: false, stats }
  }
}
