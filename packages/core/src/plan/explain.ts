/** explain(): the logical plan as an indented tree, and with extended, the physical plan. */

import { explainPhysical } from '../exec/operator.js'
import { exprName } from '../expr/expr.js'
import { joinTypeName } from './join-type.js'
import { children, type LogicalPlan } from './logical-plan.js'
import { toPhysical } from './planner.js'

function describe(p: LogicalPlan): string {
  switch (p.kind) {
    case 'source':
      return `${p.streaming ? 'StreamingRelation' : 'Relation'} ${p.spec.provider.name}${p.spec.path ? ` [${p.spec.path}]` : ''} [${p.schema.names.join(', ')}]`
    case 'localRelation':
      return `LocalRelation [${p.batch.schema.names.join(', ')}]`
    case 'project':
      return `Project [${p.exprs.map(exprName).join(', ')}]`
    case 'filter':
      return `Filter ${exprName(p.condition)}`
    case 'rowFilter':
      return 'Filter <function>'
    case 'mapRows':
      return `${p.flat ? 'FlatMap' : 'Map'} <function> [${p.schema.names.join(', ')}]`
    case 'union':
      return p.byName ? 'Union (by name)' : 'Union'
    case 'aggregate':
      return `Aggregate [${p.groupBy.map(exprName).join(', ')}], [${p.aggregates.map(exprName).join(', ')}]`
    case 'sort':
      return `Sort [${p.orders.map(exprName).join(', ')}]`
    case 'limit':
      return `Limit ${p.n}`
    case 'distinct':
      return p.columns
        ? `Deduplicate${p.withinWatermark ? 'WithinWatermark' : ''} [${p.columns.join(', ')}]`
        : 'Distinct'
    case 'groupsWithState':
      return `${p.flat ? 'FlatMap' : 'Map'}GroupsWithState <function> ${p.functionOutputMode} ${p.timeout} [${p.schema.names.join(', ')}]`
    case 'watermark':
      return `EventTimeWatermark ${p.column}, ${p.delayMs} ms`
    case 'join':
      return `Join ${joinTypeName(p.joinType)}${p.using ? `, using [${p.using.join(', ')}]` : ''}${p.condition ? `, ${exprName(p.condition)}` : ''}`
    case 'subqueryAlias':
      return `SubqueryAlias ${p.name}`
    case 'hint':
      return `ResolvedHint (strategy=${p.name})`
  }
}

function tree(p: LogicalPlan, depth: number): string[] {
  const pad = depth === 0 ? '' : `${'   '.repeat(depth - 1)}+- `
  return [`${pad}${describe(p)}`, ...children(p).flatMap((c) => tree(c, depth + 1))]
}

export function explainLogical(plan: LogicalPlan, extended: boolean): string {
  const physical = `== Physical Plan ==\n${explainPhysical(toPhysical(plan))}`
  if (!extended) return physical
  return `== Logical Plan ==\n${tree(plan, 0).join('\n')}\n\n${physical}`
}
