/**
 * Column pruning into the sources (Spark's ColumnPruning and FileSourceStrategy's
 * requiredSchema): which of each source's columns the plan above it reads. A source that
 * can read fewer columns (the file formats) builds only these; the others reach the plan
 * as nulls, where nothing reads them.
 *
 * The walk goes from the output down, carrying the names each node's parent needs. It is
 * conservative: whatever it cannot see through (a `*`, user functions over whole rows,
 * joins, positional unions, stateful functions) needs every column below it.
 */
import { type Expr, walkExpr } from '../expr/expr.js'
import { type LogicalPlan, walkPlan } from './logical-plan.js'

type SourceNode = Extract<LogicalPlan, { kind: 'source' }>

/** Names needed from a node's output; null: all of them. */
type Needed = ReadonlySet<string> | null

/**
 * For each source node of the plan, the names of its columns the plan reads; null where
 * every column may be read. A source read at several places gets the union.
 */
export function columnsReadBySource(plan: LogicalPlan): Map<SourceNode, ReadonlySet<string> | null> {
  const out = new Map<SourceNode, Set<string> | null>()
  const visit = (p: LogicalPlan, needed: Needed): void => {
    switch (p.kind) {
      case 'source': {
        const prev = out.get(p)
        if (prev === null) return
        if (needed === null) out.set(p, null)
        else if (prev === undefined) out.set(p, new Set(needed))
        else for (const n of needed) prev.add(n)
        return
      }
      case 'localRelation':
        return
      case 'project':
        visit(p.child, referenced(p.exprs, new Set()))
        return
      case 'filter':
        visit(p.child, needed === null ? null : referenced([p.condition], new Set(needed)))
        return
      case 'sort':
        visit(p.child, needed === null ? null : referenced(p.orders, new Set(needed)))
        return
      case 'aggregate':
        // The output is the keys and the aggregates: nothing else passes through.
        visit(p.child, referenced([...p.groupBy, ...p.aggregates], new Set()))
        return
      case 'watermark':
        visit(p.child, needed === null ? null : new Set([...needed, ...namesOf(p.column)]))
        return
      case 'distinct':
        visit(
          p.child,
          needed === null || p.columns === null
            ? null
            : new Set([...needed, ...p.columns.flatMap((c) => [...namesOf(c)])]),
        )
        return
      case 'limit':
      case 'hint':
        visit(p.child, needed)
        return
      case 'union':
        // By name, each child gives the names asked for; by position, names differ per child.
        for (const c of p.children) visit(c, p.byName ? needed : null)
        return
      default:
        // Row functions, aliases (a qualified name hides the column's own), joins and
        // stateful functions: every column below may be read.
        everything(p)
    }
  }
  const everything = (p: LogicalPlan): void =>
    walkPlan(p, (q) => {
      if (q.kind === 'source') out.set(q, null)
    })
  visit(plan, null)
  return out
}

const cache = new WeakMap<LogicalPlan, Map<SourceNode, ReadonlySet<string> | null>>()

/** The columns of `source` that `plan` reads, for SourceContext.requiredColumns; undefined: any. */
export function requiredColumnsOf(plan: LogicalPlan, source: LogicalPlan): readonly string[] | undefined {
  let bySource = cache.get(plan)
  if (!bySource) {
    bySource = columnsReadBySource(plan)
    cache.set(plan, bySource)
  }
  const names = source.kind === 'source' ? bySource.get(source) : null
  return names ? [...names] : undefined
}

/**
 * The column names a dotted path may stand for: a path resolves to its longest leading run
 * of segments that names a column (a name may hold dots), so every prefix may be it.
 */
function namesOf(path: string): Set<string> {
  const names = new Set<string>()
  const parts = path.split('.')
  for (let i = 1; i <= parts.length; i++) names.add(parts.slice(0, i).join('.'))
  return names
}

/** Adds the columns the expressions read to `into`; null when one of them reads `*`. */
function referenced(exprs: readonly Expr[], into: Set<string>): Needed {
  let star = false
  for (const e of exprs) {
    walkExpr(e, (x) => {
      if (x.kind === 'star') star = true
      else if (x.kind === 'column') for (const n of namesOf(x.path)) into.add(n)
    })
  }
  return star ? null : into
}
