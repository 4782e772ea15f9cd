/**
 * The actions of a stream test, as in Spark's StreamTest: data goes in, the clock moves,
 * the query stops and starts, and the sink's content is checked at each step.
 */
import type { ManualClock, MemoryStream, StreamingQuery, TriggerSpec } from '@tributary/core'

/** What a StartStream may change for the run it starts (Spark's StartStream arguments). */
export interface StartOptions {
  readonly trigger?: TriggerSpec
  readonly clock?: ManualClock
  /** Another checkpoint folder for this run and the ones after it (yours to create and remove). */
  readonly checkpointLocation?: string
  /** Session settings in force while this run lasts (Spark's additionalConfs), restored when it stops. */
  readonly conf?: Readonly<Record<string, string | number | boolean>>
}

/** What a BetweenRuns step can see and change while the query is stopped. */
export interface BetweenRunsContext {
  /** The checkpoint folder the next StartStream uses. */
  readonly checkpointLocation: string
  /** Forgets what the sink received (Spark's test sinks cleared between runs). */
  clearSink(): void
  /** The batches the sink received, by batch id. */
  readonly sinkBatches: ReadonlyMap<number, readonly unknown[]>
}

/** A check of the state operators' metrics over the batches since the previous state check. */
export interface StateCheck {
  readonly kind: 'assertState'
  /** Rows in state after the last batch, per operator, sink first; null: not checked. */
  readonly total: readonly number[] | null
  /** Rows updated, summed over the batches since the previous state check. */
  readonly updated: readonly number[] | null
  /** Rows dropped as late, summed over the batches since the previous state check. */
  readonly droppedByWatermark: readonly number[] | null
  /** Check only this operator (sink first); null: every operator, the arrays one entry each. */
  readonly operator: number | null
}

export type StreamAction =
  | { readonly kind: 'addData'; readonly stream: MemoryStream<unknown>; readonly rows: readonly unknown[] }
  | {
      readonly kind: 'multiAddData'
      readonly parts: readonly { readonly stream: MemoryStream<unknown>; readonly rows: readonly unknown[] }[]
    }
  | { readonly kind: 'checkAnswer'; readonly rows: readonly unknown[]; readonly ordered: boolean }
  | { readonly kind: 'checkNewAnswer'; readonly rows: readonly unknown[] }
  | { readonly kind: 'checkLastBatch'; readonly rows: readonly unknown[] }
  | { readonly kind: 'advanceClock'; readonly ms: number }
  | { readonly kind: 'stop' }
  | ({ readonly kind: 'start' } & StartOptions)
  | {
      readonly kind: 'assert'
      readonly check: (query: StreamingQuery) => boolean | undefined | Promise<boolean | undefined>
      readonly message: string
    }
  | {
      readonly kind: 'betweenRuns'
      readonly change: (ctx: BetweenRunsContext) => void | Promise<void>
    }
  | { readonly kind: 'expectFailure'; readonly matches?: RegExp | (new (...args: never[]) => Error) }
  | StateCheck

/** Adds rows to a MemoryStream as one offset. */
export function AddData<T>(stream: MemoryStream<T>, ...rows: T[]): StreamAction {
  return { kind: 'addData', stream: stream as MemoryStream<unknown>, rows }
}

/**
 * Adds rows to several MemoryStreams in one step (Spark's MultiAddData), each part written
 * as an AddData: `MultiAddData(AddData(clicks, c1), AddData(views, v1, v2))`. The query
 * sees the parts together: no batch can start between them.
 */
export function MultiAddData(...parts: StreamAction[]): StreamAction {
  return {
    kind: 'multiAddData',
    parts: parts.map((p) => {
      if (p.kind !== 'addData') throw new TypeError(`MultiAddData takes AddData(...) parts, not ${p.kind}`)
      return { stream: p.stream, rows: p.rows }
    }),
  }
}

/**
 * Processes what is available, then checks the whole result: every row written so far
 * (append, update) or the latest batch (complete). Order does not matter unless `ordered`.
 */
export function CheckAnswer<T>(...rows: T[]): StreamAction {
  return { kind: 'checkAnswer', rows, ordered: false }
}

/** As CheckAnswer, in order. */
export function CheckAnswerInOrder<T>(...rows: T[]): StreamAction {
  return { kind: 'checkAnswer', rows, ordered: true }
}

/**
 * Processes what is available, then checks the rows written since the previous check; in
 * complete mode, the newest batch (the whole result) if a batch ran since then.
 */
export function CheckNewAnswer<T>(...rows: T[]): StreamAction {
  return { kind: 'checkNewAnswer', rows }
}

/** Processes what is available, then checks the rows of the last batch. */
export function CheckLastBatch<T>(...rows: T[]): StreamAction {
  return { kind: 'checkLastBatch', rows }
}

/**
 * Moves the query's ManualClock forward (processing-time triggers, timeouts), once the
 * query waits on the clock: advancing earlier could slip past a trigger or timeout.
 */
export function AdvanceManualClock(ms: number): StreamAction {
  return { kind: 'advanceClock', ms }
}

export const StopStream: StreamAction = { kind: 'stop' }

/**
 * Starts the query again, on the same checkpoint unless `checkpointLocation` names
 * another, optionally with another trigger, clock or session settings.
 */
export function StartStream(options: StartOptions = {}): StreamAction {
  return { kind: 'start', ...options }
}

/**
 * Changes things while the query is stopped (after StopStream or ExpectFailure, before
 * StartStream): delete a commit, damage a file, clear the sink, to write recovery cases.
 */
export function BetweenRuns(change: (ctx: BetweenRunsContext) => void | Promise<void>): StreamAction {
  return { kind: 'betweenRuns', change }
}

/** Runs a check on the query; a false result or a thrown error fails the test with the message. */
export function AssertOnQuery(
  check: (query: StreamingQuery) => boolean | undefined | Promise<boolean | undefined>,
  message = 'AssertOnQuery failed',
): StreamAction {
  return { kind: 'assert', check, message }
}

const asList = (v: number | readonly number[] | undefined): readonly number[] | null =>
  v === undefined ? null : typeof v === 'number' ? [v] : v

/**
 * Processes what is available, then checks the state operators as Spark's
 * StateStoreMetricsTest does: `total` rows in state after the last batch, `updated` rows
 * summed over every batch since the previous state check (batches without data included).
 * Numbers check one operator (`operator`, 0 = nearest the sink, as Spark lists them);
 * arrays check every operator, sink first.
 */
export function AssertNumStateRows(
  total: number | readonly number[],
  updated?: number | readonly number[],
  operator = 0,
): StreamAction {
  const whole = typeof total !== 'number'
  return {
    kind: 'assertState',
    total: asList(total),
    updated: asList(updated),
    droppedByWatermark: null,
    operator: whole ? null : operator,
  }
}

/**
 * Processes what is available, then checks how many rows stateful operators dropped as
 * late, summed over the batches since the previous state check: the batch that had the
 * late input counts even when a batch without data ran after it.
 */
export function AssertNumRowsDroppedByWatermark(
  dropped: number | readonly number[],
  operator = 0,
): StreamAction {
  return {
    kind: 'assertState',
    total: null,
    updated: null,
    droppedByWatermark: asList(dropped),
    operator: typeof dropped === 'number' ? operator : null,
  }
}

/** Expects the query to fail, with an error matching the pattern or class. */
export function ExpectFailure(matches?: RegExp | (new (...args: never[]) => Error)): StreamAction {
  return { kind: 'expectFailure', matches }
}
