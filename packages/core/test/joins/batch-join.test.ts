/**
 * Joins of bounded DataFrames: every join type, SQL null semantics, using-columns versus
 * conditions, qualified names, residual and non-equi conditions, errors and explain.
 */
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { col, type DataFrame, functions as F, lit, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const people = schema({ id: { type: 'long', nullable: true }, name: 'string' })
const orders = schema({ id: { type: 'long', nullable: true }, amount: 'double' })
const peopleRows = [
  { id: 1, name: 'ada' },
  { id: 2, name: 'bob' },
  { id: null, name: 'nil' },
  { id: 4, name: 'dan' },
]
const orderRows = [
  { id: 1, amount: 10 },
  { id: 1, amount: 11 },
  { id: 3, amount: 30 },
  { id: null, amount: 0 },
]

const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort()

function frames() {
  const session = newSession()
  return {
    session,
    p: session.createDataFrame(peopleRows, people),
    o: session.createDataFrame(orderRows, orders),
  }
}

describe('batch joins on column names', () => {
  it('inner keeps one copy of the key; null keys never match', async () => {
    const { p, o } = frames()
    const rows = await p.join(o, 'id').collect()
    expect(sorted(rows)).toEqual(
      sorted([
        { id: 1, name: 'ada', amount: 10 },
        { id: 1, name: 'ada', amount: 11 },
      ]),
    )
    expect(p.join(o, 'id').columns).toEqual(['id', 'name', 'amount'])
  })

  it('left, right and full outer joins fill the missing side with nulls', async () => {
    const { p, o } = frames()
    expect(sorted(await p.join(o, ['id'], 'left').collect())).toEqual(
      sorted([
        { id: 1, name: 'ada', amount: 10 },
        { id: 1, name: 'ada', amount: 11 },
        { id: 2, name: 'bob', amount: null },
        { id: null, name: 'nil', amount: null },
        { id: 4, name: 'dan', amount: null },
      ]),
    )
    // Spark's USING right join takes the key from the right side.
    expect(sorted(await p.join(o, 'id', 'right_outer').collect())).toEqual(
      sorted([
        { id: 1, name: 'ada', amount: 10 },
        { id: 1, name: 'ada', amount: 11 },
        { id: 3, name: null, amount: 30 },
        { id: null, name: null, amount: 0 },
      ]),
    )
    // Full outer: the key is the first non-null of the two sides' keys.
    expect(sorted(await p.join(o, 'id', 'outer').collect())).toEqual(
      sorted([
        { id: 1, name: 'ada', amount: 10 },
        { id: 1, name: 'ada', amount: 11 },
        { id: 2, name: 'bob', amount: null },
        { id: null, name: 'nil', amount: null },
        { id: 4, name: 'dan', amount: null },
        { id: 3, name: null, amount: 30 },
        { id: null, name: null, amount: 0 },
      ]),
    )
  })

  it('semi and anti joins return left rows, each once', async () => {
    const { p, o } = frames()
    expect(sorted(await p.join(o, 'id', 'left_semi').collect())).toEqual(sorted([{ id: 1, name: 'ada' }]))
    // NOT EXISTS semantics: a null key matches nothing, so its row is kept.
    expect(sorted(await p.join(o, 'id', 'anti').collect())).toEqual(
      sorted([
        { id: 2, name: 'bob' },
        { id: null, name: 'nil' },
        { id: 4, name: 'dan' },
      ]),
    )
  })

  it('joins on several keys, comparing int with double and string with number as Spark does', async () => {
    const session = newSession()
    const a = session.createDataFrame(
      [
        { k1: 1, k2: 'x', v: 'a1' },
        { k1: 2, k2: 'y', v: 'a2' },
      ],
      schema({ k1: 'int', k2: 'string', v: 'string' }),
    )
    const b = session.createDataFrame(
      [
        { k1: 1.0, k2: 'x', w: 'b1' },
        { k1: 2.0, k2: 'z', w: 'b2' },
      ],
      schema({ k1: 'double', k2: 'string', w: 'string' }),
    )
    expect(await a.join(b, ['k1', 'k2']).collect()).toEqual([{ k1: 1, k2: 'x', v: 'a1', w: 'b1' }])
    const c = session.createDataFrame([{ code: '2', w: 'c2' }], schema({ code: 'string', w: 'string' }))
    expect(
      await a
        .join(c, col('k1').eq(col('code')))
        .select('v', 'w')
        .collect(),
    ).toEqual([{ v: 'a2', w: 'c2' }])
  })

  it('crossJoin pairs every row with every row', async () => {
    const { p, o, session } = frames()
    expect(await p.crossJoin(o.select('amount')).count()).toBe(16)
    const few = session.range(3).crossJoin(session.range(2).withColumnRenamed('id', 'j'))
    expect(await few.count()).toBe(6)
  })
})

describe('batch joins on conditions', () => {
  it('qualifies names both sides have with alias(), and keeps one copy of an equated key', async () => {
    const { p, o } = frames()
    const joined = p.alias('p').join(o.alias('o'), col('p.id').eq(col('o.id')), 'left')
    expect(joined.columns).toEqual(['id', 'name', 'amount'])
    expect(sorted(await joined.collect())).toEqual(sorted(await p.join(o, 'id', 'left').collect()))
  })

  it('evaluates a residual condition on candidate pairs; an outer row whose pairs all fail is unmatched', async () => {
    const { p, o } = frames()
    const joined = p
      .alias('p')
      .join(o.alias('o'), col('p.id').eq(col('o.id')).and(col('amount').gt(10)), 'left')
      .select('name', 'amount')
    expect(sorted(await joined.collect())).toEqual(
      sorted([
        { name: 'ada', amount: 11 },
        { name: 'bob', amount: null },
        { name: 'nil', amount: null },
        { name: 'dan', amount: null },
      ]),
    )
  })

  it('conjuncts over one side filter that side before the join, and keep outer rows', async () => {
    const { p, o } = frames()
    const joined = p
      .alias('p')
      .join(o.alias('o'), col('p.id').eq(col('o.id')).and(col('name').eq('bob')), 'left')
      .select('name', 'amount')
    expect(sorted(await joined.collect())).toEqual(
      sorted([
        { name: 'ada', amount: null },
        { name: 'bob', amount: null },
        { name: 'nil', amount: null },
        { name: 'dan', amount: null },
      ]),
    )
  })

  it('runs a nested loop join for a condition without equalities', async () => {
    const session = newSession()
    const bands = session.createDataFrame(
      [
        { band: 'low', lo: 0, hi: 10 },
        { band: 'high', lo: 10, hi: 100 },
      ],
      schema({ band: 'string', lo: 'double', hi: 'double' }),
    )
    const { o } = frames()
    const joined = o.join(
      bands,
      col('amount')
        .geq(col('lo'))
        .and(col('amount').lt(col('hi'))),
      'left',
    )
    expect(joined.explain()).toContain('NestedLoopJoin')
    expect(sorted(await joined.select('amount', 'band').collect())).toEqual(
      sorted([
        { amount: 10, band: 'high' },
        { amount: 11, band: 'high' },
        { amount: 30, band: 'high' },
        { amount: 0, band: 'low' },
      ]),
    )
  })

  it('takes several conditions as an array (ANDed, as in PySpark)', async () => {
    const { p, o } = frames()
    const joined = p.alias('p').join(o.alias('o'), [col('p.id').eq(col('o.id')), col('amount').lt(11)])
    expect(await joined.select('name', 'amount').collect()).toEqual([{ name: 'ada', amount: 10 }])
  })

  it('a join without a condition pairs every row (inner), and a false condition matches nothing', async () => {
    const { p, o } = frames()
    expect(await p.join(o.select('amount')).count()).toBe(16)
    expect(await p.join(o.select('amount'), lit(false), 'left').count()).toBe(4)
  })
})

describe('join errors name the cause and the fix', () => {
  it('refuses a name both sides have without a qualifier', () => {
    const { p, o } = frames()
    expect(() => p.join(o, col('id').eq(col('id')))).toThrow(/AMBIGUOUS_REFERENCE.*alias\(\)/)
  })

  it('refuses two output columns of one name', () => {
    const { p, session } = frames()
    const other = session.createDataFrame([{ pid: 1, name: 'x' }], schema({ pid: 'long', name: 'string' }))
    expect(() => p.join(other, col('id').eq(col('pid')))).toThrow(
      /JOIN_DUPLICATE_COLUMNS.*'name'.*withColumnRenamed/,
    )
    // Semi joins output the left only: no clash.
    expect(() => p.join(other, col('id').eq(col('pid')), 'semi')).not.toThrow()
  })

  it('spells out the one-line rename, and that line makes the join work', async () => {
    const { p, session } = frames()
    const other = session.createDataFrame([{ pid: 1, name: 'x' }], schema({ pid: 'long', name: 'string' }))
    expect(() => p.join(other, col('id').eq(col('pid')))).toThrow(
      "one line: right.withColumnRenamed('name', 'right_name'), then join it and refer to 'right_name'",
    )
    const right = other
    const joined = p.join(right.withColumnRenamed('name', 'right_name'), col('id').eq(col('pid')))
    expect(joined.schema.names).toContain('right_name')
    expect(joined.schema.names).toContain('name')
  })

  it('lists both sides’ columns for an unknown name, qualified by their aliases', () => {
    const { p, o } = frames()
    expect(() => p.alias('p').join(o.alias('o'), col('p.id').eq(col('o.nope')))).toThrow(
      /UNRESOLVED_COLUMN.*'o\.nope'.*'o\.amount'/,
    )
    expect(() => p.join(o, col('zzz').eq(col('amount')))).toThrow(/UNRESOLVED_COLUMN.*'name \(left\)'/)
  })

  it('refuses an unknown join type, a using column one side lacks, keys that cannot compare and non-boolean conditions', () => {
    const { p, o, session } = frames()
    expect(() => p.join(o, 'id', 'sideways' as 'inner')).toThrow(/UNSUPPORTED_JOIN_TYPE.*left_semi/)
    expect(() => p.join(o, 'name' as 'id')).toThrow(/UNRESOLVED_USING_COLUMN.*right side/)
    const arrays = session.createDataFrame([{ tags: ['a'] }], schema({ tags: { array: 'string' } }))
    expect(() => p.join(arrays, col('id').eq(col('tags')))).toThrow(
      /DATATYPE_MISMATCH.*id: long and tags: array/,
    )
    expect(() => p.join(arrays.withColumnRenamed('tags', 'id'), 'id')).toThrow(
      /DATATYPE_MISMATCH: join keys id \(long\) and id \(array<string>\) cannot be compared/,
    )
    expect(() => p.join(o.select('amount'), col('amount'))).toThrow(/DATATYPE_MISMATCH.*not boolean/)
  })
})

describe('explain and hints', () => {
  it('shows the join, the alias and the broadcast hint', () => {
    const { p, o } = frames()
    const text = p.alias('p').join(F.broadcast(o), 'id', 'left').explain(true)
    expect(text).toContain('Join LeftOuter, using [id]')
    expect(text).toContain('SubqueryAlias p')
    expect(text).toContain('ResolvedHint (strategy=broadcast)')
    expect(text).toContain('BroadcastHashJoin [id], [id], LeftOuter, BuildRight')
  })
})

describe('typed join results', () => {
  it('merges the row types, nullable on a side an outer join can leave empty', () => {
    const { p, o } = frames()
    type Id = number | null
    expectTypeOf(p.join(o, 'id')).toEqualTypeOf<DataFrame<{ id: Id; name: string; amount: number }>>()
    expectTypeOf(p.join(o, 'id', 'left')).toEqualTypeOf<
      DataFrame<{ id: Id; name: string; amount: number | null }>
    >()
    expectTypeOf(p.join(o, 'id', 'full')).toEqualTypeOf<
      DataFrame<{ id: Id; name: string | null; amount: number | null }>
    >()
    expectTypeOf(p.join(o, 'id', 'left_anti')).toEqualTypeOf<DataFrame<{ id: Id; name: string }>>()
    const byCondition = p.alias('p').join(o.alias('o'), col('p.id').eq(col('o.id')), 'right')
    expectTypeOf(byCondition).toEqualTypeOf<DataFrame<{ id: Id; name: string | null; amount: number }>>()
    // @ts-expect-error: 'name' is not a column of the right side
    expect(() => p.join(o, 'name')).toThrow()
  })
})

/** A nested loop over rows: what every join type means, to compare the engine with. */
function reference(
  left: { k: number | null; a: number }[],
  right: { k: number | null; b: number }[],
  how: string,
): unknown[] {
  const match = (l: { k: number | null; a: number }, r: { k: number | null; b: number }) =>
    l.k !== null && l.k === r.k && r.b > l.a
  const out: unknown[] = []
  const rightMatched = new Set<number>()
  for (const l of left) {
    const ms = right.map((r, j) => [r, j] as const).filter(([r]) => match(l, r))
    for (const [, j] of ms) rightMatched.add(j)
    if (how === 'left_semi') {
      if (ms.length) out.push(l)
    } else if (how === 'left_anti') {
      if (!ms.length) out.push(l)
    } else {
      for (const [r] of ms) out.push({ k: l.k, a: l.a, b: r.b })
      if (!ms.length && (how === 'left_outer' || how === 'full_outer')) out.push({ k: l.k, a: l.a, b: null })
    }
  }
  if (how === 'right_outer' || how === 'full_outer') {
    right.forEach((r, j) => {
      if (!rightMatched.has(j)) out.push({ k: r.k, a: null, b: r.b })
    })
  }
  return out
}

describe('batch joins against a nested-loop reference', () => {
  it('every join type with keys, nulls, duplicates and a residual condition', async () => {
    const row = <T extends string>(name: T) =>
      fc.record({
        k: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
        [name]: fc.integer({ min: 0, max: 9 }),
      })
    await fc.assert(
      fc.asyncProperty(
        fc.array(row('a'), { maxLength: 25 }),
        fc.array(row('b'), { maxLength: 25 }),
        fc.constantFrom('inner', 'left_outer', 'right_outer', 'full_outer', 'left_semi', 'left_anti'),
        async (ls, rs, how) => {
          const session = newSession()
          const l = session.createDataFrame(
            ls as { k: number | null; a: number }[],
            schema({ k: { type: 'long', nullable: true }, a: 'long' }),
          )
          const r = session.createDataFrame(
            (rs as { k: number | null; b: number }[]).map(({ k, b }) => ({ rk: k, b })),
            schema({ rk: { type: 'long', nullable: true }, b: 'long' }),
          )
          const joined = l.join(
            r,
            col('k')
              .eq(col('rk'))
              .and(col('b').gt(col('a'))),
            how,
          )
          const got = (await joined.collect()).map((x) => {
            const { rk, ...rest } = x as Record<string, unknown>
            // The reference reports the key as the side that has one.
            return how === 'left_semi' || how === 'left_anti' ? rest : { ...rest, k: rest.k ?? rk }
          })
          const want = reference(
            ls as { k: number | null; a: number }[],
            rs as { k: number | null; b: number }[],
            how,
          )
          expect(sorted(got)).toEqual(sorted(want))
          await session.stop()
        },
      ),
      { numRuns: 60 },
    )
  })
})
