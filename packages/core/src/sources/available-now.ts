/**
 * What an availableNow run has read of what was there when it started, for the progress
 * bar (observe/progress-bar.ts): sources with numeric offsets remember the end they took
 * at the start, see the start of the first batch, and report units done out of the total
 * in their progress metrics (`availableNowTotal`, `availableNowDone`, `availableNowUnit`).
 */
export class AvailableNowRange {
  private start: number | null = null
  private reached: number | null = null

  /** `end`: the offset the run stops at; `unit`: what one offset is (offsets, seconds, events). */
  constructor(
    readonly end: number,
    readonly unit: string,
  ) {}

  /** The start offset of a batch; the first one is where the run began. */
  from(start: number): void {
    this.start ??= Math.min(start, this.end)
  }

  /** The end offset of a batch read. */
  readTo(end: number): void {
    this.reached = Math.max(this.reached ?? end, end)
  }

  /** The progress metrics: nothing until the first batch, then units done of the total. */
  metrics(): Record<string, number | string> {
    if (this.start === null) return {}
    const total = Math.max(0, this.end - this.start)
    const done = this.reached === null ? 0 : Math.min(total, Math.max(0, this.reached - this.start))
    return { availableNowTotal: total, availableNowDone: done, availableNowUnit: this.unit }
  }
}
