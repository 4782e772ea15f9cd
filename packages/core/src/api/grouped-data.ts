/** groupBy(...): aggregate with agg(...) or the shorthands count(), sum(), avg(), min(), max(). */
import { call, type Expr } from '../expr/expr.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import type { ColumnName, Simplify } from '../types/row-types.js'
import type { SelectedRow } from '../types/select-types.js'
import type { ColumnLike } from './column.js'
import { DataFrame } from './dataframe.js'
import type { Session } from './session.js'

export class GroupedData<R, K> {
  constructor(
    private readonly session: Session,
    private readonly plan: LogicalPlan,
    private readonly keys: readonly Expr[],
  ) {}

  /**
   * Aggregates per group: `agg(count().alias('n'), F.max('v'))`, or Spark's map form
   * `agg({ v: 'max', w: 'avg' })` (columns named like `max(v)`).
   */
  agg<const A extends readonly ColumnLike[]>(...aggs: A): DataFrame<Simplify<K & SelectedRow<R, A>>>
  agg(
    exprs: Readonly<Partial<Record<ColumnName<R>, string>>>,
  ): DataFrame<Simplify<K & Record<string, unknown>>>
  agg(...aggs: unknown[]): unknown {
    const first = aggs[0]
    const exprs: Expr[] =
      aggs.length === 1 && first !== null && typeof first === 'object' && !('expr' in first)
        ? Object.entries(first as Record<string, string>).map(([column, fn]) =>
            call(
              fn === 'mean' ? 'avg' : fn,
              fn === 'count' && column === '*' ? [] : [{ kind: 'column', path: column }],
            ),
          )
        : (aggs as ColumnLike[]).map((a) => a.expr)
    return new DataFrame<Simplify<K & Record<string, unknown>>>(this.session, {
      kind: 'aggregate',
      child: this.plan,
      groupBy: this.keys,
      aggregates: exprs,
    })
  }

  /** Rows per group, in a column `count`. */
  count(): DataFrame<Simplify<K & { count: number }>> {
    return this.shorthand('count', []) as never
  }

  sum<C extends ColumnName<R>>(...cols: C[]): DataFrame<Simplify<K & { [P in C as `sum(${P})`]: number }>> {
    return this.shorthand('sum', cols)
  }
  avg<C extends ColumnName<R>>(...cols: C[]): DataFrame<Simplify<K & { [P in C as `avg(${P})`]: number }>> {
    return this.shorthand('avg', cols)
  }
  min<C extends ColumnName<R>>(...cols: C[]): DataFrame<Simplify<K & { [P in C as `min(${P})`]: R[P] }>> {
    return this.shorthand('min', cols)
  }
  max<C extends ColumnName<R>>(...cols: C[]): DataFrame<Simplify<K & { [P in C as `max(${P})`]: R[P] }>> {
    return this.shorthand('max', cols)
  }

  private shorthand<T>(fn: string, cols: string[]): DataFrame<T> {
    const aggregates: Expr[] =
      fn === 'count'
        ? [{ kind: 'alias', child: call('count', []), name: 'count' }]
        : cols.map((c) => call(fn, [{ kind: 'column', path: c }]))
    return new DataFrame<T>(this.session, {
      kind: 'aggregate',
      child: this.plan,
      groupBy: this.keys,
      aggregates,
    })
  }
}
