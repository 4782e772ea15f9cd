/**
 * Turns a parsed query into the LogicalPlan nodes the DataFrame API builds, so that
 * `session.sql(...)` and the fluent form of a query are one plan: the same explain(), the
 * same analyzer checks, the same streaming rules. The rules that make the plans alike:
 * a lone `SELECT *` adds no projection; a view gets a SubqueryAlias only when it is aliased
 * or joined (as `df.alias(...)` would); `GROUP BY` builds one Aggregate node whose keys and
 * aggregates are the SELECT's, projecting afterwards only when the SELECT asks for another
 * order, other names or expressions over the groups.
 */

import { Column } from '../api/column.js'
import { joinPlan } from '../api/join.js'
import { type Expr, exprName, stripAlias } from '../expr/expr.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import { schemaOf } from '../plan/planner.js'
import { unknownColumn } from '../types/schema.js'
import { parseDuration } from '../util/duration.js'
import { AnalysisError } from '../util/errors.js'
import type { QueryAst, QueryBody, Relation, SelectAst } from './ast.js'
import { IN_SUBQUERY } from './expression-parser.js'
import { containsAggregate, isAggregateCall, rewriteExpr, sameExpr } from './rewrite.js'

/** Where FROM finds names: temporary views (and memory-sink tables), by name. */
export interface SqlCatalog {
  /** The plan of a view, or throws TABLE_NOT_FOUND naming the views that exist. */
  lookup(name: string): LogicalPlan
}

/** A relation visible in a query: its name (alias, or view name) and columns, for `name.column`. */
interface Visible {
  readonly name: string
  /**
   * Its columns as written → the column's name in the plan: the same name, except where a
   * join renamed columns both sides have to `name.column` (see renameShared).
   */
  readonly columns: ReadonlyMap<string, string>
  /** The plan node that names it, when it is one side of a join as it is (a SubqueryAlias). */
  readonly plan: LogicalPlan
}

interface Scope {
  readonly plan: LogicalPlan
  readonly visible: readonly Visible[]
}

const column = (path: string): Expr => ({ kind: 'column', path })
const alias = (child: Expr, name: string): Expr => ({ kind: 'alias', child, name })

export function queryToPlan(q: QueryAst, catalog: SqlCatalog): LogicalPlan {
  return new Translator(catalog, new Map()).query(q)
}

class Translator {
  constructor(
    private readonly catalog: SqlCatalog,
    /** WITH queries in scope, by lower-case name. */
    private readonly ctes: ReadonlyMap<string, LogicalPlan>,
  ) {}

  query(q: QueryAst): LogicalPlan {
    let t: Translator = this
    for (const cte of q.ctes) {
      const plan = t.query(cte.query)
      t = new Translator(this.catalog, new Map([...t.ctes, [cte.name.toLowerCase(), plan]]))
    }
    const { plan, scope } = t.body(q.body)
    let out = plan
    if (q.orderBy.length > 0) {
      const orders = q.orderBy.map((o) => (scope ? qualify(o, scope, null) : o))
      out = sortBy(out, orders)
    }
    if (q.limit !== null) out = { kind: 'limit', child: out, n: q.limit }
    return out
  }

  private body(b: QueryBody): { plan: LogicalPlan; scope: Scope | null } {
    switch (b.kind) {
      case 'nested':
        return { plan: this.query(b.query), scope: null }
      case 'union': {
        const union: LogicalPlan = {
          kind: 'union',
          children: [this.body(b.left).plan, this.body(b.right).plan],
          byName: false,
          allowMissingColumns: false,
        }
        return { plan: b.all ? union : { kind: 'distinct', child: union, columns: null }, scope: null }
      }
      case 'select':
        return this.select(b)
    }
  }

  private relation(r: Relation, inJoin: boolean, hints: ReadonlyMap<string, string> = new Map()): Scope {
    const hinted = (scope: Scope, name: string | null): Scope => {
      const hint = name === null ? undefined : hints.get(name.toLowerCase())
      if (hint === undefined) return scope
      // What df.hint(name) / F.broadcast(df) makes, on this side.
      const plan: LogicalPlan = { kind: 'hint', child: scope.plan, name: hint }
      return { plan, visible: scope.visible.map((v) => (v.plan === scope.plan ? { ...v, plan } : v)) }
    }
    switch (r.kind) {
      case 'table': {
        let plan = this.ctes.get(r.name.toLowerCase()) ?? this.catalog.lookup(r.name)
        if (r.watermark) plan = withWatermark(plan, r.watermark.column, r.watermark.delay)
        const name = r.alias ?? r.name
        if (r.alias !== null || inJoin) plan = { kind: 'subqueryAlias', child: plan, name }
        return hinted({ plan, visible: [{ name, columns: sameNames(plan), plan }] }, name)
      }
      case 'subquery': {
        let plan = this.query(r.query)
        if (r.alias === null) return { plan, visible: [] }
        plan = { kind: 'subqueryAlias', child: plan, name: r.alias }
        return hinted({ plan, visible: [{ name: r.alias, columns: sameNames(plan), plan }] }, r.alias)
      }
      case 'join': {
        const left = this.relation(r.left, true, hints)
        const right = this.relation(r.right, true, hints)
        const join = (l: Scope, rs: Scope): Scope => {
          const both: Scope = { plan: l.plan, visible: [...l.visible, ...rs.visible] }
          const on = r.using ? r.using : r.on ? new Column(qualify(r.on, both, [l.plan, rs.plan])) : undefined
          const plan = joinPlan(l.plan, rs.plan, on, r.how)
          schemaOf(plan)
          return { plan, visible: both.visible }
        }
        try {
          return join(left, right)
        } catch (e) {
          if (!(e instanceof AnalysisError) || e.code !== 'JOIN_DUPLICATE_COLUMNS') throw e
          // SQL lets both sides have a column of one name (t.ts, u.ts); the engine's rows
          // cannot, so such columns are renamed to `t.ts` and `u.ts` on their sides.
          const leftNames = new Set(schemaOf(left.plan).names)
          const shared = new Set(
            schemaOf(right.plan).names.filter((n) => leftNames.has(n) && !(r.using ?? []).includes(n)),
          )
          return join(renameShared(left, shared), renameShared(right, shared))
        }
      }
    }
  }

  private select(s: SelectAst): { plan: LogicalPlan; scope: Scope } {
    const hints = new Map<string, string>()
    for (const h of s.hints) for (const rel of h.relations) hints.set(rel.toLowerCase(), h.name)
    const from = this.relation(s.from, false, hints)
    const named = new Set(from.visible.map((v) => v.name.toLowerCase()))
    for (const h of s.hints) {
      const unknown = h.relations.find((rel) => !named.has(rel.toLowerCase()))
      if (unknown !== undefined) {
        throw unknownRelationInHint(
          unknown,
          from.visible.map((v) => v.name),
        )
      }
    }
    const scope = from
    let plan = from.plan
    if (s.where) {
      // `x IN (SELECT y ...)` among the ANDed conditions: a LEFT SEMI JOIN on x = y, as Spark plans it.
      const rest: Expr[] = []
      for (const c of conjuncts(s.where)) {
        if (c.kind === 'call' && c.name === IN_SUBQUERY)
          plan = this.semiJoin(plan, qualify(c.args[0], scope, null), c)
        else rest.push(c)
      }
      if (rest.length > 0) {
        // Without subqueries the condition stays the tree it was (BETWEEN's AND included).
        const kept = rest.length === conjuncts(s.where).length ? s.where : rest.reduce(and)
        const condition = qualify(kept, scope, null)
        if (containsAggregate(condition)) {
          throw new AnalysisError(
            `INVALID_WHERE_CONDITION: WHERE ${exprName(condition)} uses an aggregate function; filter aggregated rows with HAVING.`,
            'INVALID_WHERE_CONDITION',
          )
        }
        plan = { kind: 'filter', child: plan, condition }
      }
    }
    const whereRest = s.where
      ? conjuncts(s.where).filter((c) => !(c.kind === 'call' && c.name === IN_SUBQUERY))
      : []
    for (const e of [
      ...whereRest,
      ...s.items.flatMap((i) => (i.kind === 'expr' ? [i.expr] : [])),
      ...s.groupBy,
      ...(s.having ? [s.having] : []),
    ]) {
      rewriteExpr(e, (x) => {
        if (x.kind === 'call' && x.name === IN_SUBQUERY) {
          throw new AnalysisError(
            'UNSUPPORTED_SUBQUERY_EXPRESSION: IN (SELECT ...) is supported as a WHERE condition joined to the others by AND only.',
            'UNSUPPORTED_SUBQUERY_EXPRESSION',
          )
        }
        return undefined
      })
    }
    // Join columns renamed to `c.ts` (both sides had ts) keep the name SQL gives them (ts)
    // where that name is not taken by another item; otherwise they stay `c.ts`.
    const renamedColumns = new Set(
      scope.visible.flatMap((v) => [...v.columns].filter(([w, a]) => w !== a).map(([, a]) => a)),
    )
    const qualified = s.items.map((i) =>
      i.kind === 'expr' ? { ...i, expr: qualify(i.expr, scope, null) } : i,
    )
    const plainName = (i: (typeof qualified)[number]): string | null =>
      i.kind === 'expr' && i.alias === null && i.expr.kind === 'column' && renamedColumns.has(i.expr.path)
        ? i.expr.path.slice(i.expr.path.indexOf('.') + 1)
        : null
    const taken = qualified.map((i) =>
      i.kind === 'star' ? null : (i.alias ?? plainName(i) ?? exprName(i.expr)),
    )
    const items = qualified.map((i) => {
      const plain = plainName(i)
      if (i.kind !== 'expr' || plain === null || taken.filter((t) => t === plain).length > 1) return i
      return { ...i, alias: plain }
    })
    const aggregating =
      s.groupBy.length > 0 ||
      s.having !== null ||
      items.some((i) => i.kind === 'expr' && containsAggregate(i.expr))
    if (aggregating) plan = this.aggregate(s, items, scope, plan)
    else if (!(items.length === 1 && items[0].kind === 'star' && items[0].qualifier === null)) {
      plan = { kind: 'project', child: plan, exprs: items.flatMap((i) => selectExprs(i, scope)) }
    }
    if (s.distinct) plan = { kind: 'distinct', child: plan, columns: null }
    return { plan, scope: { plan, visible: scope.visible } }
  }

  /** plan LEFT SEMI JOIN (the subquery) ON value = its one column. */
  private semiJoin(plan: LogicalPlan, value: Expr, inSubquery: Extract<Expr, { kind: 'call' }>): LogicalPlan {
    const sub = this.query(inSubquery.options?.query as QueryAst)
    const columns = schemaOf(sub).names
    if (columns.length !== 1) {
      throw new AnalysisError(
        `INVALID_SUBQUERY_EXPRESSION: the subquery of IN (SELECT ...) must return one column, but returns ${columns.length} (${columns.join(', ')}).`,
        'INVALID_SUBQUERY_EXPRESSION',
      )
    }
    // Both sides named, so that a column both have is told apart in the condition.
    const outer = '__outer'
    const inner = '__in_subquery'
    const left = rewriteExpr(value, (x) =>
      x.kind === 'column' ? { kind: 'column', path: `${outer}.${x.path}` } : undefined,
    )
    const condition = new Column({
      kind: 'call',
      name: 'eq',
      args: [left, { kind: 'column', path: `${inner}.${columns[0]}` }],
    })
    return joinPlan(
      { kind: 'subqueryAlias', child: plan, name: outer },
      { kind: 'subqueryAlias', child: sub, name: inner },
      condition,
      'left_semi',
    )
  }

  private aggregate(
    s: SelectAst,
    items: readonly SelectAst['items'][number][],
    scope: Scope,
    child: LogicalPlan,
  ): LogicalPlan {
    const inputColumns = new Set(schemaOf(child).names)
    const exprItems = items.map((i) => {
      if (i.kind === 'star') {
        throw new AnalysisError(
          'MISSING_AGGREGATION: SELECT * cannot go with GROUP BY or aggregates: list the grouping columns and the aggregates.',
          'MISSING_AGGREGATION',
        )
      }
      return i
    })
    const groupBy = s.groupBy.map((g) => {
      const q = qualify(g, scope, null)
      // GROUP BY 1 (an ordinal) and GROUP BY alias, as Spark allows.
      if (q.kind === 'literal' && typeof q.value === 'number' && Number.isInteger(q.value)) {
        const item = exprItems[q.value - 1]
        if (!item) {
          throw new AnalysisError(
            `GROUP_BY_POS_OUT_OF_RANGE: GROUP BY ${q.value} refers to no select item (there are ${exprItems.length}).`,
            'GROUP_BY_POS_OUT_OF_RANGE',
          )
        }
        return item.alias ? alias(item.expr, item.alias) : item.expr
      }
      if (q.kind === 'column' && !inputColumns.has(q.path.split('.')[0])) {
        const item = exprItems.find((i) => i.alias === q.path)
        if (item) return alias(item.expr, q.path)
      }
      return q
    })
    for (const g of groupBy) {
      if (containsAggregate(g)) {
        throw new AnalysisError(
          `GROUP_BY_AGGREGATE: GROUP BY ${exprName(g)} contains an aggregate function; group by columns or expressions over them.`,
          'GROUP_BY_AGGREGATE',
        )
      }
    }
    // SELECT window(ts, '1 minute') AS w ... GROUP BY window(ts, '1 minute'): the key is named w
    // in the Aggregate itself, as groupBy(F.window(...).alias('w')) names it.
    const renamed = new Set<number>()
    for (const item of exprItems) {
      if (item.alias === null || containsAggregate(item.expr)) continue
      const i = groupBy.findIndex((g, j) => !renamed.has(j) && sameExpr(stripAlias(g), stripAlias(item.expr)))
      if (i < 0 || exprName(groupBy[i]) === item.alias) continue
      groupBy[i] = alias(groupBy[i], item.alias)
      renamed.add(i)
    }
    const keyNames = groupBy.map(exprName)
    /** e with every grouping expression in it replaced by the key column it becomes. */
    const overKeys = (e: Expr): Expr =>
      rewriteExpr(e, (x) => {
        if (isAggregateCall(x)) return x
        const inner = stripAlias(x)
        const i = groupBy.findIndex(
          (g) =>
            sameExpr(stripAlias(g), inner) ||
            (inner.kind === 'column' && inner.path === keyNames[groupBy.indexOf(g)]),
        )
        return i >= 0 ? column(keyNames[i]) : undefined
      })
    const aggregates: Expr[] = []
    const outputs: Expr[] = []
    for (const item of exprItems) {
      if (containsAggregate(item.expr)) {
        const a = item.alias ? alias(item.expr, item.alias) : item.expr
        aggregates.push(a)
        outputs.push(column(exprName(a)))
        continue
      }
      const rewritten = overKeys(item.expr)
      const stray: string[] = []
      rewriteExpr(rewritten, (x) => {
        if (x.kind === 'column' && !keyNames.includes(x.path)) stray.push(x.path)
        return undefined
      })
      if (stray.length > 0) {
        throw new AnalysisError(
          `MISSING_AGGREGATION: '${stray[0]}' in SELECT is neither in GROUP BY nor inside an aggregate function. Add it to GROUP BY, or aggregate it (first(${stray[0]}), max(${stray[0]}), ...).`,
          'MISSING_AGGREGATION',
        )
      }
      const name = item.alias ?? exprName(item.expr)
      outputs.push(
        rewritten.kind === 'column' && rewritten.path === name ? rewritten : alias(rewritten, name),
      )
    }
    const visibleAggregates = aggregates.length
    let having: Expr | null = null
    if (s.having) {
      having = rewriteExpr(qualify(s.having, scope, null), (x) => {
        if (!isAggregateCall(x)) return undefined
        const i = aggregates.findIndex((a) => sameExpr(stripAlias(a), x))
        if (i >= 0) return column(exprName(aggregates[i]))
        const name = `__having_${aggregates.length}`
        aggregates.push(alias(x, name))
        return column(name)
      })
      having = overKeys(having)
    }
    let plan: LogicalPlan = { kind: 'aggregate', child, groupBy, aggregates }
    if (having) plan = { kind: 'filter', child: plan, condition: having }
    const natural = [...keyNames, ...aggregates.slice(0, visibleAggregates).map(exprName)]
    const asIs =
      aggregates.length === visibleAggregates &&
      outputs.length === natural.length &&
      outputs.every((o, i) => o.kind === 'column' && o.path === natural[i])
    return asIs ? plan : { kind: 'project', child: plan, exprs: outputs }
  }
}

/**
 * ORDER BY over a SELECT's output; a column the SELECT reads but does not output (SELECT
 * name ... ORDER BY age) is carried through the projection for the sort and dropped after
 * it, as Spark does.
 */
function sortBy(plan: LogicalPlan, orders: readonly Expr[]): LogicalPlan {
  const sorted: LogicalPlan = { kind: 'sort', child: plan, orders }
  if (plan.kind !== 'project') return sorted
  const output = schemaOf(plan).names
  const input = new Set(schemaOf(plan.child).names)
  const missing = new Set<string>()
  for (const o of orders) {
    rewriteExpr(o, (x) => {
      if (x.kind === 'column' && !output.includes(x.path.split('.')[0]) && input.has(x.path.split('.')[0])) {
        missing.add(x.path.split('.')[0])
      }
      return undefined
    })
  }
  if (missing.size === 0) return sorted
  const widened: LogicalPlan = {
    kind: 'project',
    child: plan.child,
    exprs: [...plan.exprs, ...[...missing].map(column)],
  }
  return { kind: 'project', child: { kind: 'sort', child: widened, orders }, exprs: output.map(column) }
}

function unknownRelationInHint(name: string, relations: readonly string[]): AnalysisError {
  return new AnalysisError(
    `TABLE_NOT_FOUND: the hint names '${name}', which is not a relation of its SELECT (${relations.map((r) => `'${r}'`).join(', ') || 'none'}).`,
    'TABLE_NOT_FOUND',
  )
}

const and = (a: Expr, b: Expr): Expr => ({ kind: 'call', name: 'and', args: [a, b] })

/** The conditions ANDed at the top of e. */
function conjuncts(e: Expr): Expr[] {
  return e.kind === 'call' && e.name === 'and' ? [...conjuncts(e.args[0]), ...conjuncts(e.args[1])] : [e]
}

const sameNames = (plan: LogicalPlan): Map<string, string> => new Map(schemaOf(plan).names.map((n) => [n, n]))

/**
 * One side of a join with each of the `shared` columns renamed to `relation.column` (by
 * the visible relation that has it), below the side's alias so that the join condition
 * still finds it as `alias.column`.
 */
function renameShared(side: Scope, shared: ReadonlySet<string>): Scope {
  if (shared.size === 0) return side
  const owner = new Map<string, string>()
  const visible = side.visible.map((v) => {
    const columns = new Map(v.columns)
    for (const [written, actual] of v.columns) {
      if (!shared.has(actual) || owner.has(actual)) continue
      owner.set(actual, `${v.name}.${actual}`)
      columns.set(written, `${v.name}.${actual}`)
    }
    return { ...v, columns }
  })
  const project = (p: LogicalPlan): LogicalPlan => ({
    kind: 'project',
    child: p,
    exprs: schemaOf(p).names.map((n) => (owner.has(n) ? alias(column(n), owner.get(n)!) : column(n))),
  })
  const plan: LogicalPlan =
    side.plan.kind === 'subqueryAlias'
      ? { kind: 'subqueryAlias', child: project(side.plan.child), name: side.plan.name }
      : project(side.plan)
  return { plan, visible: visible.map((v) => (v.plan === side.plan ? { ...v, plan } : v)) }
}

/** What one SELECT item selects: `*`, the columns of `name.*`, or an expression (aliased). */
function selectExprs(item: SelectAst['items'][number], scope: Scope): Expr[] {
  if (item.kind === 'expr') return [item.alias ? alias(item.expr, item.alias) : item.expr]
  if (item.qualifier === null) return [{ kind: 'star' }]
  const v = findVisible(scope, item.qualifier)
  if (!v) {
    throw unknownColumn(
      `${item.qualifier}.*`,
      scope.visible.map((x) => `${x.name}.*`),
    )
  }
  const output = new Set(schemaOf(scope.plan).names)
  return [...v.columns].filter(([, actual]) => output.has(actual)).map(([, actual]) => column(actual))
}

const findVisible = (scope: Scope, name: string): Visible | undefined =>
  scope.visible.find((v) => v.name === name) ??
  scope.visible.find((v) => v.name.toLowerCase() === name.toLowerCase())

/**
 * Resolves `name.column` references: where `name` is a visible relation, the reference
 * becomes the plain column (the plans after FROM have one column per name), except in a
 * join condition, where it stays qualified when `name` is a side of that join, for the
 * join's analyzer to resolve (as `col('i.adId')` in the fluent form).
 */
function qualify(e: Expr, scope: Scope, joinSides: readonly LogicalPlan[] | null): Expr {
  if (scope.visible.length === 0) return e
  return rewriteExpr(e, (x) => {
    if (x.kind !== 'column') return undefined
    const dot = x.path.indexOf('.')
    if (dot < 0) return x
    const v = findVisible(scope, x.path.slice(0, dot))
    if (!v) return x
    const rest = x.path.slice(dot + 1)
    const top = rest.split('.')[0]
    const actual = v.columns.get(top)
    if (actual === undefined) {
      // `address.county` where a relation is also called address: a struct field, if that exists.
      if (v.columns.has(x.path.slice(0, dot))) return x
      throw unknownColumn(
        x.path,
        [...v.columns.keys()].map((c) => `${v.name}.${c}`),
      )
    }
    const path = actual === top ? rest : [actual, ...rest.split('.').slice(1)].join('.')
    if (joinSides?.includes(v.plan)) {
      return column(`${v.plan.kind === 'subqueryAlias' ? v.plan.name : v.name}.${path}`)
    }
    return column(path)
  })
}

/** The WATERMARK FOR extension: the watermark withWatermark(column, delay) puts on the relation. */
function withWatermark(plan: LogicalPlan, columnName: string, delay: Expr): LogicalPlan {
  if (delay.kind !== 'literal' || (typeof delay.value !== 'number' && typeof delay.value !== 'string')) {
    throw new AnalysisError(
      `INVALID_WATERMARK: WATERMARK FOR ${columnName} AS ${exprName(delay)}: the delay must be an interval such as INTERVAL '10' MINUTE.`,
      'INVALID_WATERMARK',
    )
  }
  let delayMs: number
  try {
    delayMs = parseDuration(delay.value)
  } catch (e) {
    throw new AnalysisError(
      `INVALID_WATERMARK: WATERMARK FOR ${columnName}: ${(e as Error).message}`,
      'INVALID_WATERMARK',
    )
  }
  return { kind: 'watermark', child: plan, column: columnName, delayMs }
}
