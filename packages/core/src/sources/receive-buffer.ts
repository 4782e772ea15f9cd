/**
 * What a push source (socket, Observable) has received and not yet seen committed, with
 * offsets that count items. Such a source cannot replay: only this run's items exist.
 *
 * A query resumed from a checkpoint starts at an offset an earlier run reached, so this
 * run's items are numbered on from there (the first latestOffset call says where). Items
 * the earlier run received but did not commit are gone: if the resumed query first
 * replays a logged batch, that batch comes back empty and its size is counted as lost.
 *
 * Bounded: a query slower than its input would otherwise buffer until the heap runs out.
 * With `maxRows` / `maxBytes`, the buffer says when it is full (`isFull`), and its owner
 * applies its policy (BufferFullPolicy): pause the producer where the transport can be
 * paused (TCP), or fail, or drop the newest items and count them. Committed batches free
 * space; `onSpace` then tells a paused owner to resume.
 */
import { OptionError } from '../util/errors.js'
import type { Options } from '../util/options.js'

/** What a push source does when its buffer is full. */
export type BufferFullPolicy = 'pause' | 'fail' | 'drop'

export interface BufferLimits {
  /** Items buffered at most (received, not yet committed). */
  readonly maxRows: number
  /** Bytes buffered at most, as measured by the owner's size of each item. */
  readonly maxBytes: number
  readonly onFull: BufferFullPolicy
}

export const BUFFER_OPTIONS = ['maxBufferedRows', 'maxBufferedBytes', 'onBufferFull'] as const

/** Reads `maxBufferedRows`, `maxBufferedBytes` and `onBufferFull`, refusing a policy the transport cannot apply. */
export function readBufferLimits(
  options: Options,
  defaults: BufferLimits,
  policies: readonly BufferFullPolicy[],
): BufferLimits {
  const maxRows = options.getPositiveInt('maxBufferedRows', defaults.maxRows)!
  const maxBytes = options.getPositiveInt('maxBufferedBytes', defaults.maxBytes)!
  const onFull = (options.get('onBufferFull')?.trim().toLowerCase() ?? defaults.onFull) as BufferFullPolicy
  if (!policies.includes(onFull)) {
    throw new OptionError(
      `${options.owner}: option 'onBufferFull' is '${options.get('onBufferFull')}'; this source supports ${policies.map((p) => `'${p}'`).join(', ')}.`,
      'INVALID_OPTION',
    )
  }
  return { maxRows, maxBytes, onFull }
}

export class ReceiveBuffer<T> {
  private items: T[] = []
  /** Size of each buffered item, parallel to `items`, when the buffer counts bytes. */
  private sizes: number[] = []
  private bytes = 0
  private spaceListeners: (() => void)[] = []
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

  constructor(
    /** Unbounded when left out (sources whose transport bounds what is in flight). */
    readonly limits: Pick<BufferLimits, 'maxRows' | 'maxBytes'> = {
      maxRows: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
    },
  ) {}

  /** Adds an item of `size` bytes (as the owner measures it). */
  push(item: T, size = 0): void {
    this.items.push(item)
    this.sizes.push(size)
    this.bytes += size
    this.received++
  }

  /** True when buffered items or bytes reached a limit: the owner pauses, fails or drops. */
  get isFull(): boolean {
    return this.items.length >= this.limits.maxRows || this.bytes >= this.limits.maxBytes
  }

  get bufferedBytes(): number {
    return this.bytes
  }

  /** Calls `listener` once, the next time a commit leaves the buffer not full. */
  onSpace(listener: () => void): void {
    this.spaceListeners.push(listener)
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
    for (const size of this.sizes.splice(0, gone.length)) this.bytes -= size
    this.dropped = upTo
    if (!this.isFull && this.spaceListeners.length > 0) {
      const listeners = this.spaceListeners
      this.spaceListeners = []
      for (const l of listeners) l()
    }
    return gone
  }
}
