/**
 * Logical plan nodes: immutable, tagged by `kind`. The DataFrame API builds them; the
 * analyzer resolves them against schemas; the planner turns them into operators.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { GroupStateTimeout } from '../exec/group-state.js'
import type { Expr } from '../expr/expr.js'
import type { SourceSpec } from '../sources/source.js'
import type { Schema } from '../types/schema.js'
import type { JoinType } from './join-type.js'

export type LogicalPlan =
  | {
      readonly kind: 'source'
      /** Position among the query's sources: names its checkpoint folder and offset slot. */
      readonly spec: SourceSpec
      readonly schema: Schema<unknown>
      readonly streaming: boolean
    }
  | { readonly kind: 'localRelation'; readonly batch: ColumnarBatch<unknown> }
  | { readonly kind: 'project'; readonly child: LogicalPlan; readonly exprs: readonly Expr[] }
  | { readonly kind: 'filter'; readonly child: LogicalPlan; readonly condition: Expr }
  | {
      readonly kind: 'rowFilter'
      readonly child: LogicalPlan
      readonly predicate: (row: never) => boolean
    }
  | {
      readonly kind: 'mapRows'
      readonly child: LogicalPlan
      readonly fn: (row: never) => unknown
      readonly flat: boolean
      readonly schema: Schema<unknown>
    }
  | {
      readonly kind: 'union'
      readonly children: readonly LogicalPlan[]
      readonly byName: boolean
      readonly allowMissingColumns: boolean
    }
  | {
      readonly kind: 'aggregate'
      readonly child: LogicalPlan
      readonly groupBy: readonly Expr[]
      readonly aggregates: readonly Expr[]
    }
  | { readonly kind: 'sort'; readonly child: LogicalPlan; readonly orders: readonly Expr[] }
  | { readonly kind: 'limit'; readonly child: LogicalPlan; readonly n: number }
  | {
      readonly kind: 'distinct'
      readonly child: LogicalPlan
      readonly columns: readonly string[] | null
      /** dropDuplicatesWithinWatermark: keep a key only until its event time plus the watermark delay. */
      readonly withinWatermark?: boolean
    }
  | {
      readonly kind: 'watermark'
      readonly child: LogicalPlan
      readonly column: string
      readonly delayMs: number
    }
  | {
      readonly kind: 'groupsWithState'
      readonly child: LogicalPlan
      readonly keyFn: (row: never) => unknown
      readonly fn: (key: never, rows: never[], state: never) => unknown
      readonly flat: boolean
      /** The output mode the function's results are for: map is always update. */
      readonly functionOutputMode: 'append' | 'update'
      readonly timeout: GroupStateTimeout
      readonly schema: Schema<unknown>
    }
  | {
      readonly kind: 'join'
      readonly left: LogicalPlan
      readonly right: LogicalPlan
      readonly joinType: JoinType
      /** join(other, ['k']): names both sides share, kept once in the output; null with a condition. */
      readonly using: readonly string[] | null
      readonly condition: Expr | null
    }
  /** df.alias('name'): lets a join condition say `col('name.x')` for this side's x. */
  | { readonly kind: 'subqueryAlias'; readonly child: LogicalPlan; readonly name: string }
  /** df.hint('broadcast') / broadcast(df): shown by explain, no effect on results. */
  | { readonly kind: 'hint'; readonly child: LogicalPlan; readonly name: string }

export type PlanKind = LogicalPlan['kind']

export function children(plan: LogicalPlan): readonly LogicalPlan[] {
  switch (plan.kind) {
    case 'source':
    case 'localRelation':
      return []
    case 'union':
      return plan.children
    case 'join':
      return [plan.left, plan.right]
    default:
      return [plan.child]
  }
}

/** Calls visit on every node, children first. */
export function walkPlan(plan: LogicalPlan, visit: (p: LogicalPlan) => void): void {
  for (const c of children(plan)) walkPlan(c, visit)
  visit(plan)
}

export function isStreamingPlan(plan: LogicalPlan): boolean {
  let streaming = false
  walkPlan(plan, (p) => {
    if (p.kind === 'source' && p.streaming) streaming = true
  })
  return streaming
}

/** Each source of a plan once, in plan order: the index is its checkpoint slot (`sources/<i>`). */
export function uniqueSources(plan: LogicalPlan): Extract<LogicalPlan, { kind: 'source' }>[] {
  return [...new Set(planSources(plan))]
}

/** The sources of a plan in the order they were read, repeated where the plan reads one twice. */
export function planSources(plan: LogicalPlan): Extract<LogicalPlan, { kind: 'source' }>[] {
  const out: Extract<LogicalPlan, { kind: 'source' }>[] = []
  const visit = (p: LogicalPlan): void => {
    // The static side of a stream-static join is read once per run by the join itself, not per batch.
    const kids = p.kind === 'join' && isStreamingPlan(p) ? children(p).filter(isStreamingPlan) : children(p)
    for (const c of kids) visit(c)
    if (p.kind === 'source') out.push(p)
  }
  visit(plan)
  return out
}
