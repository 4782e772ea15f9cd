/** The built-in aggregate functions: registered for analysis, with their accumulators. */
import {
  type NumberVector,
  numberVector,
  objectVector,
  toExternal,
  type Vector,
  VectorBuilder,
  valueAt,
} from '../../batch/vector.js'
import { compareValues } from '../../expr/kernels.js'
import { registerFunction } from '../../expr/registry.js'
import {
  arrayOf,
  type DataType,
  DoubleType,
  isNumeric,
  isTemporal,
  LongType,
  typeToString,
} from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { type Accumulator, type AccumulatorFactory, GrowableF64, GrowableU8 } from './accumulator.js'
import { registerApproximateAggregates } from './approximate.js'

const factories = new Map<string, AccumulatorFactory>()

function define(
  name: string,
  arity: [number, number],
  resultType: (inputs: readonly DataType[]) => DataType,
  factory: AccumulatorFactory,
): void {
  registerFunction({
    kind: 'aggregate',
    name,
    resultType(args) {
      if (args.length < arity[0] || args.length > arity[1]) {
        throw new AnalysisError(
          `WRONG_NUM_ARGS: ${name} takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} argument(s), got ${args.length}.`,
          'WRONG_NUM_ARGS',
        )
      }
      return resultType(args.map((a) => a.type))
    },
  })
  factories.set(name, factory)
}

export function accumulatorFor(
  name: string,
  inputTypes: readonly DataType[],
  options: Readonly<Record<string, unknown>>,
): Accumulator {
  const f = factories.get(name.toLowerCase())
  if (!f) throw new AnalysisError(`${name} is not an aggregate function.`, 'NOT_AN_AGGREGATE')
  return f(inputTypes, options)
}

function requireNumeric(name: string) {
  return (inputs: readonly DataType[]) => {
    if (!isNumeric(inputs[0]) && inputs[0].kind !== 'null') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: ${name} needs a numeric column, got ${typeToString(inputs[0])}. Cast it first.`,
        'DATATYPE_MISMATCH',
      )
    }
    return name === 'avg'
      ? DoubleType
      : inputs[0].kind === 'int' || inputs[0].kind === 'long'
        ? LongType
        : DoubleType
  }
}

/** count(*) / count(col): the number of rows, or of non-null values. */
define(
  'count',
  [0, 8],
  () => LongType,
  (inputs) => {
    const counts = new GrowableF64()
    return {
      resultType: LongType,
      update(ids, groups, vecs, n) {
        const c = counts.ensure(groups)
        if (inputs.length === 0) {
          for (let i = 0; i < n; i++) c[ids[i]]++
          return
        }
        for (let i = 0; i < n; i++) {
          let present = true
          for (const v of vecs) if (valueAt(v, i) === null) present = false
          if (present) c[ids[i]]++
        }
      },
      result: (g) => numberVector(LongType, counts.ensure(g).slice(0, g)),
      resultAt(ids) {
        const c = counts.data
        const out = new Float64Array(ids.length)
        for (let i = 0; i < ids.length; i++) out[i] = ids[i] < c.length ? c[ids[i]] : 0
        return numberVector(LongType, out)
      },
      partialTypes: [LongType],
      partial: (g) => [numberVector(LongType, counts.ensure(g).slice(0, g))],
      merge(ids, groups, [v], n) {
        const c = counts.ensure(groups)
        const x = (v as NumberVector).values
        for (let i = 0; i < n; i++) c[ids[i]] += x[i]
      },
      getState: (g) => counts.ensure(g + 1)[g],
      setState: (g, s) => {
        counts.ensure(g + 1)[g] = s as number
      },
    }
  },
)

function sumLike(avg: boolean): AccumulatorFactory {
  return (inputs) => {
    const type = avg ? DoubleType : requireNumeric('sum')(inputs)
    const sums = new GrowableF64()
    const counts = new GrowableF64()
    return {
      resultType: type,
      update(ids, groups, [v], n) {
        const s = sums.ensure(groups)
        const c = counts.ensure(groups)
        if (v.kind !== 'number') return
        const x = v.values
        const valid = v.validity
        for (let i = 0; i < n; i++) {
          if (valid !== null && valid[i] === 0) continue
          s[ids[i]] += x[i]
          c[ids[i]]++
        }
      },
      result(g) {
        const s = sums.ensure(g)
        const c = counts.ensure(g)
        const out = new Float64Array(g)
        const validity = new Uint8Array(g)
        let anyNull = false
        for (let i = 0; i < g; i++) {
          if (c[i] === 0) anyNull = true
          else {
            validity[i] = 1
            out[i] = avg ? s[i] / c[i] : s[i]
          }
        }
        return numberVector(type, out, anyNull ? validity : null)
      },
      resultAt(ids) {
        const n = ids.length
        let top = 0
        for (let i = 0; i < n; i++) if (ids[i] >= top) top = ids[i] + 1
        const s = sums.ensure(top)
        const c = counts.ensure(top)
        const out = new Float64Array(n)
        const validity = new Uint8Array(n)
        let anyNull = false
        for (let i = 0; i < n; i++) {
          const g = ids[i]
          if (c[g] === 0) anyNull = true
          else {
            validity[i] = 1
            out[i] = avg ? s[g] / c[g] : s[g]
          }
        }
        return numberVector(type, out, anyNull ? validity : null)
      },
      partialTypes: [DoubleType, LongType],
      partial: (g) => [
        numberVector(DoubleType, sums.ensure(g).slice(0, g)),
        numberVector(LongType, counts.ensure(g).slice(0, g)),
      ],
      merge(ids, groups, [ps, pc], n) {
        const s = sums.ensure(groups)
        const c = counts.ensure(groups)
        const xs = (ps as NumberVector).values
        const xc = (pc as NumberVector).values
        for (let i = 0; i < n; i++) {
          s[ids[i]] += xs[i]
          c[ids[i]] += xc[i]
        }
      },
      getState: (g) => [sums.ensure(g + 1)[g], counts.ensure(g + 1)[g]],
      setState(g, state) {
        const [s, c] = state as [number, number]
        sums.ensure(g + 1)[g] = s
        counts.ensure(g + 1)[g] = c
      },
    }
  }
}
define('sum', [1, 1], requireNumeric('sum'), sumLike(false))
define('avg', [1, 1], requireNumeric('avg'), sumLike(true))
define('mean', [1, 1], requireNumeric('avg'), sumLike(true))

function extreme(sign: 1 | -1): AccumulatorFactory {
  return ([type]) => {
    const best = new GrowableF64(Number.NaN)
    const seen = new GrowableU8()
    const objects: unknown[] = []
    const numeric =
      type.kind !== 'string' && type.kind !== 'boolean' && type.kind !== 'array' && type.kind !== 'struct'
    const acc: Accumulator = {
      resultType: type,
      update(ids, groups, [v], n) {
        if (v.kind === 'number') {
          const b = best.ensure(groups)
          const s = seen.ensure(groups)
          const x = v.values
          const valid = v.validity
          for (let i = 0; i < n; i++) {
            if (valid !== null && valid[i] === 0) continue
            const g = ids[i]
            if (s[g] === 0 || (sign > 0 ? x[i] > b[g] : x[i] < b[g])) {
              b[g] = x[i]
              s[g] = 1
            }
          }
          return
        }
        for (let i = 0; i < n; i++) {
          const x = valueAt(v, i)
          if (x === null) continue
          const g = ids[i]
          const cur = objects[g]
          if (cur === undefined || cur === null || compareValues(x, cur) * sign > 0) objects[g] = x
        }
      },
      result(g) {
        if (numeric) {
          const s = seen.ensure(g)
          const validity = s.slice(0, g)
          return numberVector(
            type,
            best.ensure(g).slice(0, g),
            validity.every((x) => x === 1) ? null : validity,
          )
        }
        const b = new VectorBuilder(type, g)
        for (let i = 0; i < g; i++) b.append(objects[i] ?? null)
        return b.finish()
      },
      resultAt(ids) {
        const n = ids.length
        if (numeric) {
          let top = 0
          for (let i = 0; i < n; i++) if (ids[i] >= top) top = ids[i] + 1
          const s = seen.ensure(top)
          const bv = best.ensure(top)
          const out = new Float64Array(n)
          const validity = new Uint8Array(n)
          let anyNull = false
          for (let i = 0; i < n; i++) {
            out[i] = bv[ids[i]]
            validity[i] = s[ids[i]]
            if (validity[i] === 0) anyNull = true
          }
          return numberVector(type, out, anyNull ? validity : null)
        }
        const b = new VectorBuilder(type, n)
        for (let i = 0; i < n; i++) b.append(objects[ids[i]] ?? null)
        return b.finish()
      },
      getState: (g) =>
        numeric ? (seen.ensure(g + 1)[g] ? best.ensure(g + 1)[g] : null) : (objects[g] ?? null),
      setState(g, state) {
        if (numeric) {
          seen.ensure(g + 1)[g] = state === null ? 0 : 1
          best.ensure(g + 1)[g] = state === null ? Number.NaN : (state as number)
        } else objects[g] = state
      },
    }
    // The extreme of the partial extremes is the extreme: a partial is the result, merged as input.
    if (isNumeric(type) || isTemporal(type) || type.kind === 'string' || type.kind === 'boolean') {
      return {
        ...acc,
        partialTypes: [type],
        partial: (g) => [acc.result(g)],
        merge: (ids, groups, partials, n) => acc.update(ids, groups, partials, n),
      }
    }
    return acc
  }
}
define('max', [1, 1], ([t]) => t, extreme(1))
define('min', [1, 1], ([t]) => t, extreme(-1))

/**
 * max_by(value, ordering) / min_by: the value of the row with the largest (smallest)
 * ordering in the group. Rows whose ordering is null are skipped; of rows with the same
 * extreme ordering the first one seen wins (Spark replaces only on a strictly better one).
 * A numeric ordering and value stay in typed arrays: no object per row or group.
 */
function extremeBy(sign: 1 | -1): AccumulatorFactory {
  return ([valueType, orderType]) => {
    const numericOrder = isNumeric(orderType) || isTemporal(orderType)
    const numericValue = isNumeric(valueType) || isTemporal(valueType)
    const bestOrder = new GrowableF64(Number.NaN)
    const seen = new GrowableU8()
    const orderObjects: unknown[] = []
    const values = new GrowableF64(Number.NaN)
    const valueValid = new GrowableU8()
    const valueObjects: unknown[] = []
    const better = (x: unknown, g: number): boolean => {
      if (seen.data[g] === 0) return true
      if (numericOrder)
        return sign > 0 ? (x as number) > bestOrder.data[g] : (x as number) < bestOrder.data[g]
      return compareValues(x, orderObjects[g]) * sign > 0
    }
    const keep = (g: number, order: unknown, value: Vector, i: number) => {
      seen.data[g] = 1
      if (numericOrder) bestOrder.data[g] = order as number
      else orderObjects[g] = order
      if (numericValue && value.kind === 'number') {
        const valid = value.validity === null || value.validity[i] === 1
        valueValid.data[g] = valid ? 1 : 0
        values.data[g] = valid ? value.values[i] : Number.NaN
      } else valueObjects[g] = valueAt(value, i)
    }
    const resultOf = (ids: ArrayLike<number>): Vector => {
      const n = ids.length
      if (numericValue) {
        const out = new Float64Array(n)
        const validity = new Uint8Array(n)
        let anyNull = false
        for (let i = 0; i < n; i++) {
          const g = ids[i]
          const ok = g < seen.data.length && seen.data[g] === 1 && valueValid.data[g] === 1
          validity[i] = ok ? 1 : 0
          if (ok) out[i] = values.data[g]
          else anyNull = true
        }
        return numberVector(valueType, out, anyNull ? validity : null)
      }
      const b = new VectorBuilder(valueType, n)
      for (let i = 0; i < n; i++) b.append(valueObjects[ids[i]] ?? null)
      return b.finish()
    }
    const acc: Accumulator = {
      resultType: valueType,
      update(ids, groups, [value, order], n) {
        seen.ensure(groups)
        bestOrder.ensure(groups)
        values.ensure(groups)
        valueValid.ensure(groups)
        if (order.kind === 'number') {
          const x = order.values
          const valid = order.validity
          for (let i = 0; i < n; i++) {
            if (valid !== null && valid[i] === 0) continue
            const g = ids[i]
            if (better(x[i], g)) keep(g, x[i], value, i)
          }
          return
        }
        for (let i = 0; i < n; i++) {
          const x = valueAt(order, i)
          if (x === null) continue
          const g = ids[i]
          if (better(x, g)) keep(g, x, value, i)
        }
      },
      result: (g) => resultOf(Array.from({ length: g }, (_, i) => i)),
      resultAt: (ids) => resultOf(ids),
      // The value and ordering of each group's best row: merged as rows, the first best wins,
      // and partials come in the order of the rows they summarize.
      partialTypes: [valueType, orderType],
      partial(g) {
        const s = seen.ensure(g)
        let order: Vector
        if (numericOrder) {
          const validity = s.slice(0, g)
          order = numberVector(
            orderType,
            bestOrder.ensure(g).slice(0, g),
            validity.every((x) => x === 1) ? null : validity,
          )
        } else {
          const b = new VectorBuilder(orderType, g)
          for (let i = 0; i < g; i++) b.append(s[i] === 1 ? orderObjects[i] : null)
          order = b.finish()
        }
        return [resultOf(Array.from({ length: g }, (_, i) => i)), order]
      },
      merge: (ids, groups, partials, n) => acc.update(ids, groups, partials, n),
      getState(g) {
        if (g >= seen.data.length || seen.data[g] === 0) return null
        const order = numericOrder ? bestOrder.data[g] : orderObjects[g]
        const value = numericValue
          ? valueValid.data[g] === 1
            ? values.data[g]
            : null
          : (valueObjects[g] ?? null)
        return [order, value]
      },
      setState(g, state) {
        seen.ensure(g + 1)
        bestOrder.ensure(g + 1)
        values.ensure(g + 1)
        valueValid.ensure(g + 1)
        if (state === null) {
          seen.data[g] = 0
          return
        }
        const [order, value] = state as [unknown, unknown]
        seen.data[g] = 1
        if (numericOrder) bestOrder.data[g] = order as number
        else orderObjects[g] = order
        if (numericValue) {
          valueValid.data[g] = value === null ? 0 : 1
          values.data[g] = value === null ? Number.NaN : (value as number)
        } else valueObjects[g] = value
      },
    }
    return acc
  }
}
define('max_by', [2, 2], ([t]) => t, extremeBy(1))
define('min_by', [2, 2], ([t]) => t, extremeBy(-1))

function keyOf(x: unknown): unknown {
  return typeof x === 'object' && x !== null ? JSON.stringify(x) : x
}

/**
 * count(DISTINCT ...): exact, one Set per group. No partial form: a group's partial state
 * is its set of values, which costs more to build, copy between threads and merge than the
 * rows it summarizes unless a slice has few groups (measured on Nexmark q16: 9.4 CPU s at 2
 * threads against 5.3–6.7 shuffling the rows); an aggregation with count_distinct shuffles its input rows.
 */
define(
  'count_distinct',
  [1, 8],
  () => LongType,
  () => {
    const sets: Set<unknown>[] = []
    return {
      resultType: LongType,
      update(ids, _groups, vecs, n) {
        const only = vecs[0]
        if (vecs.length === 1 && only.kind === 'number') {
          // Numbers are their own keys: straight over the float64 values.
          const x = only.values
          const valid = only.validity
          for (let i = 0; i < n; i++) {
            if (valid !== null && valid[i] === 0) continue
            const g = ids[i]
            let set = sets[g]
            if (set === undefined) {
              set = new Set()
              sets[g] = set
            }
            set.add(x[i])
          }
          return
        }
        for (let i = 0; i < n; i++) {
          let key: unknown
          if (vecs.length === 1) {
            key = valueAt(vecs[0], i)
            if (key === null) continue
            key = keyOf(key)
          } else {
            const parts = vecs.map((v) => valueAt(v, i))
            if (parts.some((p) => p === null)) continue
            key = JSON.stringify(parts)
          }
          const g = ids[i]
          if (sets[g] === undefined) sets[g] = new Set()
          sets[g].add(key)
        }
      },
      result(g) {
        const out = new Float64Array(g)
        for (let i = 0; i < g; i++) out[i] = sets[i]?.size ?? 0
        return numberVector(LongType, out)
      },
      resultAt(ids) {
        const out = new Float64Array(ids.length)
        for (let i = 0; i < ids.length; i++) out[i] = sets[ids[i]]?.size ?? 0
        return numberVector(LongType, out)
      },
      getState: (g) => [...(sets[g] ?? [])],
      setState(g, s) {
        sets[g] = new Set(s as unknown[])
      },
    }
  },
)

function firstLast(last: boolean): AccumulatorFactory {
  return ([type], options) => {
    const ignoreNulls = options.ignoreNulls === true
    const values: unknown[] = []
    const set = new GrowableU8()
    return {
      resultType: type,
      update(ids, groups, [v], n) {
        const s = set.ensure(groups)
        for (let i = 0; i < n; i++) {
          const x = valueAt(v, i)
          if (ignoreNulls && x === null) continue
          const g = ids[i]
          if (last || s[g] === 0) {
            values[g] = x
            s[g] = 1
          }
        }
      },
      result(g) {
        const b = new VectorBuilder(type, g)
        for (let i = 0; i < g; i++) b.append(values[i] ?? null)
        return b.finish()
      },
      getState: (g) => (set.ensure(g + 1)[g] ? { v: values[g] ?? null } : null),
      setState(g, s) {
        set.ensure(g + 1)[g] = s === null ? 0 : 1
        values[g] = s === null ? null : (s as { v: unknown }).v
      },
    }
  }
}
define('first', [1, 1], ([t]) => t, firstLast(false))
define('last', [1, 1], ([t]) => t, firstLast(true))

function collect(distinct: boolean): AccumulatorFactory {
  return ([type]) => {
    const lists: unknown[][] = []
    const seen: Set<unknown>[] = []
    return {
      resultType: arrayOf(type),
      update(ids, _groups, [v], n) {
        for (let i = 0; i < n; i++) {
          const x = valueAt(v, i)
          const g = ids[i]
          if (lists[g] === undefined) lists[g] = []
          const list = lists[g]
          if (x === null) continue
          if (distinct) {
            if (seen[g] === undefined) seen[g] = new Set()
            const s = seen[g]
            const k = keyOf(x)
            if (s.has(k)) continue
            s.add(k)
          }
          list.push(toExternal(type, x))
        }
      },
      result(g) {
        const out = new Array<unknown>(g)
        for (let i = 0; i < g; i++) out[i] = lists[i] ?? []
        return objectVector(arrayOf(type), out) as Vector
      },
      getState: (g) => lists[g] ?? [],
      setState(g, s) {
        lists[g] = [...(s as unknown[])]
        if (distinct) seen[g] = new Set(lists[g].map(keyOf))
      },
    }
  }
}
define('collect_list', [1, 1], ([t]) => arrayOf(t), collect(false))
define('collect_set', [1, 1], ([t]) => arrayOf(t), collect(true))

registerApproximateAggregates(define)
