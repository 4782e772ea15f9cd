/** Math functions against Spark's documented results ("doc"), with nulls, NaN and result types. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { col, functions as F, lit } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { call, errorOf, frame, scalar, typeOf, values } from './eval.js'

const doubles = (xs: (number | null)[]) =>
  frame(
    newSession(),
    { x: { type: 'double', nullable: true } },
    xs.map((x) => ({ x })),
  )
const ints = (xs: (number | null)[]) =>
  frame(
    newSession(),
    { n: { type: 'int', nullable: true } },
    xs.map((n) => ({ n })),
  )

describe('abs, floor, ceil', () => {
  it('abs keeps the input type', async () => {
    expect(await values(ints([-1, 2, null]), F.abs('n'))).toEqual([1, 2, null])
    expect(typeOf(ints([1]), F.abs('n'))).toBe('int')
    expect(await values(doubles([-1.5, -0, Number.NaN]), F.abs('x'))).toEqual([1.5, 0, Number.NaN])
    expect(typeOf(doubles([1]), F.abs('x'))).toBe('double')
  })

  it('floor and ceil give longs (doc: ceil(-0.1) = 0, ceil(5) = 5, floor(-0.1) = -1, floor(5) = 5)', async () => {
    const df = doubles([-0.1, 5, 2.5, null])
    expect(await values(df, F.ceil('x'))).toEqual([0, 5, 3, null])
    expect(await values(df, F.floor('x'))).toEqual([-1, 5, 2, null])
    expect(typeOf(df, F.floor('x'))).toBe('long')
    expect(typeOf(ints([1]), F.ceil('n'))).toBe('long')
    // Java's (long) cast of NaN.
    expect(await values(doubles([Number.NaN]), F.floor('x'))).toEqual([0])
  })
})

describe('round and bround', () => {
  it('round is HALF_UP, bround HALF_EVEN (doc: round(2.5, 0) = 3, bround(2.5, 0) = 2)', async () => {
    const df = doubles([2.5, 3.5, -2.5, 0.5, -0.5, 1.4999, null])
    expect(await values(df, F.round('x'))).toEqual([3, 4, -3, 1, -1, 1, null])
    expect(await values(df, F.bround('x'))).toEqual([2, 4, -2, 0, 0, 1, null])
    expect(typeOf(df, F.round('x'))).toBe('double')
  })

  it('negative scales round integers and keep their type (doc: round(25, -1) = 30, bround(25, -1) = 20)', async () => {
    const df = ints([25, 35, -25, 14, null])
    expect(await values(df, F.round('n', -1))).toEqual([30, 40, -30, 10, null])
    expect(await values(df, F.bround('n', -1))).toEqual([20, 40, -20, 10, null])
    expect(await values(df, F.round('n', 2))).toEqual([25, 35, -25, 14, null])
    expect(typeOf(df, F.round('n', -1))).toBe('int')
    expect(await values(doubles([123.456, 150]), F.round('x', -2))).toEqual([100, 200])
  })

  it('rounds the decimal the double prints as, like Spark (BigDecimal(2.675) rounds to 2.68)', async () => {
    const df = doubles([2.675, 1.005, 0.125, 0.135, 1.23456789, 1e-20, 12345678901234.5])
    expect(await values(df, F.round('x', 2))).toEqual([2.68, 1.01, 0.13, 0.14, 1.23, 0, 12345678901234.5])
    expect(await values(df, F.bround('x', 2))).toEqual([2.68, 1, 0.12, 0.14, 1.23, 0, 12345678901234.5])
    expect(await values(df, F.round('x', 0))).toEqual([3, 1, 0, 0, 1, 0, 12345678901235])
    expect(await values(df, F.bround('x', 0))).toEqual([3, 1, 0, 0, 1, 0, 12345678901234])
  })

  it('NaN and infinities pass through', async () => {
    const df = doubles([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
    expect(await values(df, F.round('x', 1))).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ])
  })

  it('the scale must be a literal integer', async () => {
    const df = frame(newSession(), { x: 'double', s: 'int' }, [{ x: 1, s: 1 }])
    expect(await errorOf(df, call('round', col('x'), col('s')))).toBe(
      'DATATYPE_MISMATCH: the second argument of round (the scale) must be a literal, but s is a column expression. Pass a constant value.',
    )
  })
})

describe('sqrt, exp, log, pow', () => {
  it('give doubles; log of a non-positive number is null as in Spark', async () => {
    const df = doubles([4, 1, 0, -1, null])
    expect(await values(df, F.sqrt('x'))).toEqual([2, 1, 0, Number.NaN, null])
    expect(await values(df, F.exp('x'))).toEqual([Math.exp(4), Math.E, 1, Math.exp(-1), null])
    expect(await values(df, F.log('x'))).toEqual([Math.log(4), 0, null, null, null])
    expect(typeOf(ints([1]), F.sqrt('n'))).toBe('double')
    expect(typeOf(ints([1]), F.log('n'))).toBe('double')
  })

  it('log(base, x) as in Spark (doc: log(10, 100) = 2)', async () => {
    expect(await scalar(newSession(), call('log', lit(10), lit(100)))).toBe(2)
  })

  it('pow with a literal or a column exponent (doc: pow(2, 3) = 8.0)', async () => {
    const df = frame(newSession(), { b: 'int', e: { type: 'double', nullable: true } }, [
      { b: 2, e: 3 },
      { b: 4, e: 0.5 },
      { b: 2, e: null },
    ])
    expect(await values(df, F.pow('b', 3))).toEqual([8, 64, 8])
    expect(await values(df, F.pow('b', col('e')))).toEqual([8, 2, null])
    expect(typeOf(df, F.pow('b', 2))).toBe('double')
  })
})

describe('greatest and least', () => {
  it('doc: greatest(10, 9, 2, 4, 3) = 10, least(10, 9, 2, 4, 3) = 2', async () => {
    const s = newSession()
    const args = [10, 9, 2, 4, 3].map((x) => lit(x))
    expect(await scalar(s, F.greatest(...args))).toBe(10)
    expect(await scalar(s, F.least(...args))).toBe(2)
  })

  it('skip nulls; null only when all are null; widen the type', async () => {
    const df = frame(
      newSession(),
      { a: { type: 'int', nullable: true }, b: { type: 'double', nullable: true } },
      [
        { a: 1, b: 2.5 },
        { a: null, b: -1 },
        { a: 3, b: null },
        { a: null, b: null },
        { a: 1, b: Number.NaN },
      ],
    )
    expect(await values(df, F.greatest('a', 'b'))).toEqual([2.5, -1, 3, null, Number.NaN])
    expect(await values(df, F.least('a', 'b'))).toEqual([1, -1, 3, null, 1])
    expect(typeOf(df, F.greatest('a', 'b'))).toBe('double')
  })

  it('work on strings and refuse mixed types', async () => {
    const df = frame(newSession(), { s: 'string', t: 'string', n: 'int' }, [
      { s: 'apple', t: 'banana', n: 1 },
    ])
    expect(await values(df, F.greatest('s', 't'))).toEqual(['banana'])
    expect(await errorOf(df, F.least('s', 'n'))).toBe(
      'DATATYPE_MISMATCH: least needs arguments of one orderable type, but got s: string, n: int. Cast them to one type.',
    )
  })
})

describe('type errors', () => {
  it('a string where a number is needed', async () => {
    const df = frame(newSession(), { s: 'string' }, [{ s: '4' }])
    expect(await errorOf(df, F.sqrt(col('s') as never))).toBe(
      "DATATYPE_MISMATCH: the first argument of sqrt must be a number (int, long, float or double), but s is string. Convert it with .cast('double').",
    )
  })
})

describe('properties', () => {
  const session = newSession()

  it('round and bround agree away from a half', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: 0, max: 999 }).filter((f) => f !== 500),
        fc.integer({ min: 0, max: 3 }),
        async (whole, thousandths, scale) => {
          const x = whole + thousandths / 1000
          const df = frame(session, { x: 'double' }, [{ x }])
          const [r] = await values(df, F.round('x', scale))
          const [b] = await values(df, F.bround('x', scale))
          if (scale < 3 && thousandths % 10 ** (3 - scale) === 5 * 10 ** (2 - scale)) return
          expect(r).toBe(b)
        },
      ),
      { numRuns: 80 },
    )
  })

  it('round(k / 10^s, s) is k / 10^s', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 }), async (k, s) => {
        const x = k / 10 ** s
        const df = frame(session, { x: 'double' }, [{ x }])
        expect(await values(df, F.round('x', s))).toEqual([x])
        expect(await values(df, F.bround('x', s))).toEqual([x])
      }),
      { numRuns: 80 },
    )
  })
})
