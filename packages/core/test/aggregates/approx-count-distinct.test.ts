import { deserialize, serialize } from 'node:v8'
import fc from 'fast-check'
import { pack, unpack } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { objectVector } from '../../src/batch/vector.js'
import { accumulatorFor } from '../../src/exec/aggregate/functions.js'
import { decodeRegisters, estimateCardinality, mergeRegisters } from '../../src/exec/aggregate/hyperloglog.js'
import { type DataFrame, functions as F, nullable, schema } from '../../src/index.js'
import { StringType } from '../../src/types/data-types.js'
import { newSession } from '../helpers.js'
import { byKey, completeModeOverBatches, numericFrame, seeded, shuffle, split } from './support.js'

const RSDS = [0.01, 0.05, 0.1] as const
const cols = { n01: 0.01, n05: 0.05, n10: 0.1 } as const

/** A frame where group k holds cards[k] distinct longs (some repeated) and a few nulls. */
function distinctFrame(
  session: ReturnType<typeof newSession>,
  groups: readonly { key: number; card: number; seed: number }[],
) {
  const k: number[] = []
  const v: number[] = []
  for (const { key, card, seed } of groups) {
    const random = seeded(seed)
    // Distinct by construction (an injective map of i), spread over 2^51.
    const value = (i: number) => (seed * 1_000_003 + i * 2_654_435_761) % 2 ** 51
    for (let i = 0; i < card; i++) {
      k.push(key)
      v.push(value(i))
    }
    for (let i = 0; i < Math.ceil(card / 10); i++) {
      k.push(key)
      v.push(value(Math.floor(random() * card)))
    }
    for (let i = 0; i < 3; i++) {
      k.push(key)
      v.push(Number.NaN)
    }
  }
  return numericFrame(session, schema({ k: 'long', v: 'long' }), {
    k: Float64Array.from(k),
    v: Float64Array.from(v),
  })
}

async function estimates(
  session: ReturnType<typeof newSession>,
  groups: readonly { key: number; card: number; seed: number }[],
) {
  const rows = await distinctFrame(session, groups)
    .groupBy('k')
    .agg(
      F.approx_count_distinct('v', 0.01).alias('n01'),
      F.approx_count_distinct('v').alias('n05'),
      F.approx_count_distinct('v', 0.1).alias('n10'),
    )
    .collect()
  return new Map(rows.map((r) => [r.k, r]))
}

describe('approx_count_distinct', () => {
  it('stays within 3·rsd of the true count (plus 1 for rounding) from 0 to 1e6 distinct values', async () => {
    const session = newSession()
    const cards = [0, 1, 10, 100, 1000, 10_000, 100_000]
    const groups = [1, 2, 3].flatMap((seed) => cards.map((card, i) => ({ key: seed * 100 + i, card, seed })))
    groups.push({ key: 999, card: 1_000_000, seed: 4 })
    const got = await estimates(session, groups)
    expect(got.size).toBe(groups.length)
    for (const { key, card } of groups) {
      const row = got.get(key)!
      for (const [col, rsd] of Object.entries(cols)) {
        const est = row[col as keyof typeof cols] as number
        if (card === 0) expect(est, `${col} of an all-null group`).toBe(0)
        else
          expect(
            Math.abs(est - card),
            `${col} at ${card} distinct (group ${key}): ${est}`,
          ).toBeLessThanOrEqual(3 * rsd * card + 1)
      }
    }
  })

  it('has RMS relative error below rsd and no visible bias, through the linear-counting and bias-corrected ranges', async () => {
    const session = newSession()
    // 200 groups from 100 to 5075 distinct values: linear counting at the low end, the
    // bias-corrected raw estimate (≤ 5m) above it for p = 7 (rsd 0.1) and p = 9 (0.05).
    const groups = Array.from({ length: 200 }, (_, j) => ({ key: j, card: 100 + 25 * j, seed: 1000 + j }))
    const got = await estimates(session, groups)
    for (const [col, rsd] of Object.entries(cols)) {
      const errors = groups.map(
        ({ key, card }) => ((got.get(key)![col as keyof typeof cols] as number) - card) / card,
      )
      const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length)
      const mean = errors.reduce((s, e) => s + e, 0) / errors.length
      expect(rms, `${col} RMS relative error`).toBeLessThanOrEqual(rsd)
      // The raw estimate alone is ~30% high at n = m and far worse below: linear counting
      // and the bias correction carry this range.
      expect(Math.abs(mean), `${col} mean relative error`).toBeLessThanOrEqual(rsd / 4)
    }
  })

  it('is exact for small cardinalities, where linear counting sees no register collision', async () => {
    const session = newSession()
    // Exact needs n²/2m < 1/2 and no two values in one register: n ≤ 20 at rsd 0.01
    // (m = 16384) and n ≤ 5 at the default 0.05 (m = 512).
    const sizes = [0, 1, 2, 3, 5, 8, 10, 15, 20]
    const rows: { k: string; v: string | null }[] = []
    for (const seed of [7, 8, 9]) {
      for (const n of sizes) {
        const k = `${seed}/${n}`
        rows.push({ k, v: null })
        for (let rep = 0; rep < 3; rep++) for (let i = 0; i < n; i++) rows.push({ k, v: `item-${seed}-${i}` })
      }
    }
    const out = await session
      .createDataFrame(rows, schema({ k: 'string', v: nullable('string') }))
      .groupBy('k')
      .agg(F.approx_count_distinct('v', 0.01).alias('fine'), F.approx_count_distinct('v').alias('coarse'))
      .collect()
    expect(out).toHaveLength(27)
    for (const r of out) {
      const n = Number((r.k as string).split('/')[1])
      expect(r.fine, `rsd 0.01, ${n} values`).toBe(n)
      if (n <= 5) expect(r.coarse, `rsd 0.05, ${n} values`).toBe(n)
    }
  })

  it('counts values of every type, ignoring nulls, as a long column named as in Spark', async () => {
    const session = newSession()
    const t0 = Date.UTC(2026, 0, 1)
    const rows = Array.from({ length: 60 }, (_, i) => ({
      k: i % 2,
      d: i % 2 === 0 ? i % 7 : null,
      s: `s${i % 5}`,
      t: new Date(t0 + (i % 4) * 1000),
      b: i % 3 === 0,
      a: [i % 3, 1],
    }))
    const df = session
      .createDataFrame(
        rows,
        schema({
          k: 'int',
          d: nullable('double'),
          s: 'string',
          t: 'timestamp',
          b: 'boolean',
          a: { array: 'int' },
        }),
      )
      .groupBy('k')
      .agg(
        F.approx_count_distinct('d'),
        F.approxCountDistinct('s'),
        F.approx_count_distinct('t'),
        F.approx_count_distinct('b'),
        F.approx_count_distinct('a'),
      )
    expect(df.schema.fields.map((f) => `${f.name}:${f.type.kind}`)).toEqual([
      'k:int',
      'approx_count_distinct(d):long',
      'approx_count_distinct(s):long',
      'approx_count_distinct(t):long',
      'approx_count_distinct(b):long',
      'approx_count_distinct(a):long',
    ])
    expect(byKey(await df.collect())).toEqual([
      {
        k: 0,
        'approx_count_distinct(d)': 7,
        'approx_count_distinct(s)': 5,
        'approx_count_distinct(t)': 2,
        'approx_count_distinct(b)': 2,
        'approx_count_distinct(a)': 3,
      },
      {
        k: 1,
        'approx_count_distinct(d)': 0,
        'approx_count_distinct(s)': 5,
        'approx_count_distinct(t)': 2,
        'approx_count_distinct(b)': 2,
        'approx_count_distinct(a)': 3,
      },
    ])
  })

  it('works as a global aggregate and gives 0 over no rows', async () => {
    const session = newSession()
    const df = session.createDataFrame(
      Array.from({ length: 1000 }, (_, i) => ({ v: i % 250 })),
      schema({ v: 'int' }),
    )
    const [all] = await df.agg(F.approx_count_distinct('v', 0.01).alias('n')).collect()
    expect(Math.abs((all.n as number) - 250)).toBeLessThanOrEqual(3 * 0.01 * 250)
    const [none] = await df.where(F.col('v').lt(0)).agg(F.approx_count_distinct('v').alias('n')).collect()
    expect(none.n).toBe(0)
  })

  it('gives the same counts whether a stream arrives in one micro-batch or many, and across a restart', async () => {
    const session = newSession()
    const random = seeded(42)
    type Row = { k: string; v: number | null }
    const rows: Row[] = []
    for (let i = 0; i < 6000; i++) rows.push({ k: 'a', v: Math.floor(random() * 4000) })
    for (let i = 0; i < 2000; i++) rows.push({ k: 'b', v: Math.floor(random() * 150) })
    for (let i = 0; i < 50; i++) rows.push({ k: 'c', v: i % 4 === 0 ? null : i % 12 })
    shuffle(rows, random)
    const sch = schema({ k: 'string', v: nullable('long') })
    const query = (df: DataFrame<Row>) =>
      df
        .groupBy('k')
        .agg(F.approx_count_distinct('v').alias('n'), F.approx_count_distinct('v', 0.02).alias('n02'))
    const once = await completeModeOverBatches(session, sch, [rows], query)
    const many = await completeModeOverBatches(session, sch, split(rows, 7, random), query)
    const restarted = await completeModeOverBatches(session, sch, split(rows, 6, random), query, 3)
    const batch = await query(session.createDataFrame(rows, sch)).collect()
    expect(many.microBatches).toBe(7)
    expect(byKey(many.rows)).toEqual(byKey(once.rows))
    expect(byKey(restarted.rows)).toEqual(byKey(once.rows))
    expect(byKey(batch)).toEqual(byKey(once.rows))
    const distinct = (k: string) =>
      new Set(rows.filter((r) => r.k === k && r.v !== null).map((r) => r.v)).size
    const exact = { a: distinct('a'), c: distinct('c') }
    const got = new Map(once.rows.map((r) => [r.k, r]))
    expect(Math.abs((got.get('a')!.n as number) - exact.a)).toBeLessThanOrEqual(3 * 0.05 * exact.a)
    expect(got.get('c')!.n).toBe(exact.c)
  })

  it('rejects an rsd Spark rejects, and one that would need more than 2^18 registers', async () => {
    const session = newSession()
    const df = session.createDataFrame([{ v: 1 }], schema({ v: 'int' }))
    const run = (rsd: number) =>
      Promise.resolve().then(() => df.agg(F.approx_count_distinct('v', rsd)).collect())
    await expect(run(0.5)).rejects.toThrow(/at most 39%/)
    await expect(run(0.001)).rejects.toThrow(/smallest rsd supported/)
    await expect(run(0)).rejects.toThrow(/positive relative standard deviation/)
    await expect(run(0.39)).resolves.toEqual([{ 'approx_count_distinct(v)': 1 }])
  })
})

describe('approx_count_distinct sketches (properties)', () => {
  const values = fc.array(
    fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: 0, max: 500 }).map(String)),
    {
      maxLength: 300,
    },
  )

  /** One group's accumulator over strings, as the aggregation operators drive it. */
  function sketch(rsd: number, rows: readonly string[], state?: unknown) {
    const acc = accumulatorFor('approx_count_distinct', [StringType], { rsd })
    if (state !== undefined) acc.setState(0, state)
    acc.update(new Int32Array(rows.length), 1, [objectVector(StringType, rows)], rows.length)
    return acc
  }
  const count = (acc: ReturnType<typeof sketch>) => (acc.result(1) as { values: Float64Array }).values[0]

  it('continues from a saved state exactly, through v8, msgpack and JSON', () => {
    fc.assert(
      fc.property(values, values, fc.constantFrom(...RSDS), (a, b, rsd) => {
        const whole = sketch(rsd, [...a, ...b])
        for (const codec of [
          (s: unknown) => deserialize(serialize(s)),
          (s: unknown) => unpack(pack(s)),
          (s: unknown) => JSON.parse(JSON.stringify(s)),
        ]) {
          const resumed = sketch(rsd, b, codec(sketch(rsd, a).getState(0)))
          expect(resumed.getState(0)).toEqual(whole.getState(0))
          expect(count(resumed)).toBe(count(whole))
        }
      }),
      { numRuns: 60 },
    )
  })

  it('merging two sketches (register max) gives exactly the sketch of the concatenation', () => {
    fc.assert(
      fc.property(values, values, fc.constantFrom(...RSDS), (a, b, rsd) => {
        const p = Math.ceil(2 * Math.log2(1.106 / rsd))
        const m = 1 << p
        const left = new Uint8Array(m)
        const right = new Uint8Array(m)
        const both = new Uint8Array(m)
        decodeRegisters(sketch(rsd, a).getState(0), left, 0, p)
        decodeRegisters(sketch(rsd, b).getState(0), right, 0, p)
        decodeRegisters(sketch(rsd, [...a, ...b]).getState(0), both, 0, p)
        mergeRegisters(left, 0, right, 0, m)
        expect(Buffer.from(left).equals(both)).toBe(true)
        expect(estimateCardinality(left, 0, p)).toBe(count(sketch(rsd, [...a, ...b])))
      }),
      { numRuns: 60 },
    )
  })
})
