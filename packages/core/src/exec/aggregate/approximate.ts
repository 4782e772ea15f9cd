/**
 * The approximate aggregates (approx_count_distinct, percentile_approx), registered by
 * functions.ts through its `define`: this module cannot import functions.ts itself, since
 * functions.ts imports it.
 */
import { type DataType, LongType } from '../../types/data-types.js'
import type { AccumulatorFactory } from './accumulator.js'
import { approxCountDistinctAccumulator } from './approx-count-distinct.js'
import { percentileApproxAccumulator, percentileInputType } from './percentile-approx.js'

/** The signature of functions.ts's `define`. */
export type DefineAggregate = (
  name: string,
  arity: [number, number],
  resultType: (inputs: readonly DataType[]) => DataType,
  factory: AccumulatorFactory,
) => void

export function registerApproximateAggregates(define: DefineAggregate): void {
  define('approx_count_distinct', [1, 1], () => LongType, approxCountDistinctAccumulator)
  // Two names as in Spark SQL; each keeps its own name in error messages and column names.
  for (const name of ['percentile_approx', 'approx_percentile']) {
    define(name, [1, 1], percentileInputType(name), percentileApproxAccumulator(name))
  }
}
