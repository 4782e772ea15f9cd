/**
 * Functions by name. Each definition checks its argument types when a query is analyzed
 * and returns a kernel that evaluates whole columns. Scalar functions live in
 * `functions/*.ts`, aggregate functions in `../exec/aggregate/*.ts`.
 */
import type { DataType } from '../types/data-types.js'
import { AnalysisError } from '../util/errors.js'
import { nearMatches } from '../util/near-matches.js'
import type { Compiled, Kernel } from './compiled.js'
import type { Expr } from './expr.js'

export interface ScalarFunctionDef {
  readonly kind: 'scalar'
  readonly name: string
  bind(
    args: readonly Compiled[],
    options: Readonly<Record<string, unknown>>,
    expr: Expr,
  ): { type: DataType; evaluate: Kernel }
}

/** explode and friends: one input row becomes zero or more output rows. */
export interface GeneratorFunctionDef {
  readonly kind: 'generator'
  readonly name: string
  bind(
    args: readonly Compiled[],
    options: Readonly<Record<string, unknown>>,
  ): {
    /** Output columns of the generator (one for arrays, key and value for maps). */
    outputs: { name: string; type: DataType }[]
    outer: boolean
  }
}

/** An aggregate function; its kernel is bound by the aggregation operator. */
export interface AggregateFunctionDef {
  readonly kind: 'aggregate'
  readonly name: string
  resultType(args: readonly Compiled[], options: Readonly<Record<string, unknown>>): DataType
}

export type FunctionDef = ScalarFunctionDef | GeneratorFunctionDef | AggregateFunctionDef

const registry = new Map<string, FunctionDef>()

export function registerFunction(def: FunctionDef): void {
  registry.set(def.name.toLowerCase(), def)
}

export function lookupFunction(name: string): FunctionDef {
  const def = registry.get(name.toLowerCase())
  if (!def) {
    const near = nearMatches(name, [...registry.keys()])
    throw new AnalysisError(
      `UNRESOLVED_ROUTINE: function '${name}' does not exist.${near.length ? ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''}`,
      'UNRESOLVED_ROUTINE',
    )
  }
  return def
}

export function hasFunction(name: string): boolean {
  return registry.has(name.toLowerCase())
}

/** Throws a clear error when a function gets the wrong number of arguments. */
export function expectArity(name: string, args: readonly unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want =
      min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`
    throw new AnalysisError(
      `WRONG_NUM_ARGS: ${name} takes ${want} argument(s) but was given ${args.length}.`,
      'WRONG_NUM_ARGS',
    )
  }
}
