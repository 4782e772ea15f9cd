/**
 * GroupState: what a mapGroupsWithState / flatMapGroupsWithState function sees of its
 * key's state — Spark's GroupState, with the same rules: update or remove the value, set
 * a processing-time timeout as a duration or an event-time timeout as a timestamp, and
 * learn whether this call is a timeout.
 */
import { parseDuration } from '../util/duration.js'
import { TributaryError } from '../util/errors.js'

export type GroupStateTimeout = 'NoTimeout' | 'ProcessingTimeTimeout' | 'EventTimeTimeout'

/** No timeout set. */
export const NO_TIMESTAMP = -1

export interface GroupState<S> {
  /** Whether the key has a value. */
  readonly exists: boolean
  /** The value; throws when there is none (use getOption). */
  get(): S
  getOption(): S | undefined
  update(value: S): void
  remove(): void
  /** True when this call is because the key's timeout fired (then there are no new rows). */
  readonly hasTimedOut: boolean
  /** ProcessingTimeTimeout: fire when no data came for the key for this long (from this batch's time). */
  setTimeoutDuration(duration: number | string): void
  /** EventTimeTimeout: fire once the watermark passes this time (optionally plus a duration). */
  setTimeoutTimestamp(timestamp: number | Date, additional?: number | string): void
  getCurrentWatermarkMs(): number
  getCurrentProcessingTimeMs(): number
}

export class GroupStateError extends TributaryError {}

export class GroupStateImpl<S> implements GroupState<S> {
  private value: S | undefined
  private defined: boolean
  private removed = false
  private updated = false
  timeoutTimestamp: number
  /** The timeout as stored before this call, to tell whether it changed. */
  private readonly storedTimeout: number

  constructor(
    initial: { value: S; timeout: number } | undefined,
    readonly hasTimedOut: boolean,
    private readonly timeoutConf: GroupStateTimeout,
    private readonly batchTimestampMs: number,
    private readonly watermarkMs: number,
    private readonly watermarkPresent: boolean,
  ) {
    this.defined = initial !== undefined
    this.value = initial?.value
    this.storedTimeout = initial?.timeout ?? NO_TIMESTAMP
    // As in Spark, each call starts without a timeout: a call (with rows or on timeout)
    // that sets none clears the one stored, so it never fires later.
    this.timeoutTimestamp = NO_TIMESTAMP
  }

  get exists(): boolean {
    return this.defined
  }
  get(): S {
    if (!this.defined) {
      throw new GroupStateError(
        'GroupState.get(): the key has no state. Check state.exists or use state.getOption() first.',
        'GROUP_STATE_EMPTY',
      )
    }
    return this.value as S
  }
  getOption(): S | undefined {
    return this.defined ? this.value : undefined
  }
  update(value: S): void {
    if (value === undefined || value === null) {
      throw new GroupStateError(
        'GroupState.update(): the value cannot be null or undefined; use remove().',
        'GROUP_STATE_NULL',
      )
    }
    this.value = value
    this.defined = true
    this.updated = true
    this.removed = false
  }
  remove(): void {
    this.value = undefined
    this.defined = false
    this.removed = true
    this.updated = false
    this.timeoutTimestamp = NO_TIMESTAMP
  }
  setTimeoutDuration(duration: number | string): void {
    if (this.timeoutConf !== 'ProcessingTimeTimeout') {
      throw new GroupStateError(
        `setTimeoutDuration() needs GroupStateTimeout 'ProcessingTimeTimeout' (this query uses '${this.timeoutConf}').`,
        'GROUP_STATE_TIMEOUT_CONF',
      )
    }
    const ms = parseDuration(duration)
    if (ms <= 0)
      throw new GroupStateError('setTimeoutDuration(): the duration must be positive.', 'GROUP_STATE_TIMEOUT')
    this.timeoutTimestamp = this.batchTimestampMs + ms
  }
  setTimeoutTimestamp(timestamp: number | Date, additional?: number | string): void {
    if (this.timeoutConf !== 'EventTimeTimeout') {
      throw new GroupStateError(
        `setTimeoutTimestamp() needs GroupStateTimeout 'EventTimeTimeout' (this query uses '${this.timeoutConf}').`,
        'GROUP_STATE_TIMEOUT_CONF',
      )
    }
    const t =
      (typeof timestamp === 'number' ? timestamp : timestamp.getTime()) +
      (additional ? parseDuration(additional) : 0)
    if (this.watermarkPresent && t < this.watermarkMs) {
      throw new GroupStateError(
        `setTimeoutTimestamp(${new Date(t).toISOString()}) is before the current watermark ${new Date(this.watermarkMs).toISOString()}: it would never fire in order. Set a later time.`,
        'GROUP_STATE_TIMEOUT',
      )
    }
    this.timeoutTimestamp = t
  }
  getCurrentWatermarkMs(): number {
    if (!this.watermarkPresent) {
      throw new GroupStateError(
        'getCurrentWatermarkMs() needs a watermark: add withWatermark(...) to the query.',
        'GROUP_STATE_NO_WATERMARK',
      )
    }
    return this.watermarkMs
  }
  getCurrentProcessingTimeMs(): number {
    return this.batchTimestampMs
  }

  /** What to store after the call: the value and timeout, 'remove', or 'keep' (untouched). */
  outcome():
    | { kind: 'put'; value: S; timeout: number }
    | { kind: 'remove' }
    | { kind: 'keep'; timeout: number } {
    if (this.removed) return { kind: 'remove' }
    if (this.defined && (this.updated || this.timeoutTimestamp !== this.storedTimeout)) {
      return { kind: 'put', value: this.value as S, timeout: this.timeoutTimestamp }
    }
    return { kind: 'keep', timeout: this.timeoutTimestamp }
  }
}
