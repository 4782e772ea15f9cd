/**
 * Which sequences of a range were lost: stored once, but removed (by retention limits,
 * a purge or a delete) before the query read them. A sequence that was read is never
 * lost; one that was not read is lost when the stream no longer holds it: below its first
 * sequence, in its list of deleted sequences, or above its last (the stream was recreated).
 *
 * With a subject filter the stream cannot say which subject a removed message had, so a
 * removed message of another subject counts as lost too: the check errs on the side of
 * reporting, as Spark's failOnDataLoss does ("when it is possible that data is lost").
 */
import type { StreamState } from '@nats-io/jetstream'
import { TributaryError } from '@tributary/core'

/** Inclusive ranges of sequences, ascending. */
export type SequenceRanges = readonly (readonly [number, number])[]

export function countOf(ranges: SequenceRanges): number {
  let n = 0
  for (const [a, b] of ranges) n += b - a + 1
  return n
}

/** `3–7, 12, 20–21`, cut short after `max` ranges. */
export function describeRanges(ranges: SequenceRanges, max = 10): string {
  const shown = ranges.slice(0, max).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`))
  return ranges.length > max
    ? `${shown.join(', ')}, … (${ranges.length - max} more ranges)`
    : shown.join(', ')
}

/** Sequences of (start, end] not in `read` (ascending), as ranges. */
export function unread(start: number, end: number, read: readonly number[]): [number, number][] {
  const out: [number, number][] = []
  let next = start + 1
  for (const s of read) {
    if (s > end) break
    if (s > next) out.push([next, s - 1])
    if (s >= next) next = s + 1
  }
  if (next <= end) out.push([next, end])
  return out
}

/** The unread sequences the stream no longer holds. `state.deleted` must be filled when num_deleted > 0. */
export function lostSequences(
  start: number,
  end: number,
  read: readonly number[],
  state: Pick<StreamState, 'first_seq' | 'last_seq' | 'deleted'>,
): [number, number][] {
  const deleted = [...(state.deleted ?? [])].sort((x, y) => x - y)
  const lost: [number, number][] = []
  const push = (a: number, b: number) => {
    const last = lost[lost.length - 1]
    if (last && last[1] + 1 >= a) last[1] = Math.max(last[1], b)
    else lost.push([a, b])
  }
  let d = 0
  for (const [a, b] of unread(start, end, read)) {
    // Below the first sequence: removed from the head (limits, purge).
    if (a < state.first_seq) push(a, Math.min(b, state.first_seq - 1))
    // Inside the stream: removed one by one (per-subject limits, deletes). Both lists ascend.
    while (d < deleted.length && deleted[d] < a) d++
    for (; d < deleted.length && deleted[d] <= b; d++) push(deleted[d], deleted[d])
    // Past the last sequence: the stream was recreated and numbers again from 1.
    if (b > state.last_seq) push(Math.max(a, state.last_seq + 1), b)
  }
  return lost
}

export function dataLossError(
  stream: string,
  start: number,
  end: number,
  lost: SequenceRanges,
): TributaryError {
  return new TributaryError(
    `NATS_DATA_LOSS: ${countOf(lost)} message(s) of stream '${stream}' in the batch's range ${start + 1}–${end} were removed before the query read them: sequences ${describeRanges(lost)}. The stream's retention (max_age, max_msgs, max_bytes, max_msgs_per_subject), a purge or a delete removed them. Give the stream more retention or the query more speed; to skip lost messages and go on, set option failOnDataLoss to false (they are counted in the source's metrics).`,
    'NATS_DATA_LOSS',
  )
}
