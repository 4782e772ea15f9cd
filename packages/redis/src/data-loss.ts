/**
 * Whether entries of a range were removed (trimmed by MAXLEN / MINID / XTRIM, or deleted by
 * XDEL) before the query read them. Ids have gaps, so a missing entry cannot be seen from
 * ids alone; the checks, most exact first:
 *
 * 1. Positions of both ends known (positions.ts): the range held end − start entries when
 *    it was planned; fewer were read, so the difference was lost.
 * 2. The range's last entry, which existed when the range was planned, is gone.
 * 3. The newest XDEL'd id falls inside the range.
 * 4. Trimming went past the start: with the start's position, the stream's count of
 *    removed entries tells how many unread ones went; without it, loss is possible and is
 *    reported as such (as Spark's failOnDataLoss reports when "it is possible that data is lost").
 */
import { TributaryError } from '@tributary/core'
import { compareIds } from './stream-id.js'
import type { StreamState } from './stream-info.js'

export interface LossReport {
  readonly stream: string
  readonly start: string
  readonly end: string
  /** Entries known to be lost; at least this many. */
  readonly count: number
  readonly detail: string
}

export interface RangeFacts {
  readonly stream: string
  readonly start: string
  readonly end: string
  /** Ids read, ascending. */
  readonly read: readonly string[]
  readonly startPosition: number | undefined
  readonly endPosition: number | undefined
  /** The stream's state after the read; null when the key no longer exists. */
  readonly state: StreamState | null
}

export function findLoss(f: RangeFacts): LossReport | null {
  const { stream, start, end, read, state } = f
  if (compareIds(end, start) <= 0) return null
  const report = (count: number, detail: string): LossReport => ({ stream, start, end, count, detail })
  if (f.startPosition !== undefined && f.endPosition !== undefined) {
    const lost = f.endPosition - f.startPosition - read.length
    return lost > 0 ? report(lost, `${lost} entr${lost === 1 ? 'y was' : 'ies were'} removed`) : null
  }
  const endRead = read.length > 0 && read[read.length - 1] === end
  if (!endRead) {
    return report(
      1,
      state === null
        ? 'the stream was deleted'
        : `entry ${end}, the last of the range, was removed (and maybe others before it)`,
    )
  }
  if (state === null) return null
  const maxDeleted = state.maxDeletedId
  if (
    maxDeleted !== undefined &&
    compareIds(maxDeleted, start) > 0 &&
    compareIds(maxDeleted, end) <= 0 &&
    !read.includes(maxDeleted)
  ) {
    return report(1, `entry ${maxDeleted} was deleted (XDEL)`)
  }
  const first = state.firstId
  const trimmedPastStart = first === undefined || compareIds(first, start) > 0
  if (!trimmedPastStart) return null
  const holes =
    maxDeleted !== undefined &&
    maxDeleted !== '0-0' &&
    first !== undefined &&
    compareIds(maxDeleted, first) >= 0
  if (f.startPosition !== undefined && state.entriesAdded !== undefined && !holes) {
    // Removed after start = all removed − those up to start − those read and trimmed since.
    const readThenTrimmed =
      first === undefined ? read.length : read.filter((id) => compareIds(id, first) < 0).length
    const lost = state.entriesAdded - state.length - f.startPosition - readThenTrimmed
    return lost > 0 ? report(lost, `${lost} entr${lost === 1 ? 'y was' : 'ies were'} trimmed`) : null
  }
  return report(
    0,
    `the stream was trimmed past the query's offset (its first entry is now ${first ?? 'none'}), so entries after ${start} may have been removed; Tributary cannot tell how many`,
  )
}

export function dataLossError(r: LossReport): TributaryError {
  return new TributaryError(
    `REDIS_DATA_LOSS: stream '${r.stream}': ${r.detail} before the query read the batch's range (${r.start}, ${r.end}]. MAXLEN/MINID trimming, XTRIM or XDEL removed them. Keep more entries (a larger MAXLEN) or give the query more speed; to skip what is lost and go on, set option failOnDataLoss to false (lost entries are counted in the source's metrics).`,
    'REDIS_DATA_LOSS',
  )
}
