/**
 * Messages received and not yet committed, numbered by a running count: offset N means "the
 * first N messages". The same scheme as core's socket source, plus one thing MQTT needs: a
 * commit hands back the messages it drops, so that their PUBACKs can go out then.
 *
 * A query resumed from a checkpoint starts at an offset an earlier run reached; this run's
 * messages are numbered on from there (the first latestOffset call says where). A logged
 * batch replayed before this run received anything comes back empty: its messages were in
 * the earlier process only. With deferred acknowledgements the broker sends them again and
 * they arrive as new messages; otherwise they are lost, and counted.
 */
export class OffsetBuffer<T> {
  private items: T[] = []
  private received = 0
  /** Messages dropped by commits; `items[0]` is message number `dropped`. */
  private dropped = 0
  /** The offset before this run's first message, fixed by the first call that names an offset. */
  private shift: number | undefined
  /** `received` when Trigger.AvailableNow began; later messages wait for the next start. */
  private cap: number | undefined
  /** Messages of a replayed range that only an earlier run had. */
  replayedFromEarlierRun = 0

  push(item: T): void {
    this.items.push(item)
    this.received++
  }

  get receivedCount(): number {
    return this.received
  }

  get bufferedCount(): number {
    return this.items.length
  }

  capAtReceived(): void {
    this.cap = this.received
  }

  /** The offset after the newest message (capped for availableNow and by `max`), numbered on from `start`. */
  latest(start: number, max = Number.POSITIVE_INFINITY): number {
    this.shift ??= start
    const upTo = this.cap === undefined ? this.received : Math.min(this.received, this.cap)
    return Math.max(start, Math.min(this.shift + upTo, start + max))
  }

  /** Messages of offsets `(start, end]`; empty for a range from an earlier run. */
  range(start: number, end: number): T[] {
    if (this.shift === undefined) {
      this.shift = end
      this.replayedFromEarlierRun += end - start
      return []
    }
    const from = start - this.shift
    const to = end - this.shift
    if (from < this.dropped || to > this.received) {
      throw new Error(
        `offsets (${start}, ${end}] are not buffered: this run holds offsets (${this.shift + this.dropped}, ${this.shift + this.received}]. This is a bug in the micro-batch loop; please report it.`,
      )
    }
    return this.items.slice(from - this.dropped, to - this.dropped)
  }

  /** Forgets messages up to offset `end` and returns them. */
  commit(end: number): T[] {
    if (this.shift === undefined) return []
    const upTo = Math.min(end - this.shift, this.received)
    if (upTo <= this.dropped) return []
    const gone = this.items.splice(0, upTo - this.dropped)
    this.dropped = upTo
    return gone
  }
}
