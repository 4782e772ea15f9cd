/**
 * Expressions as explain() shows them: like Spark's plan strings, columns keep their
 * qualifier (`l.auth_id`, so a join condition names its sides) and string literals are
 * quoted (`''` is visible), which exprName, the column-naming rule, does not do.
 */
import { typeToString } from '../types/data-types.js'
import { type Expr, INFIX_OPERATORS } from './expr.js'

function literalText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (value instanceof Date) return `TIMESTAMP '${value.toISOString()}'`
  if (typeof value === 'bigint') return `${value}L`
  if (Array.isArray(value)) return `array(${value.map(literalText).join(', ')})`
  return String(value)
}

export function explainExpr(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.path
    case 'literal':
      return literalText(e.value)
    case 'alias':
      return `${explainExpr(e.child)} AS ${e.name}`
    case 'call': {
      const op = INFIX_OPERATORS[e.name]
      if (op && e.args.length === 2) return `(${explainExpr(e.args[0])} ${op} ${explainExpr(e.args[1])})`
      if (e.name === 'not') return `(NOT ${explainExpr(e.args[0])})`
      if (e.name === 'negate') return `(- ${explainExpr(e.args[0])})`
      if (e.name === 'isNull') return `(${explainExpr(e.args[0])} IS NULL)`
      if (e.name === 'isNotNull') return `(${explainExpr(e.args[0])} IS NOT NULL)`
      if (e.name === 'count' && e.args.length === 0) return 'count(1)'
      const distinct = e.options?.distinct ? 'DISTINCT ' : ''
      return `${e.name}(${distinct}${e.args.map(explainExpr).join(', ')})`
    }
    case 'cast':
      return `cast(${explainExpr(e.child)} as ${typeToString(e.to)})`
    case 'case':
      return `CASE ${e.branches.map((b) => `WHEN ${explainExpr(b.when)} THEN ${explainExpr(b.result)}`).join(' ')}${
        e.otherwise ? ` ELSE ${explainExpr(e.otherwise)}` : ''
      } END`
    case 'star':
      return '*'
    case 'udf':
      return `${e.name}(${e.args.map(explainExpr).join(', ')})`
    case 'sortOrder':
      return `${explainExpr(e.child)} ${e.ascending ? 'ASC' : 'DESC'} NULLS ${e.nullsFirst ? 'FIRST' : 'LAST'}`
  }
}
