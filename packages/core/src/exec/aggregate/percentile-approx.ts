/**
 * percentile_approx(col, percentage, accuracy) / approx_percentile: a Greenwald-Khanna
 * summary per group (see quantile-summary.ts); the answer for percentage q is an input value
 * whose rank is within n/accuracy of ceil(q·n). Result type: the input's type, or an array
 * of it when percentage is an array; null for a group with no non-null value, as in Spark.
 */
import { numberVector, objectVector, toExternal, type Vector, valueAt } from '../../batch/vector.js'
import { arrayOf, type DataType, DoubleType, isFloat64Backed, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import type { Accumulator, AccumulatorFactory } from './accumulator.js'
import { QuantileSummary } from './quantile-summary.js'

export const DEFAULT_ACCURACY = 10000

const INT_MAX = 2147483647

/** The column types percentile_approx takes (Spark also takes ANSI intervals, which Tributary lacks). */
export function percentileInputType(name: string): (inputs: readonly DataType[]) => DataType {
  return ([type]) => {
    if (type.kind === 'null') return DoubleType
    if (!isFloat64Backed(type)) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: ${name} needs a numeric, date or timestamp column, got ${typeToString(type)}. Cast it first.`,
        'DATATYPE_MISMATCH',
      )
    }
    return type
  }
}

function parsePercentages(
  name: string,
  value: unknown,
): { readonly list: readonly number[]; readonly array: boolean } {
  const array = Array.isArray(value)
  const list: readonly unknown[] = array ? value : [value]
  for (const q of list) {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: ${name}: the percentage(s) must be between 0.0 and 1.0, but got ${JSON.stringify(value)}.`,
        'DATATYPE_MISMATCH',
      )
    }
  }
  return { list: list as readonly number[], array }
}

function parseAccuracy(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > INT_MAX) {
    throw new AnalysisError(
      `DATATYPE_MISMATCH: ${name}: the accuracy must be an integer in (0, ${INT_MAX}], but got ${String(value)}.`,
      'DATATYPE_MISMATCH',
    )
  }
  return value
}

export function percentileApproxAccumulator(name: string): AccumulatorFactory {
  return ([inputType], options): Accumulator => {
    const type = percentileInputType(name)([inputType])
    const percentages = parsePercentages(name, options.percentage)
    const relativeError = 1 / parseAccuracy(name, options.accuracy ?? DEFAULT_ACCURACY)
    const summaries: (QuantileSummary | undefined)[] = []
    const summaryOf = (g: number): QuantileSummary => {
      let s = summaries[g]
      if (s === undefined) {
        s = new QuantileSummary(relativeError)
        summaries[g] = s
      }
      return s
    }
    return {
      resultType: percentages.array ? arrayOf(type) : type,
      update(ids, _groups, [v], n) {
        if (v.kind === 'number') {
          const x = v.values
          const valid = v.validity
          for (let i = 0; i < n; i++) {
            if (valid !== null && valid[i] === 0) continue
            summaryOf(ids[i]).insert(x[i])
          }
          return
        }
        // Only a null-typed column gets here: every value is null.
        for (let i = 0; i < n; i++) {
          const x = valueAt(v, i)
          if (typeof x === 'number') summaryOf(ids[i]).insert(x)
        }
      },
      result(groups): Vector {
        if (percentages.array) {
          const out = new Array<unknown>(groups)
          for (let g = 0; g < groups; g++) {
            const r = summaries[g]?.query(percentages.list) ?? null
            out[g] = r === null ? null : r.map((x) => toExternal(type, x))
          }
          return objectVector(arrayOf(type), out)
        }
        const out = new Float64Array(groups)
        const validity = new Uint8Array(groups)
        let anyNull = false
        for (let g = 0; g < groups; g++) {
          const r = summaries[g]?.query(percentages.list) ?? null
          if (r === null) {
            anyNull = true
            out[g] = Number.NaN
          } else {
            out[g] = r[0]
            validity[g] = 1
          }
        }
        return numberVector(type, out, anyNull ? validity : null)
      },
      getState: (g) => summaries[g]?.toState() ?? null,
      setState(g, state) {
        summaries[g] = state == null ? undefined : QuantileSummary.fromState(state, relativeError)
      },
    }
  }
}
