/**
 * The source columns a plan's expressions read, so that stage 1 does not copy and move
 * columns nobody reads (Nexmark's bids carry long `url` and `extra` strings that a count
 * per auction never looks at). Used only where the output cannot pass an unread column
 * through: a plan whose stateful operator is an aggregation, whose output is its keys and
 * aggregates. null: every column may be read.
 */
import { type Expr, walkExpr } from '../expr/expr.js'
import { type LogicalPlan, walkPlan } from '../plan/logical-plan.js'

export function columnsRead(plan: LogicalPlan): ReadonlySet<string> | null {
  const names = new Set<string>()
  let all = false
  const exprs = (list: readonly Expr[]) => {
    for (const e of list) {
      walkExpr(e, (x) => {
        if (x.kind === 'star') all = true
        else if (x.kind === 'column') {
          names.add(x.path)
          names.add(x.path.split('.')[0])
        }
      })
    }
  }
  walkPlan(plan, (p) => {
    switch (p.kind) {
      case 'project':
        exprs(p.exprs)
        break
      case 'filter':
        exprs([p.condition])
        break
      case 'aggregate':
        exprs([...p.groupBy, ...p.aggregates])
        break
      case 'sort':
        exprs(p.orders)
        break
      case 'watermark':
        names.add(p.column)
        break
      case 'source':
      case 'union':
      case 'limit':
      case 'subqueryAlias':
      case 'hint':
        break
      default:
        // distinct, joins, closures, local relations: any column may matter.
        all = true
    }
  })
  return all ? null : names
}
