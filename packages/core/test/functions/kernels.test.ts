/**
 * The fast paths of the expression kernels against plain reference implementations: a
 * column compared with or combined with a literal, three-valued AND / OR, IN over a list of
 * literals, CASE WHEN, udf calls, common-subexpression elimination, and the string memo of
 * regexp_extract, rlike, regexp_replace and split_part (the same results with and without it,
 * over strings that repeat, nulls, and across batches).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { numberVector, type Vector, valueAt } from '../../src/batch/vector.js'
import { compileExpr } from '../../src/expr/compile.js'
import type { Expr } from '../../src/expr/expr.js'
import { MEMO_WINDOW, map1, mapStringsMemo, StringMemo } from '../../src/expr/functions/common.js'
import { registerFunction } from '../../src/expr/registry.js'
import { type Column, col, functions as F, lit, type SchemaSpec, schema, when } from '../../src/index.js'
import { BooleanType, DoubleType, StringType } from '../../src/types/data-types.js'
import { newSession } from '../helpers.js'
import { frame, values } from './eval.js'

const ctx = { batchTimestampMs: 0, timeZone: 'UTC' }

/** Evaluates `c` with one compiled kernel over several batches of rows (state such as a memo carries over). */
function evalBatches(
  spec: SchemaSpec,
  c: Column,
  batches: readonly Record<string, unknown>[][],
): unknown[][] {
  const s = schema(spec)
  const compiled = compileExpr(s as never, c.expr)
  return batches.map((rows) => {
    const v = compiled.evaluate(ColumnarBatch.fromRows(s, rows) as never, ctx)
    return Array.from({ length: v.length }, (_, i) => valueAt(v, i))
  })
}

const nullableDouble = { type: 'double', nullable: true } as const
const nullableString = { type: 'string', nullable: true } as const
const nullableBool = { type: 'boolean', nullable: true } as const

/** The general comparison kernel's semantics: any comparison with NaN (!= too) is false. */
function compareRef(op: string, p: number | string, q: number | string): boolean {
  const c = p < q ? -1 : p > q ? 1 : p === q ? 0 : Number.NaN
  switch (op) {
    case 'eq':
      return c === 0
    case 'neq':
      return c !== 0 && !Number.isNaN(c)
    case 'lt':
      return c < 0
    case 'lte':
      return c <= 0
    case 'gt':
      return c > 0
    default:
      return c >= 0
  }
}

const OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte'] as const
const apply = (op: (typeof OPS)[number], a: Column, b: Column): Column =>
  op === 'eq'
    ? a.eq(b)
    : op === 'neq'
      ? a.neq(b)
      : op === 'lt'
        ? a.lt(b)
        : op === 'lte'
          ? a.leq(b)
          : op === 'gt'
            ? a.gt(b)
            : a.geq(b)

const special = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  2.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
)
const number = fc.oneof(special, fc.double({ noNaN: false }), fc.integer({ min: -5, max: 5 }))

describe('comparisons with a literal', () => {
  const session = newSession()

  it('number column against a number literal, either side, all operators, nulls and NaN', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(number), { minLength: 1, maxLength: 12 }),
        number,
        async (xs, c) => {
          const df = frame(
            session,
            { x: nullableDouble, y: nullableDouble },
            xs.map((x) => ({ x, y: c })),
          )
          for (const op of OPS) {
            const expected = xs.map((x) => (x === null ? null : compareRef(op, x, c)))
            const flipped = xs.map((x) => (x === null ? null : compareRef(op, c, x)))
            expect(await values(df, apply(op, col('x'), lit(c)))).toEqual(expected)
            expect(await values(df, apply(op, lit(c), col('x')))).toEqual(flipped)
            expect(await values(df, apply(op, col('x'), col('y')))).toEqual(expected)
          }
        },
      ),
      { numRuns: 80 },
    )
  })

  it('int and long columns against int and double literals compare as numbers', async () => {
    const df = frame(session, { i: { type: 'int', nullable: true }, l: 'long' }, [
      { i: 1, l: 3 },
      { i: null, l: -2 },
      { i: 3, l: 2 },
    ])
    expect(await values(df, col('i').lt(lit(2.5)))).toEqual([true, null, false])
    expect(await values(df, col('l').geq(lit(2)))).toEqual([true, false, true])
    expect(await values(df, lit(2).lt(col('l')))).toEqual([true, false, false])
    expect(await values(df, col('i').neq(lit(1)))).toEqual([false, null, true])
  })

  it('timestamps against a timestamp literal; a string literal is cast as before', async () => {
    const t = (s: string) => new Date(s)
    const df = frame(session, { t: { type: 'timestamp', nullable: true } }, [
      { t: t('2024-01-01T00:00:00Z') },
      { t: null },
      { t: t('2024-06-01T00:00:00Z') },
    ])
    expect(await values(df, col('t').gt(lit(t('2024-03-01T00:00:00Z'))))).toEqual([false, null, true])
    expect(await values(df, col('t').leq(lit('2024-01-01 00:00:00')))).toEqual([true, null, false])
  })

  it('a null literal gives null everywhere', async () => {
    const df = frame(session, { x: 'double', s: 'string' }, [{ x: 1, s: 'a' }])
    expect(await values(df, col('x').eq(lit(null)))).toEqual([null])
    expect(await values(df, col('s').lt(lit(null)))).toEqual([null])
  })

  it('string column against a string literal, either side, all operators, with nulls', async () => {
    const str = fc.constantFrom('', 'a', 'b', 'ab', 'B', 'é', '😀', 'apple')
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(str), { minLength: 1, maxLength: 12 }), str, async (xs, c) => {
        const df = frame(
          session,
          { s: nullableString },
          xs.map((s) => ({ s })),
        )
        for (const op of OPS) {
          expect(await values(df, apply(op, col('s'), lit(c)))).toEqual(
            xs.map((s) => (s === null ? null : compareRef(op, s, c))),
          )
          expect(await values(df, apply(op, lit(c), col('s')))).toEqual(
            xs.map((s) => (s === null ? null : compareRef(op, c, s))),
          )
        }
      }),
      { numRuns: 60 },
    )
  })
})

describe('AND, OR, IN', () => {
  const session = newSession()

  it('three-valued AND and OR over every combination of true, false and null', async () => {
    const vals = [true, false, null]
    const rows = vals.flatMap((p) => vals.map((q) => ({ p, q })))
    const df = frame(session, { p: nullableBool, q: nullableBool }, rows)
    const and = (p: boolean | null, q: boolean | null) =>
      p === false || q === false ? false : p === null || q === null ? null : true
    const or = (p: boolean | null, q: boolean | null) =>
      p === true || q === true ? true : p === null || q === null ? null : false
    expect(await values(df, col('p').and(col('q')))).toEqual(rows.map((r) => and(r.p, r.q)))
    expect(await values(df, col('p').or(col('q')))).toEqual(rows.map((r) => or(r.p, r.q)))
    // Without nulls (the bitwise path).
    const plain = rows.filter((r) => r.p !== null && r.q !== null)
    const df2 = frame(session, { p: 'boolean', q: 'boolean' }, plain)
    expect(await values(df2, col('p').and(col('q')))).toEqual(plain.map((r) => and(r.p, r.q)))
    expect(await values(df2, col('p').or(col('q')))).toEqual(plain.map((r) => or(r.p, r.q)))
  })

  it('AND / OR of random nullable booleans', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ p: fc.option(fc.boolean()), q: fc.option(fc.boolean()) }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (rows) => {
          const df = frame(session, { p: nullableBool, q: nullableBool }, rows)
          expect(await values(df, col('p').and(col('q')))).toEqual(
            rows.map(({ p, q }) =>
              p === false || q === false ? false : p === null || q === null ? null : true,
            ),
          )
          expect(await values(df, col('p').or(col('q')))).toEqual(
            rows.map(({ p, q }) =>
              p === true || q === true ? true : p === null || q === null ? null : false,
            ),
          )
        },
      ),
      { numRuns: 60 },
    )
  })

  it('IN a list of literals, for strings, numbers (NaN included) and booleans, nulls staying null', async () => {
    const df = frame(session, { s: nullableString, x: nullableDouble, b: nullableBool }, [
      { s: 'apple', x: 1, b: true },
      { s: 'Apple', x: Number.NaN, b: false },
      { s: null, x: null, b: null },
      { s: 'baidu', x: 3, b: true },
    ])
    expect(await values(df, col('s').isin('apple', 'baidu'))).toEqual([true, false, null, true])
    expect(await values(df, col('x').isin(1, Number.NaN))).toEqual([true, true, null, false])
    expect(await values(df, col('b').isin(true))).toEqual([true, false, null, true])
  })
})

describe('arithmetic with a literal', () => {
  const session = newSession()

  it('add, subtract, multiply, divide, mod by a literal equal the column-by-column result', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.oneof(special, fc.integer({ min: -100, max: 100 }))), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.oneof(special, fc.integer({ min: -7, max: 7 })),
        async (xs, c) => {
          const df = frame(
            session,
            { x: nullableDouble, y: nullableDouble },
            xs.map((x) => ({ x, y: c })),
          )
          const ops = [
            ['add', (a: Column, b: Column) => a.plus(b)],
            ['subtract', (a: Column, b: Column) => a.minus(b)],
            ['multiply', (a: Column, b: Column) => a.multiply(b)],
            ['divide', (a: Column, b: Column) => a.divide(b)],
            ['mod', (a: Column, b: Column) => a.mod(b)],
          ] as const
          for (const [, f] of ops) {
            const general = await values(df, f(col('x'), col('y')))
            expect(await values(df, f(col('x'), lit(c)))).toEqual(general)
          }
          // A literal on the left of + and * (which commute), and of - and / (the general path).
          expect(await values(df, lit(c).plus(col('x')))).toEqual(await values(df, col('y').plus(col('x'))))
          expect(await values(df, lit(c).multiply(col('x')))).toEqual(
            await values(df, col('y').multiply(col('x'))),
          )
          expect(await values(df, lit(c).minus(col('x')))).toEqual(await values(df, col('y').minus(col('x'))))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('integer results are truncated, division by zero is null', async () => {
    const df = frame(session, { i: { type: 'int', nullable: true } }, [{ i: 7 }, { i: -7 }, { i: null }])
    expect(await values(df, col('i').mod(lit(3)))).toEqual([1, -1, null])
    expect(await values(df, col('i').divide(lit(2)))).toEqual([3.5, -3.5, null])
    expect(await values(df, col('i').divide(lit(0)))).toEqual([null, null, null])
    expect(await values(df, col('i').mod(lit(0)))).toEqual([null, null, null])
    expect(await values(df, col('i').multiply(lit(2)))).toEqual([14, -14, null])
    expect(await values(df, col('i').plus(lit(null)))).toEqual([null, null, null])
  })
})

describe('CASE WHEN', () => {
  const session = newSession()

  /** The first branch whose condition is true, else the ELSE value, else null. */
  const pick = (conds: (boolean | null)[], vals: unknown[], otherwise: unknown) => {
    const j = conds.indexOf(true)
    return j >= 0 ? vals[j] : otherwise
  }

  it('over random conditions, with literal, column and null values of each type', async () => {
    const row = fc.record({
      c1: fc.option(fc.boolean()),
      c2: fc.option(fc.boolean()),
      n: fc.option(fc.double({ noNaN: true })),
      s: fc.option(fc.string({ maxLength: 3 })),
      b: fc.option(fc.boolean()),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 15 }),
        fc.boolean(),
        async (rows, withElse) => {
          const df = frame(
            session,
            { c1: nullableBool, c2: nullableBool, n: nullableDouble, s: nullableString, b: nullableBool },
            rows,
          )
          const c1 = col('c1')
          const c2 = col('c2')
          const cases: [Column, (r: (typeof rows)[number]) => unknown][] = [
            [
              withElse
                ? when(c1, lit(1.5)).when(c2, col('n')).otherwise(lit(null))
                : when(c1, lit(1.5)).when(c2, col('n')),
              (r) => pick([r.c1, r.c2], [1.5, r.n], null),
            ],
            [
              withElse ? when(c1, col('n')).otherwise(lit(-1)) : when(c1, col('n')),
              (r) => pick([r.c1], [r.n], withElse ? -1 : null),
            ],
            [
              withElse
                ? when(c1, 'x').when(c2, col('s')).otherwise(col('s'))
                : when(c1, 'x').when(c2, col('s')),
              (r) => pick([r.c1, r.c2], ['x', r.s], withElse ? r.s : null),
            ],
            [
              withElse ? when(c1, lit(null)).when(c2, 'y').otherwise('z') : when(c1, lit(null)).when(c2, 'y'),
              (r) => pick([r.c1, r.c2], [null, 'y'], withElse ? 'z' : null),
            ],
            [
              withElse
                ? when(c1, col('b')).when(c2, lit(false)).otherwise(lit(true))
                : when(c1, col('b')).when(c2, lit(false)),
              (r) => pick([r.c1, r.c2], [r.b, false], withElse ? true : null),
            ],
            // An int literal in a double CASE is cast once.
            [when(c1, lit(2)).otherwise(col('n')), (r) => pick([r.c1], [2], r.n)],
          ]
          for (const [c, ref] of cases) expect(await values(df, c)).toEqual(rows.map(ref))
        },
      ),
      { numRuns: 80 },
    )
  })

  it('a null condition is not true even when the bytes under it say so (Arrow leaves 0 under nulls)', () => {
    const s = schema({ x: nullableDouble })
    // Row 1 is null, with 0 stored under it: x = 0 is true in the bytes, null in truth.
    const x = numberVector(DoubleType, new Float64Array([0, 0, 5]), new Uint8Array([1, 0, 1]))
    const batch = new ColumnarBatch(s as never, [x], 3) as never
    const c = compileExpr(s as never, when(col('x').eq(0), 'zero').otherwise('other').expr)
    const v = c.evaluate(batch, ctx)
    expect([0, 1, 2].map((i) => valueAt(v, i))).toEqual(['zero', 'other', 'other'])
    const both = compileExpr(s as never, col('x').eq(0).and(col('x').leq(0)).expr).evaluate(batch, ctx)
    expect([0, 1, 2].map((i) => valueAt(both, i))).toEqual([true, null, false])
  })

  it('a value no row takes is not evaluated; conditions after every row is decided are not either', async () => {
    const df = frame(session, { s: 'string', k: 'int' }, [
      { s: 'a/b', k: 1 },
      { s: 'c/d', k: 1 },
    ])
    // split_part with part 0 would fail; no row takes that branch.
    const c = when(col('k').eq(1), 'one').when(col('k').eq(2), F.split_part('s', '/', col('k').minus(2)))
    expect(await values(df, c)).toEqual(['one', 'one'])
  })
})

describe('udf calls', () => {
  const session = newSession()

  it('passes literals, nulls and time (as Dates) and builds each result type', async () => {
    const df = frame(
      session,
      { s: nullableString, x: nullableDouble, t: { type: 'timestamp', nullable: true } },
      [
        { s: 'abcab', x: 2, t: new Date('2024-01-01T10:00:00Z') },
        { s: null, x: null, t: null },
      ],
    )
    const countChar = F.udf(
      (s: string | null, c: string) => (s === null ? null : s.split(c).length - 1),
      'long',
    )
    expect(await values(df, countChar(col('s'), lit('a')))).toEqual([2, null])
    const zero = F.udf(() => 'k', 'string')
    expect(await values(df, zero())).toEqual(['k', 'k'])
    const hour = F.udf((t: Date | null) => (t === null ? null : t.getUTCHours()), 'int')
    expect(await values(df, hour(col('t')))).toEqual([10, null])
    const four = F.udf(
      (a: string | null, b: number | null, c: string, d: number) => `${a}|${b}|${c}|${d}`,
      'string',
    )
    expect(await values(df, four(col('s'), col('x'), lit('L'), lit(7)))).toEqual([
      'abcab|2|L|7',
      'null|null|L|7',
    ])
    const positive = F.udf((x: number | null) => (x === null ? null : x > 0), 'boolean')
    expect(await values(df, positive(col('x')))).toEqual([true, null])
    const pair = F.udf((x: number | null) => (x === null ? null : [x, x]), { array: 'double' })
    expect(await values(df, pair(col('x')))).toEqual([[2, 2], null])
  })

  it('a udf used twice is called twice per row (a user function may keep state)', async () => {
    let calls = 0
    const counted = F.udf((x: number) => {
      calls++
      return x
    }, 'double')
    const df = frame(session, { x: 'double' }, [{ x: 1 }, { x: 2 }])
    expect(await values(df, counted(col('x')).plus(counted(col('x'))))).toEqual([2, 4])
    expect(calls).toBe(4)
  })
})

describe('common subexpressions', () => {
  let evaluations = 0
  registerFunction({
    kind: 'scalar',
    name: 'test_counted_upper',
    bind(args) {
      return {
        type: StringType,
        evaluate: (batch, c) => {
          evaluations++
          return map1<string>(StringType, args[0].evaluate(batch, c), (s) => s.toUpperCase())
        },
      }
    },
  })
  let failNext = false
  registerFunction({
    kind: 'scalar',
    name: 'test_failing_upper',
    bind(args) {
      return {
        type: StringType,
        evaluate: (batch, c) => {
          evaluations++
          if (failNext) throw new Error('failed on purpose')
          return map1<string>(StringType, args[0].evaluate(batch, c), (s) => s.toUpperCase())
        },
      }
    },
  })
  const counted = (c: Column, name = 'test_counted_upper'): Column =>
    new (c.constructor as new (e: Expr) => Column)({ kind: 'call', name, args: [c.expr] })

  it('a subexpression repeated in one expression is evaluated once per batch, and right', () => {
    const u = counted(col('s'))
    const c = when(u.eq('A'), 1).when(u.eq('B'), 2).when(u.eq('C'), 3).otherwise(F.length(u))
    evaluations = 0
    const out = evalBatches({ s: nullableString }, c, [
      [{ s: 'a' }, { s: 'b' }, { s: 'xyz' }, { s: null }],
      [{ s: 'c' }, { s: 'hello' }],
    ])
    expect(out).toEqual([
      [1, 2, 3, null],
      [3, 5],
    ])
    expect(evaluations).toBe(2) // once per batch, not four times
  })

  it('structurally different subexpressions are not merged', () => {
    const c = F.array(
      F.split_part('s', '/', 1),
      F.split_part('s', '/', -1),
      F.split_part('s', '/', 1),
      col('n').plus(lit(1)).cast('string'),
      col('n').plus(lit(1.5)).cast('string'),
      col('n').plus(lit(1)).cast('string'),
    )
    const [[row]] = evalBatches({ s: 'string', n: 'double' }, c, [[{ s: 'a/b/c', n: 1 }]]) as string[][][]
    expect(row.slice(0, 3)).toEqual(['a', 'c', 'a'])
    expect(row[3]).toBe(row[5])
    expect(row[4]).not.toBe(row[3])
  })

  it('a kernel that fails leaves nothing behind for the next batch', () => {
    const u = counted(col('s'), 'test_failing_upper')
    const c = F.concat(u, u)
    const s = schema({ s: 'string' })
    const compiled = compileExpr(s as never, c.expr)
    const batch = (rows: { s: string }[]) => ColumnarBatch.fromRows(s, rows) as never
    failNext = true
    expect(() => compiled.evaluate(batch([{ s: 'a' }]), ctx)).toThrow('failed on purpose')
    failNext = false
    const v = compiled.evaluate(batch([{ s: 'b' }, { s: 'c' }]), ctx)
    expect([valueAt(v, 0), valueAt(v, 1)]).toEqual(['BB', 'CC'])
  })
})

describe('StringMemo', () => {
  const f = (s: string) => `${s.toUpperCase()}:${s.length}`
  const asArray = (v: Vector) => Array.from({ length: v.length }, (_, i) => valueAt(v, i))
  const vec = (xs: (string | null)[]): Vector => ({
    kind: 'object',
    type: StringType,
    length: xs.length,
    values: xs,
  })

  it('gives the same results as no memo, over batches of repeating strings and nulls, whatever its settings', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'dd', '', 'é', 'x'.repeat(300))), {
            maxLength: 40,
          }),
          {
            maxLength: 6,
          },
        ),
        fc.array(fc.string({ maxLength: 4 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(0, 0.3, 0.9),
        (batches, unique, capacity, minHitRate) => {
          const memo = new StringMemo<string>(capacity, minHitRate, 8, 5)
          const boolMemo = new StringMemo<boolean>(capacity, minHitRate, 8, 5)
          for (const b of batches) {
            const xs = [...b, ...unique]
            expect(asArray(mapStringsMemo(StringType, vec(xs), memo, f))).toEqual(
              asArray(map1(StringType, vec(xs), f)),
            )
            const g = (s: string) => s.length > 1
            expect(asArray(mapStringsMemo(BooleanType, vec(xs), boolMemo, g))).toEqual(
              asArray(map1(BooleanType, vec(xs), g)),
            )
            expect(memo.size).toBeLessThanOrEqual(capacity)
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('keeps at most its capacity, never long strings, and stands aside when values do not repeat', () => {
    const memo = new StringMemo<string>(4, 0.5, 10, 20)
    const distinct = Array.from({ length: 10 }, (_, i) => `v${i}`)
    mapStringsMemo(StringType, vec(distinct), memo, f)
    // Ten lookups, no hits: below half, so it empties itself and rests for 20 lookups.
    expect(memo.isResting).toBe(true)
    expect(memo.size).toBe(0)
    mapStringsMemo(StringType, vec(Array.from({ length: 20 }, () => 'a')), memo, f)
    // Back after 20 lookups: the last one is remembered again.
    expect(memo.isResting).toBe(false)
    expect(memo.size).toBe(1)
    mapStringsMemo(StringType, vec(['a', 'a', 'b', 'c', 'd', 'e', 'x'.repeat(300)]), memo, f)
    expect(memo.size).toBe(4)
    expect(memo.get('a')).toBe('A:1')
    expect(memo.get('e')).toBeUndefined()
  })
})

describe('functions with a memo, across batches', () => {
  // A pool of repeating strings (a memo's case), strings seen once, and nulls, over enough
  // rows that the memo fills, freezes, and stands aside and comes back.
  const pool = [
    'https://x.com/a/b/c?channel_id=1',
    'https://x.com/a/b/c?channel_id=22&q=1',
    'https://x.com/a/b/c',
    'channel_id=',
    '',
    'a//b',
  ]
  const rows = (seed: number, n: number): Record<string, unknown>[] => {
    let r = seed
    const next = () => {
      r = (Math.imul(r, 1103515245) + 12345) >>> 0
      return r
    }
    return Array.from({ length: n }, (_, i) => {
      const k = next() % 10
      const s = k < 6 ? pool[k] : k < 9 ? `https://y.com/${i}/${next() % 100000}?channel_id=${i % 7}` : null
      return { s }
    })
  }
  // Long runs of distinct strings (the memo rests), then repeats again (it comes back).
  const batches = [
    rows(1, 3000),
    Array.from({ length: 3 * MEMO_WINDOW }, (_, i) => ({ s: `distinct-${i}/x` })),
    rows(2, 20 * MEMO_WINDOW),
    rows(3, 5000),
  ]
  const all = batches.flat().map((r) => r.s as string | null)
  const reference = (f: (s: string) => unknown) => all.map((s) => (s === null ? null : f(s)))
  const run = (c: Column) => evalBatches({ s: nullableString }, c, batches).flat()

  it('regexp_extract', () => {
    const re = /(&|\?|^)channel_id=([^&]*)/u
    expect(run(F.regexp_extract('s', '(&|\\?|^)channel_id=([^&]*)', 2))).toEqual(
      reference((s) => re.exec(s)?.[2] ?? ''),
    )
  })

  it('rlike', () => {
    expect(run(col('s').rlike('channel_id=\\d'))).toEqual(reference((s) => /channel_id=\d/u.test(s)))
  })

  it('regexp_replace', () => {
    expect(run(F.regexp_replace('s', '[0-9]+', '#'))).toEqual(reference((s) => s.replace(/[0-9]+/gu, '#')))
  })

  it('split_part', () => {
    const part = (s: string, k: number) => {
      const parts = s.split('/')
      const i = k > 0 ? k - 1 : parts.length + k
      return i >= 0 && i < parts.length ? parts[i] : ''
    }
    expect(run(F.split_part('s', '/', 4))).toEqual(reference((s) => part(s, 4)))
    expect(run(F.split_part('s', '/', -1))).toEqual(reference((s) => part(s, -1)))
  })
})
