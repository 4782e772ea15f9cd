/**
 * Property: a generated query written in SQL and in the fluent API is one plan (explain,
 * logical and physical, is identical) and gives the same rows.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Column, col, type DataFrame, functions as F, lit, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

interface Pair {
  readonly sql: string
  readonly fluent: Column
}

const numericColumn: fc.Arbitrary<Pair> = fc.constantFrom('a', 'b').map((c) => ({ sql: c, fluent: col(c) }))
const smallInt: fc.Arbitrary<Pair> = fc
  .integer({ min: -5, max: 5 })
  .map((n) => ({ sql: String(n), fluent: lit(n) }))

const arithmetic: fc.Arbitrary<Pair> = fc.oneof(
  numericColumn,
  fc
    .tuple(numericColumn, fc.constantFrom('+', '-', '*'), fc.oneof(numericColumn, smallInt))
    .map(([l, op, r]) => ({
      sql: `(${l.sql} ${op} ${r.sql})`,
      fluent:
        op === '+'
          ? l.fluent.plus(r.fluent)
          : op === '-'
            ? l.fluent.minus(r.fluent)
            : l.fluent.multiply(r.fluent),
    })),
)

const comparison: fc.Arbitrary<Pair> = fc
  .tuple(arithmetic, fc.constantFrom('=', '<>', '<', '<=', '>', '>='), smallInt)
  .map(([l, op, r]) => {
    const f = l.fluent
    const fluent = {
      '=': f.eq(r.fluent),
      '<>': f.neq(r.fluent),
      '<': f.lt(r.fluent),
      '<=': f.leq(r.fluent),
      '>': f.gt(r.fluent),
      '>=': f.geq(r.fluent),
    }[op]!
    return { sql: `${l.sql} ${op} ${r.sql}`, fluent }
  })

const keyPredicate: fc.Arbitrary<Pair> = fc.oneof(
  fc.subarray(['x', 'y', 'z'], { minLength: 1 }).map((ks) => ({
    sql: `k IN (${ks.map((k) => `'${k}'`).join(', ')})`,
    fluent: col('k').isin(...ks),
  })),
  fc.constant({ sql: 'k IS NOT NULL', fluent: col('k').isNotNull() }),
  fc.tuple(smallInt, smallInt).map(([lo, hi]) => ({
    sql: `a BETWEEN ${lo.sql} AND ${hi.sql}`,
    fluent: col('a').between(lo.fluent, hi.fluent),
  })),
)

const predicate: fc.Arbitrary<Pair> = fc.letrec<{ p: Pair }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    keyPredicate,
    fc.tuple(tie('p'), fc.constantFrom('AND', 'OR'), tie('p')).map(([l, op, r]) => ({
      sql: `(${l.sql} ${op} ${r.sql})`,
      fluent: op === 'AND' ? l.fluent.and(r.fluent) : l.fluent.or(r.fluent),
    })),
    tie('p').map((x) => ({ sql: `NOT (${x.sql})`, fluent: x.fluent.not() })),
  ),
})).p

const aggregate: fc.Arbitrary<Pair> = fc.oneof(
  fc.constant({ sql: 'count(*)', fluent: F.count() }),
  fc
    .tuple(fc.constantFrom('sum', 'min', 'max', 'avg', 'count'), fc.constantFrom('a', 'b'))
    .map(([fn, c]) => ({
      sql: `${fn}(${c})`,
      fluent: (
        { sum: F.sum, min: F.min, max: F.max, avg: F.avg, count: F.count } as Record<
          string,
          (c: string) => Column
        >
      )[fn](c),
    })),
)

interface Query {
  readonly sql: string
  readonly fluent: (df: DataFrame) => DataFrame
}

const projection: fc.Arbitrary<Query> = fc
  .tuple(fc.array(arithmetic, { minLength: 1, maxLength: 3 }), fc.option(predicate, { nil: undefined }))
  .map(([items, where]) => ({
    sql: `SELECT k, ${items.map((e, i) => `${e.sql} AS c${i}`).join(', ')} FROM t${where ? ` WHERE ${where.sql}` : ''}`,
    fluent: (df) =>
      (where ? df.where(where.fluent as Column<boolean>) : df).select(
        col('k'),
        ...items.map((e, i) => e.fluent.alias(`c${i}`)),
      ) as unknown as DataFrame,
  }))

const grouped: fc.Arbitrary<Query> = fc
  .tuple(
    fc.array(aggregate, { minLength: 1, maxLength: 3 }),
    fc.option(predicate, { nil: undefined }),
    fc.boolean(),
  )
  .map(([aggs, where, byKey]) => ({
    sql: `SELECT ${byKey ? 'k, ' : ''}${aggs.map((a, i) => `${a.sql} AS g${i}`).join(', ')} FROM t${where ? ` WHERE ${where.sql}` : ''}${byKey ? ' GROUP BY k' : ''}`,
    fluent: (df) => {
      const input = where ? df.where(where.fluent as Column<boolean>) : df
      const exprs = aggs.map((a, i) => a.fluent.alias(`g${i}`))
      return (byKey ? input.groupBy('k').agg(...exprs) : input.agg(...exprs)) as unknown as DataFrame
    },
  }))

const rowSchema = schema({
  k: { type: 'string', nullable: true },
  a: { type: 'long', nullable: true },
  b: 'double',
})
const rows = fc.array(
  fc.record({
    k: fc.option(fc.constantFrom('x', 'y', 'z'), { nil: null }),
    a: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
    b: fc.integer({ min: -20, max: 20 }).map((n) => n / 4),
  }),
  { maxLength: 12 },
)

const quietExplain = (df: DataFrame): string => {
  const log = console.log
  console.log = () => {}
  try {
    return df.explain(true)
  } finally {
    console.log = log
  }
}
const sorted = (rs: unknown[]): string[] => rs.map((r) => JSON.stringify(r)).sort()

describe('SQL and fluent forms are one query', () => {
  it('same explain and same rows for generated queries', async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.oneof(projection, grouped), async (data, q) => {
        const session = newSession()
        const df = session.createDataFrame(data, rowSchema) as unknown as DataFrame
        df.createOrReplaceTempView('t')
        const bySql = session.sql(q.sql)
        const byApi = q.fluent(df)
        expect(quietExplain(bySql)).toBe(quietExplain(byApi))
        // explain shows aliases, not what they name: the trees themselves must be equal too.
        expect(bySql.plan).toEqual(byApi.plan)
        expect(bySql.columns).toEqual(byApi.columns)
        expect(sorted(await bySql.collect())).toEqual(sorted(await byApi.collect()))
      }),
      { numRuns: 60 },
    )
  })
})
