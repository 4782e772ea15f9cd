/**
 * The syntax tree of a SQL query. Expressions inside it are already the engine's `Expr`
 * nodes; only the query structure (FROM, joins, clauses) has nodes of its own, which
 * `to-plan.ts` turns into LogicalPlan nodes.
 */
import type { Expr } from '../expr/expr.js'

export interface QueryAst {
  readonly kind: 'query'
  readonly ctes: readonly { readonly name: string; readonly query: QueryAst; readonly at: number }[]
  readonly body: QueryBody
  /** sortOrder expressions. */
  readonly orderBy: readonly Expr[]
  readonly limit: number | null
}

export type QueryBody =
  | SelectAst
  | { readonly kind: 'union'; readonly all: boolean; readonly left: QueryBody; readonly right: QueryBody }
  | { readonly kind: 'nested'; readonly query: QueryAst }

export interface SelectAst {
  readonly kind: 'select'
  readonly distinct: boolean
  readonly items: readonly SelectItem[]
  readonly from: Relation
  readonly where: Expr | null
  readonly groupBy: readonly Expr[]
  readonly having: Expr | null
  /** Hints after SELECT (BROADCAST(t) in a hint comment): hint name → the relations it names. */
  readonly hints: readonly {
    readonly name: string
    readonly relations: readonly string[]
    readonly at: number
  }[]
  readonly at: number
}

export type SelectItem =
  | { readonly kind: 'star'; readonly qualifier: string | null; readonly at: number }
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias: string | null; readonly at: number }

export type Relation =
  | {
      readonly kind: 'table'
      readonly name: string
      readonly alias: string | null
      /** WATERMARK FOR col AS delay (the extension): a watermark put on the relation. */
      readonly watermark: { readonly column: string; readonly delay: Expr; readonly at: number } | null
      readonly at: number
    }
  | {
      readonly kind: 'subquery'
      readonly query: QueryAst
      readonly alias: string | null
      readonly at: number
    }
  | {
      readonly kind: 'join'
      readonly left: Relation
      readonly right: Relation
      /** A join type Spark's join() accepts: inner, left_outer, left_semi, ... */
      readonly how: string
      readonly on: Expr | null
      readonly using: readonly string[] | null
      readonly at: number
    }
