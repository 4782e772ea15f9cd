/**
 * Spark's set operations on batch DataFrames: except (EXCEPT DISTINCT), exceptAll (EXCEPT
 * ALL), intersect (INTERSECT DISTINCT) and intersectAll (INTERSECT ALL). Rows compare by
 * all columns, by position, nulls equal to nulls (as SQL set operations do). Built from a
 * union and a grouping that counts each distinct row on each side, so they reuse the
 * hashing and type checks of union and groupBy. On streams they are refused, as Spark
 * refuses intersect of streams and except with a stream on the right.
 */
import { AnalysisError } from '../util/errors.js'
import type { DataFrame } from './dataframe.js'
import { col, lit, sum } from './functions.js'

const LEFT = '__tributary_set_left'
const RIGHT = '__tributary_set_right'

type Counts = { readonly [LEFT]: number; readonly [RIGHT]: number }

/** Each distinct row of either side with how often it occurs on the left and on the right. */
function counted<R>(left: DataFrame<R>, right: DataFrame<R>, op: string): DataFrame<R & Counts> {
  if (left.isStreaming || right.isStreaming) {
    throw new AnalysisError(
      `STREAMING_SET_OPERATION_NOT_SUPPORTED: ${op}() of streaming DataFrames is not supported: its answer would change with every row either stream may still send. Use a join with a watermark, or run ${op}() on each batch inside foreachBatch.`,
      'STREAMING_SET_OPERATION_NOT_SUPPORTED',
    )
  }
  const names = left.columns
  // Row types are dynamic here (the columns of R plus two counts): typed again on the way out.
  type Loose = DataFrame<Record<string, unknown>>
  const tag = (df: DataFrame<R>, l: number, r: number): Loose =>
    (df as unknown as Loose).select(
      ...df.columns.map((n) => col(n)),
      lit(l).alias(LEFT),
      lit(r).alias(RIGHT),
    ) as unknown as Loose
  const both = tag(left, 1, 0).union(tag(right, 0, 1))
  return both
    .groupBy(...names.map((n) => col(n)))
    .agg(sum(LEFT).alias(LEFT), sum(RIGHT).alias(RIGHT)) as unknown as DataFrame<R & Counts>
}

/** The rows of a counted DataFrame, each repeated `times(left, right)` times, in the left's schema. */
function repeated<R>(
  left: DataFrame<R>,
  rows: DataFrame<R & Counts>,
  times: (l: number, r: number) => number,
): DataFrame<R> {
  const names = left.columns
  return rows.flatMap((row) => {
    const n = times(Number(row[LEFT]), Number(row[RIGHT]))
    const out = {} as Record<string, unknown>
    for (const name of names) out[name] = (row as Record<string, unknown>)[name]
    return Array.from({ length: Math.max(0, n) }, () => out as R)
  }, left.schema)
}

/** Distinct rows of `left` that are not in `right` (Spark's except / SQL EXCEPT DISTINCT). */
export function except<R>(left: DataFrame<R>, right: DataFrame<R>): DataFrame<R> {
  return repeated(left, counted(left, right, 'except'), (l, r) => (l > 0 && r === 0 ? 1 : 0))
}

/** Rows of `left` not in `right`, duplicates kept: each as often as it occurs more on the left (EXCEPT ALL). */
export function exceptAll<R>(left: DataFrame<R>, right: DataFrame<R>): DataFrame<R> {
  return repeated(left, counted(left, right, 'exceptAll'), (l, r) => l - r)
}

/** Distinct rows in both (Spark's intersect / SQL INTERSECT DISTINCT). */
export function intersect<R>(left: DataFrame<R>, right: DataFrame<R>): DataFrame<R> {
  return repeated(left, counted(left, right, 'intersect'), (l, r) => (l > 0 && r > 0 ? 1 : 0))
}

/** Rows in both, duplicates kept: each as often as it occurs on the side with fewer (INTERSECT ALL). */
export function intersectAll<R>(left: DataFrame<R>, right: DataFrame<R>): DataFrame<R> {
  return repeated(left, counted(left, right, 'intersectAll'), (l, r) => Math.min(l, r))
}
