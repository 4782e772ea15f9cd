/**
 * The typed side of DataFrame.join: the `how` names Spark accepts, the row type a join
 * produces, and the plan node it builds. Type-level code is kept to one mapping per call
 * (see types/select-types.ts) so that editors stay fast.
 */
import type { Expr } from '../expr/expr.js'
import { parseJoinType } from '../plan/join-type.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import type { Simplify } from '../types/row-types.js'
import { AnalysisError } from '../util/errors.js'
import type { ColumnLike } from './column.js'

type FullOuter = 'full' | 'full_outer' | 'fullouter' | 'outer'
type LeftOuter = 'left' | 'left_outer' | 'leftouter'
type RightOuter = 'right' | 'right_outer' | 'rightouter'
type LeftOnly = 'left_semi' | 'leftsemi' | 'semi' | 'left_anti' | 'leftanti' | 'anti'

/** The `how` of join(), with Spark's names. */
export type JoinHow = 'inner' | 'cross' | LeftOuter | RightOuter | FullOuter | LeftOnly

type OrNull<T> = { [K in keyof T]: T[K] | null }

/**
 * The row of `left.join(right, on, how)`: the using-keys K once, the other columns of both
 * sides, and `| null` on the columns of a side an outer join can leave empty. Semi and anti
 * joins give the left's rows.
 */
export type JoinedRow<L, R, K extends PropertyKey, H extends JoinHow> = [H] extends [LeftOnly]
  ? L
  : Simplify<
      Pick<L, Extract<K, keyof L>> &
        ([H] extends [RightOuter | FullOuter] ? OrNull<Omit<L, K>> : Omit<L, K>) &
        ([H] extends [LeftOuter | FullOuter] ? OrNull<Omit<R, K>> : Omit<R, K>)
    >

/** What join()'s `on` may be at run time: names, or a condition (several conditions are ANDed, as in PySpark). */
export type JoinOn = string | readonly string[] | ColumnLike | readonly ColumnLike[] | undefined

export function joinPlan(left: LogicalPlan, right: LogicalPlan, on: JoinOn, how: string): LogicalPlan {
  const joinType = parseJoinType(how)
  const node = (using: readonly string[] | null, condition: Expr | null): LogicalPlan => ({
    kind: 'join',
    left,
    right,
    joinType,
    using,
    condition,
  })
  if (on === undefined) return node(null, null)
  if (typeof on === 'string') return node([on], null)
  if (!Array.isArray(on)) return node(null, (on as ColumnLike).expr)
  if (on.length === 0) return node(null, null)
  if (on.every((x) => typeof x === 'string')) return node(on as readonly string[], null)
  if (on.every((x) => typeof x === 'object' && x !== null && 'expr' in x)) {
    const conditions = (on as readonly ColumnLike[]).map((c) => c.expr)
    return node(
      null,
      conditions.reduce((a, b) => ({ kind: 'call', name: 'and', args: [a, b] })),
    )
  }
  throw new AnalysisError(
    'INVALID_JOIN_CONDITION: join(other, on) takes a column name, an array of names, or boolean column conditions, not a mix.',
    'INVALID_JOIN_CONDITION',
  )
}
