/**
 * The entry points from strings: one expression (F.expr, where('...'), join conditions),
 * one select item (selectExpr), or a whole query (session.sql).
 */
import type { Expr } from '../expr/expr.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import { parseExpression } from './expression-parser.js'
import { parseQueryText, parseSelectItem } from './query-parser.js'
import { queryToPlan, type SqlCatalog } from './to-plan.js'
import { TokenStream } from './token-stream.js'

/** One expression; the whole text must be it. `timeZone` reads TIMESTAMP literals. */
export function parseExpressionText(text: string, timeZone = 'UTC'): Expr {
  const ts = new TokenStream(text, timeZone)
  const e = parseExpression(ts)
  if (!ts.atEnd)
    throw ts.unexpected('the end of the expression (an operator such as AND, or a closing bracket)')
  return e
}

/** One item of a SELECT list: `expr`, `expr AS name`, `expr name` or `*`. */
export function parseSelectExprText(text: string, timeZone = 'UTC'): Expr {
  const ts = new TokenStream(text, timeZone)
  const item = parseSelectItem(ts)
  if (!ts.atEnd)
    throw ts.unexpected(
      "the end of the select expression (selectExpr takes one item per string: selectExpr('a', 'b AS c'))",
    )
  if (item.kind === 'star') {
    if (item.qualifier !== null)
      throw ts.errorAt(
        item.at,
        `selectExpr('${item.qualifier}.*'): use '*' (a DataFrame has no relation names to qualify).`,
      )
    return { kind: 'star' }
  }
  return item.alias === null ? item.expr : { kind: 'alias', child: item.expr, name: item.alias }
}

/** A query's plan, with FROM names looked up in the catalog. */
export function sqlToPlan(
  text: string,
  catalog: SqlCatalog,
  timeZone = 'UTC',
  params: Readonly<Record<string, unknown>> = {},
): LogicalPlan {
  return queryToPlan(parseQueryText(text, timeZone, params), catalog)
}

export type { SqlCatalog }
