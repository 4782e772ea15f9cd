/**
 * What a push source (socket, Observable) has received and not yet seen committed, with
 * offsets that count items. Such a source cannot replay: only this run's items exist.
 *
 * A query resumed from a checkpoint starts at an offset an earlier run reached, so this
 * run's items are numbered on from there (the first latestOffset call says where). Items
 * the earlier run received but did not commit are gone: if the resumed query first
 * replays a logged batch, that batch comes back empty and its size is counted as lost.
 */
export class ReceiveBuffer<T> {
  private items: T[] = []
  /** Items received since this buffer was made. */
  private received = 0
  /** Items dropped by commits; `items[0]` is item number `dropped`. */
  private dropped = 0
  /** Offset of the point before this run's first item; fixed by the first call that names an offset. */
  private shift: number | undefined
  /** `received` when availableNow began; later items wait for the next start. */
  private cap: number | undefined
  /** Items of a replayed range that the earlier run had and this one never received. */
  lost = 0

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

  /** The next offsets stop at what is received by now (Trigger.AvailableNow). */
  capAtReceived(): void {
    this.cap = this.received
  }

  /** The offset after the newest item (capped for availableNow and at `start + max`), numbered on from `start`. */
  latest(start: number, max = Number.POSITIVE_INFINITY): number {
    this.shift ??= start
    const upTo = this.cap === undefined ? this.received : Math.min(this.received, this.cap)
    return Math.max(start, Math.min(this.shift + upTo, start + max))
  }

  /** Items of offsets `(start, end]`; empty, and counted as lost, for a range from an earlier run. */
  range(start: number, end: number): T[] {
    if (this.shift === undefined) {
      // A batch logged by an earlier run and replayed before this run read anything.
      this.shift = end
      this.lost += end - start
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

  /** Forgets items up to offset `end` and returns them (MQTT acknowledges them then). */
  commit(end: number): T[] {
    if (this.shift === undefined) return []
    const upTo = Math.min(end - this.shift, this.received)
    if (upTo <= this.dropped) return []
    const gone = this.items.splice(0, upTo - this.dropped)
    this.dropped = upTo
    return gone
  }
}
