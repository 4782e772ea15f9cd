/**
 * The actions of a stream test, as in Spark's StreamTest: data goes in, the clock moves,
 * the query stops and starts, and the sink's content is checked at each step.
 */
import type { ManualClock, MemoryStream, StreamingQuery, TriggerSpec } from '@tributary/core'

export type StreamAction =
  | { readonly kind: 'addData'; readonly stream: MemoryStream<unknown>; readonly rows: readonly unknown[] }
  | { readonly kind: 'checkAnswer'; readonly rows: readonly unknown[]; readonly ordered: boolean }
  | { readonly kind: 'checkNewAnswer'; readonly rows: readonly unknown[] }
  | { readonly kind: 'checkLastBatch'; readonly rows: readonly unknown[] }
  | { readonly kind: 'advanceClock'; readonly ms: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'start'; readonly trigger?: TriggerSpec; readonly clock?: ManualClock }
  | {
      readonly kind: 'assert'
      readonly check: (query: StreamingQuery) => boolean | undefined | Promise<boolean | undefined>
      readonly message: string
    }
  | { readonly kind: 'expectFailure'; readonly matches?: RegExp | (new (...args: never[]) => Error) }
  | {
      readonly kind: 'assertState'
      readonly field: 'numRowsTotal' | 'numRowsUpdated' | 'numRowsDroppedByWatermark'
      readonly expected: number
      readonly operator: number
    }

/** Adds rows to a MemoryStream as one offset. */
export function AddData<T>(stream: MemoryStream<T>, ...rows: T[]): StreamAction {
  return { kind: 'addData', stream: stream as MemoryStream<unknown>, rows }
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

/** Processes what is available, then checks the rows written since the previous check. */
export function CheckNewAnswer<T>(...rows: T[]): StreamAction {
  return { kind: 'checkNewAnswer', rows }
}

/** Processes what is available, then checks the rows of the last batch. */
export function CheckLastBatch<T>(...rows: T[]): StreamAction {
  return { kind: 'checkLastBatch', rows }
}

/** Moves the query's ManualClock forward (processing-time triggers, timeouts). */
export function AdvanceManualClock(ms: number): StreamAction {
  return { kind: 'advanceClock', ms }
}

export const StopStream: StreamAction = { kind: 'stop' }

/** Starts the query again on the same checkpoint, optionally with another trigger or clock. */
export function StartStream(options: { trigger?: TriggerSpec; clock?: ManualClock } = {}): StreamAction {
  return { kind: 'start', ...options }
}

/** Runs a check on the query; a false result or a thrown error fails the test with the message. */
export function AssertOnQuery(
  check: (query: StreamingQuery) => boolean | undefined | Promise<boolean | undefined>,
  message = 'AssertOnQuery failed',
): StreamAction {
  return { kind: 'assert', check, message }
}

/**
 * Processes what is available, then checks the state of a stateful operator (by its
 * position in the plan, 0 first) after the last batch: rows in state and, if given, rows
 * updated in that batch.
 */
export function AssertNumStateRows(total: number, updated?: number, operator = 0): StreamAction[] {
  const checks: StreamAction[] = [{ kind: 'assertState', field: 'numRowsTotal', expected: total, operator }]
  if (updated !== undefined)
    checks.push({ kind: 'assertState', field: 'numRowsUpdated', expected: updated, operator })
  return checks
}

/** Processes what is available, then checks how many rows the last batch dropped as late. */
export function AssertNumRowsDroppedByWatermark(dropped: number, operator = 0): StreamAction {
  return { kind: 'assertState', field: 'numRowsDroppedByWatermark', expected: dropped, operator }
}

/** Expects the query to fail, with an error matching the pattern or class. */
export function ExpectFailure(matches?: RegExp | (new (...args: never[]) => Error)): StreamAction {
  return { kind: 'expectFailure', matches }
}
