/** Small tools over `Expr` trees for the SQL translator: rebuilding, comparing, finding aggregates. */
import type { Expr } from '../expr/expr.js'
import { hasFunction, lookupFunction } from '../expr/registry.js'

/**
 * Rebuilds e top-down: `f` sees each node first and may return a replacement (which is not
 * visited further), or undefined to keep the node and visit its children.
 */
export function rewriteExpr(e: Expr, f: (e: Expr) => Expr | undefined): Expr {
  const replaced = f(e)
  if (replaced !== undefined) return replaced
  const r = (x: Expr): Expr => rewriteExpr(x, f)
  switch (e.kind) {
    case 'alias':
    case 'cast':
    case 'sortOrder':
      return { ...e, child: r(e.child) }
    case 'call':
    case 'udf':
      return { ...e, args: e.args.map(r) }
    case 'case':
      return {
        ...e,
        branches: e.branches.map((b) => ({ when: r(b.when), result: r(b.result) })),
        otherwise: e.otherwise ? r(e.otherwise) : null,
      }
    default:
      return e
  }
}

/** Structural equality of two expressions (the same tree, the same names and values). */
export function sameExpr(a: Expr, b: Expr): boolean {
  return JSON.stringify(a, replacer) === JSON.stringify(b, replacer)
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'function') return `<function ${value.name}>`
  return value
}

export const isAggregateCall = (e: Expr): boolean =>
  e.kind === 'call' && hasFunction(e.name) && lookupFunction(e.name).kind === 'aggregate'

export function containsAggregate(e: Expr): boolean {
  let found = false
  rewriteExpr(e, (x) => {
    if (isAggregateCall(x)) found = true
    return found ? x : undefined
  })
  return found
}
