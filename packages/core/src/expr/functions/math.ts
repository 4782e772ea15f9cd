/**
 * Math functions. Numbers of every width travel as float64, so these loop straight over
 * the Float64Arrays; only the result type differs (floor/ceil give long, sqrt/exp/log/pow
 * give double, abs/round keep their input's type), as in Spark.
 */
import { type NumberVector, numberVector, type Vector } from '../../batch/vector.js'
import { commonType, type DataType, DoubleType, LongType, typeToString } from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import { castVector } from '../cast.js'
import type { Compiled } from '../compiled.js'
import { compareValues, mapRows, numericUnary } from '../kernels.js'
import { expectArity, registerFunction } from '../registry.js'
import { expectIntegral, expectNumeric, nullVector, requireConstant, roundDecimal } from './common.js'

function asDoubles(v: Vector): NumberVector {
  return castVector(v, DoubleType) as NumberVector
}

function unaryMath(name: string, result: (input: DataType) => DataType, f: (x: number) => number): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 1)
      expectNumeric(name, args, 0)
      const [a] = args
      const type = result(a.type.kind === 'null' ? DoubleType : a.type)
      if (a.type.kind === 'null') return { type, evaluate: (batch) => nullVector(type, batch.numRows) }
      return { type, evaluate: (batch, ctx) => numericUnary(type, a.evaluate(batch, ctx) as NumberVector, f) }
    },
  })
}

// Java's (long) cast: NaN becomes 0 and infinities saturate, which Spark's floor/ceil inherit.
const LONG_MAX = 2 ** 63
const toLong = (x: number): number => (Number.isNaN(x) ? 0 : Math.max(-LONG_MAX, Math.min(LONG_MAX, x)) + 0)

unaryMath('abs', (t) => t, Math.abs)
unaryMath(
  'floor',
  () => LongType,
  (x) => toLong(Math.floor(x)),
)
unaryMath(
  'ceil',
  () => LongType,
  (x) => toLong(Math.ceil(x)),
)
unaryMath('sqrt', () => DoubleType, Math.sqrt)
unaryMath('exp', () => DoubleType, Math.exp)

/** Marks rows null where `isNull` holds for the input (Spark's log of a non-positive number). */
function nullWhere(out: NumberVector, input: NumberVector, isNull: (x: number) => boolean): NumberVector {
  let validity = out.validity ? out.validity.slice() : null
  const x = input.values
  for (let i = 0; i < x.length; i++) {
    if (isNull(x[i])) {
      validity ??= new Uint8Array(x.length).fill(1)
      validity[i] = 0
    }
  }
  return validity ? numberVector(out.type, out.values, validity) : out
}

registerFunction({
  kind: 'scalar',
  name: 'log',
  bind(args) {
    expectArity('log', args, 1, 2)
    for (let i = 0; i < args.length; i++) expectNumeric('log', args, i)
    if (args.some((a) => a.type.kind === 'null'))
      return { type: DoubleType, evaluate: (batch) => nullVector(DoubleType, batch.numRows) }
    if (args.length === 1) {
      const [a] = args
      return {
        type: DoubleType,
        evaluate: (batch, ctx) => {
          const x = asDoubles(a.evaluate(batch, ctx))
          return nullWhere(numericUnary(DoubleType, x, Math.log), x, (v) => v <= 0)
        },
      }
    }
    // log(base, x), as Spark's two-argument form.
    const [base, a] = args
    return {
      type: DoubleType,
      evaluate: (batch, ctx) => {
        const b = asDoubles(base.evaluate(batch, ctx))
        const x = asDoubles(a.evaluate(batch, ctx))
        const out = new Float64Array(x.length)
        let validity: Uint8Array | null = null
        for (let i = 0; i < x.length; i++) {
          const bad =
            (b.validity !== null && b.validity[i] === 0) ||
            (x.validity !== null && x.validity[i] === 0) ||
            b.values[i] <= 0 ||
            x.values[i] <= 0
          if (bad) {
            validity ??= new Uint8Array(x.length).fill(1)
            validity[i] = 0
          } else out[i] = Math.log(x.values[i]) / Math.log(b.values[i])
        }
        return numberVector(DoubleType, out, validity)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'pow',
  bind(args) {
    expectArity('pow', args, 2)
    expectNumeric('pow', args, 0)
    expectNumeric('pow', args, 1)
    const [a, b] = args
    if (a.type.kind === 'null' || b.type.kind === 'null')
      return { type: DoubleType, evaluate: (batch) => nullVector(DoubleType, batch.numRows) }
    return {
      type: DoubleType,
      evaluate: (batch, ctx) => {
        const x = asDoubles(a.evaluate(batch, ctx))
        if (b.constant) {
          const p = b.constant.value as number
          return numericUnary(DoubleType, x, p === 2 ? (v) => v * v : p === 0.5 ? Math.sqrt : (v) => v ** p)
        }
        const y = asDoubles(b.evaluate(batch, ctx))
        const out = new Float64Array(x.length)
        for (let i = 0; i < x.length; i++) out[i] = x.values[i] ** y.values[i]
        const validity =
          x.validity || y.validity
            ? Uint8Array.from({ length: x.length }, (_, i) => (x.validity?.[i] ?? 1) & (y.validity?.[i] ?? 1))
            : null
        return numberVector(DoubleType, out, validity)
      },
    }
  },
})

/**
 * round (HALF_UP) and bround (HALF_EVEN). Spark rounds the double's shortest decimal
 * form (BigDecimal(d)), so round(2.675, 2) is 2.68 even though the binary value is below
 * 2.675. The fast path multiplies by 10^scale and only falls back to decimal digits near
 * a tie or when the scaled value is too large for the quick arithmetic to be exact.
 */
function rounding(name: string, mode: 'HALF_UP' | 'HALF_EVEN'): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 1, 2)
      expectNumeric(name, args, 0)
      if (args[1]) expectIntegral(name, args, 1)
      const [a] = args
      const scale = args[1] ? (requireConstant(name, args, 1, 'the scale') as number | null) : 0
      const type = a.type.kind === 'null' ? DoubleType : a.type
      if (a.type.kind === 'null' || scale === null)
        return { type, evaluate: (batch) => nullVector(type, batch.numRows) }
      const integral = type.kind === 'int' || type.kind === 'long'
      if (integral && scale >= 0) return { type, evaluate: a.evaluate }
      const factor = 10 ** Math.abs(scale)
      const f = (x: number): number => {
        if (!Number.isFinite(x)) return x
        const y = scale >= 0 ? x * factor : x / factor
        const ay = Math.abs(y)
        if (ay < 1e9 && Math.abs(scale) <= 22) {
          const frac = ay - Math.floor(ay)
          if (Math.abs(frac - 0.5) > 1e-6) {
            const r = Math.sign(y) * Math.floor(ay + 0.5)
            const v = scale >= 0 ? r / factor : r * factor
            return v === 0 ? 0 : v
          }
        }
        return roundDecimal(x, scale, mode)
      }
      return { type, evaluate: (batch, ctx) => numericUnary(type, a.evaluate(batch, ctx) as NumberVector, f) }
    },
  })
}
rounding('round', 'HALF_UP')
rounding('bround', 'HALF_EVEN')

/** greatest/least: skips nulls; null only when every argument is null (Spark). */
function extreme(name: string, pick: (c: number) => boolean): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 2, Number.POSITIVE_INFINITY)
      let type: DataType | undefined = args[0].type
      for (const a of args) {
        type = type && commonType(type, a.type)
        if (!type || type.kind === 'array' || type.kind === 'struct' || type.kind === 'map') {
          throw new AnalysisError(
            `DATATYPE_MISMATCH: ${name} needs arguments of one orderable type, but got ${args.map((x: Compiled) => `${x.name}: ${typeToString(x.type)}`).join(', ')}. Cast them to one type.`,
            'DATATYPE_MISMATCH',
          )
        }
      }
      const t = type as DataType
      const live = args.filter((a) => a.type.kind !== 'null')
      return {
        type: t,
        evaluate: (batch, ctx) => {
          const n = batch.numRows
          if (live.length === 0) return nullVector(t, n)
          const vecs = live.map((a) => castVector(a.evaluate(batch, ctx), t, ctx.timeZone))
          if (vecs.every((v) => v.kind === 'number')) {
            const nv = vecs as NumberVector[]
            const out = new Float64Array(n)
            let validity: Uint8Array | null = null
            for (let i = 0; i < n; i++) {
              let best = Number.NaN
              let found = false
              for (const v of nv) {
                if (v.validity !== null && v.validity[i] === 0) continue
                const x = v.values[i]
                if (!found || pick(compareValues(x, best))) best = x
                found = true
              }
              if (found) out[i] = best
              else {
                validity ??= new Uint8Array(n).fill(1)
                validity[i] = 0
              }
            }
            return numberVector(t, out, validity)
          }
          return mapRows(
            t,
            vecs,
            n,
            (...vals) => {
              let best: unknown = null
              for (const x of vals)
                if (x !== null && (best === null || pick(compareValues(x, best)))) best = x
              return best
            },
            true,
          )
        },
      }
    },
  })
}
extreme('greatest', (c) => c > 0)
extreme('least', (c) => c < 0)
