/**
 * The expression tree: immutable nodes tagged by `kind`. Operators and functions are all
 * `call` nodes whose `name` finds their definition in the function registry.
 */
import type { DataType } from '../types/data-types.js'

export type Expr =
  | { readonly kind: 'column'; readonly path: string }
  | { readonly kind: 'literal'; readonly value: unknown; readonly type?: DataType }
  | { readonly kind: 'alias'; readonly child: Expr; readonly name: string }
  | {
      readonly kind: 'call'
      readonly name: string
      readonly args: readonly Expr[]
      readonly options?: Readonly<Record<string, unknown>>
    }
  | { readonly kind: 'cast'; readonly child: Expr; readonly to: DataType }
  | {
      readonly kind: 'case'
      readonly branches: readonly { readonly when: Expr; readonly result: Expr }[]
      readonly otherwise: Expr | null
    }
  | { readonly kind: 'star' }
  | {
      readonly kind: 'udf'
      readonly name: string
      readonly fn: (...args: never[]) => unknown
      readonly args: readonly Expr[]
      readonly returnType: DataType
    }
  | {
      readonly kind: 'sortOrder'
      readonly child: Expr
      readonly ascending: boolean
      readonly nullsFirst: boolean
    }

export const columnRef = (path: string): Expr => ({ kind: 'column', path })
export const literal = (value: unknown, type?: DataType): Expr => ({ kind: 'literal', value, type })
export const call = (name: string, args: readonly Expr[], options?: Record<string, unknown>): Expr =>
  options ? { kind: 'call', name, args, options } : { kind: 'call', name, args }

/** Spark's infix spelling of the binary operators, for names and explain(). */
export const INFIX_OPERATORS: Readonly<Record<string, string>> = {
  add: '+',
  subtract: '-',
  multiply: '*',
  divide: '/',
  mod: '%',
  eq: '=',
  neq: '!=',
  eqNullSafe: '<=>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  and: 'AND',
  or: 'OR',
}

function literalName(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return value
  if (value instanceof Date) return `TIMESTAMP '${value.toISOString()}'`
  return String(value)
}

/** The name Spark would give the expression's column, e.g. `(a + 1)`, `lower(name)`, `count(1)`. */
export function exprName(e: Expr): string {
  switch (e.kind) {
    case 'column': {
      const dot = e.path.lastIndexOf('.')
      return dot < 0 ? e.path : e.path.slice(dot + 1)
    }
    case 'literal':
      return literalName(e.value)
    case 'alias':
      return e.name
    case 'call': {
      const op = INFIX_OPERATORS[e.name]
      if (op && e.args.length === 2) return `(${exprName(e.args[0])} ${op} ${exprName(e.args[1])})`
      if (e.name === 'not') return `(NOT ${exprName(e.args[0])})`
      if (e.name === 'negate') return `(- ${exprName(e.args[0])})`
      if (e.name === 'isNull') return `(${exprName(e.args[0])} IS NULL)`
      if (e.name === 'isNotNull') return `(${exprName(e.args[0])} IS NOT NULL)`
      if (e.name === 'count' && e.args.length === 0) return 'count(1)'
      const distinct = e.options?.distinct ? 'DISTINCT ' : ''
      return `${e.name}(${distinct}${e.args.map(exprName).join(', ')})`
    }
    case 'cast':
      return exprName(e.child)
    case 'case':
      return `CASE ${e.branches.map((b) => `WHEN ${exprName(b.when)} THEN ${exprName(b.result)}`).join(' ')}${
        e.otherwise ? ` ELSE ${exprName(e.otherwise)}` : ''
      } END`
    case 'star':
      return '*'
    case 'udf':
      return `${e.name}(${e.args.map(exprName).join(', ')})`
    case 'sortOrder':
      return `${exprName(e.child)} ${e.ascending ? 'ASC' : 'DESC'} NULLS ${e.nullsFirst ? 'FIRST' : 'LAST'}`
  }
}

/** Calls `visit` on e and every expression below it. */
export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e)
  switch (e.kind) {
    case 'alias':
    case 'cast':
    case 'sortOrder':
      walkExpr(e.child, visit)
      break
    case 'call':
    case 'udf':
      for (const a of e.args) walkExpr(a, visit)
      break
    case 'case':
      for (const b of e.branches) {
        walkExpr(b.when, visit)
        walkExpr(b.result, visit)
      }
      if (e.otherwise) walkExpr(e.otherwise, visit)
      break
  }
}

/** The expression without a top-level alias. */
export const stripAlias = (e: Expr): Expr => (e.kind === 'alias' ? stripAlias(e.child) : e)
