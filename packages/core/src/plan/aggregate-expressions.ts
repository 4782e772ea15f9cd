/**
 * agg() takes expressions over aggregates, as Spark does: `round(sum(x) / count(), 2)`.
 * The aggregate calls are computed into hidden columns, and a projection after the
 * aggregation evaluates the rest of each expression over them.
 */
import { type Expr, exprName, stripAlias } from '../expr/expr.js'
import { lookupFunction } from '../expr/registry.js'
import { AnalysisError } from '../util/errors.js'

const isAggregateCall = (e: Expr): boolean => e.kind === 'call' && lookupFunction(e.name).kind === 'aggregate'

/** Rebuilds e bottom-up with f applied to each node (f sees already-rewritten children). */
function mapExpr(e: Expr, f: (e: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'alias':
      return f({ ...e, child: mapExpr(e.child, f) })
    case 'cast':
    case 'sortOrder':
      return f({ ...e, child: mapExpr(e.child, f) })
    case 'call':
      return isAggregateCall(e) ? f(e) : f({ ...e, args: e.args.map((a) => mapExpr(a, f)) })
    case 'udf':
      return f({ ...e, args: e.args.map((a) => mapExpr(a, f)) })
    case 'case':
      return f({
        ...e,
        branches: e.branches.map((b) => ({ when: mapExpr(b.when, f), result: mapExpr(b.result, f) })),
        otherwise: e.otherwise ? mapExpr(e.otherwise, f) : null,
      })
    default:
      return f(e)
  }
}

export interface SplitAggregates {
  /** Bare aggregate calls, each named; hidden ones are named `__agg_<i>`. */
  readonly aggregates: Expr[]
  /** The expressions to evaluate after the aggregation, or null when every aggregate is bare. */
  readonly finals: Expr[] | null
}

export function splitAggregateExpressions(aggs: readonly Expr[]): SplitAggregates {
  if (aggs.every((a) => isAggregateCall(stripAlias(a)))) return { aggregates: [...aggs], finals: null }
  const aggregates: Expr[] = []
  const finals: Expr[] = []
  for (const a of aggs) {
    const inner = stripAlias(a)
    if (isAggregateCall(inner)) {
      aggregates.push(a)
      finals.push({ kind: 'column', path: exprName(a) })
      continue
    }
    let found = false
    const rewritten = mapExpr(inner, (e) => {
      if (!isAggregateCall(e)) return e
      found = true
      const name = `__agg_${aggregates.length}`
      aggregates.push({ kind: 'alias', child: e, name })
      return { kind: 'column', path: name }
    })
    if (!found) {
      throw new AnalysisError(
        `NOT_AN_AGGREGATE: agg() takes aggregate functions such as count, sum, avg, min, max, or expressions over them; '${exprName(a)}' contains none. Compute it in a select() after the aggregation.`,
        'NOT_AN_AGGREGATE',
      )
    }
    finals.push({ kind: 'alias', child: rewritten, name: exprName(a) })
  }
  return { aggregates, finals }
}
