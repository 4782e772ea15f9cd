import { deserialize, serialize } from 'node:v8'
import fc from 'fast-check'
import { pack, unpack } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { QuantileSummary } from '../../src/exec/aggregate/quantile-summary.js'
import { type DataFrame, functions as F, nullable, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { byKey, completeModeOverBatches, numericFrame, seeded, shuffle, split } from './support.js'

const QS = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.333, 0.5, 0.666, 0.75, 0.9, 0.95, 0.99, 0.999, 1]

/**
 * How far `value` is, in ranks, from being the answer for q over `sorted`: 0 when one of
 * its occurrences has rank ceil(q·n) (1-based; rank 1 for q = 0), else the distance.
 */
function rankError(sorted: Float64Array, value: number, q: number): number {
  const n = sorted.length
  const target = Math.max(1, Math.ceil(q * n))
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] < value) lo = mid + 1
    else hi = mid
  }
  const first = lo + 1
  hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] <= value) lo = mid + 1
    else hi = mid
  }
  const last = lo
  if (last < first) return Number.POSITIVE_INFINITY // not an input value at all
  return target < first ? first - target : target > last ? target - last : 0
}

/** Exactly the value of rank ceil(q·n), as a summary that kept every value answers. */
const exactPercentile = (sorted: Float64Array, q: number) =>
  sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]

describe('percentile_approx', () => {
  it('answers within n/accuracy ranks for uniform, sorted, reversed, skewed and normal inputs up to 1e6 values', async () => {
    const session = newSession()
    const random = seeded(2024)
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    const groups: Record<number, Float64Array> = {
      1: Float64Array.from({ length: 200_000 }, () => random() * 1000 - 500),
      2: Float64Array.from({ length: 100_000 }, (_, i) => i),
      3: Float64Array.from({ length: 100_000 }, (_, i) => 100_000 - i),
      4: Float64Array.from({ length: 200_000 }, () => Math.floor(50 * random() ** 3)),
      5: Float64Array.from({ length: 100_000 }, () => normal()),
      6: Float64Array.from({ length: 1_000_000 }, () => random()),
    }
    const keys: number[] = []
    const values: number[] = []
    for (const [key, data] of Object.entries(groups)) {
      for (const x of data) {
        keys.push(Number(key))
        values.push(x)
      }
    }
    const out = await numericFrame(session, schema({ k: 'long', v: 'double' }), {
      k: Float64Array.from(keys),
      v: Float64Array.from(values),
    })
      .groupBy('k')
      .agg(
        F.percentile_approx('v', QS, 100).alias('a100'),
        F.percentile_approx('v', QS, 1000).alias('a1000'),
        F.percentile_approx('v', QS).alias('a10000'),
      )
      .collect()
    expect(out).toHaveLength(6)
    for (const row of out) {
      const sorted = groups[row.k as number].slice().sort()
      for (const accuracy of [100, 1000, 10000]) {
        const answers = row[`a${accuracy}` as 'a100'] as number[]
        QS.forEach((q, i) => {
          const err = rankError(sorted, answers[i], q)
          expect(err, `group ${row.k}, accuracy ${accuracy}, q ${q}`).toBeLessThanOrEqual(
            sorted.length / accuracy,
          )
        })
      }
    }
  })

  it('is exact while a group has fewer values than the accuracy, and ignores nulls', async () => {
    const session = newSession()
    const random = seeded(5)
    const rows: { k: string; v: number | null }[] = []
    const data: Record<string, number[]> = { big: [], one: [42], two: [7, 3], dups: [] }
    for (let i = 0; i < 9999; i++) data.big.push(Math.round(random() * 1e6) / 100)
    for (let i = 0; i < 500; i++) data.dups.push(i % 9)
    for (const [k, values] of Object.entries(data)) {
      for (const v of values) rows.push({ k, v }, ...(random() < 0.1 ? [{ k, v: null }] : []))
    }
    const out = await session
      .createDataFrame(shuffle(rows, random), schema({ k: 'string', v: nullable('double') }))
      .groupBy('k')
      .agg(F.percentile_approx('v', QS).alias('q'))
      .collect()
    for (const row of out) {
      const sorted = Float64Array.from(data[row.k as string]).sort()
      expect(row.q, row.k as string).toEqual(QS.map((q) => exactPercentile(sorted, q)))
    }
  })

  it('returns the input type: int, timestamp and date values, arrays in the order asked, Spark column names', async () => {
    const session = newSession()
    const day = 86_400_000
    const t0 = Date.UTC(2026, 2, 1)
    const rows = Array.from({ length: 101 }, (_, i) => ({
      k: 'x',
      n: 100 - i,
      t: new Date(t0 + i * 1000),
      d: new Date(t0 + (i % 10) * day),
    }))
    const df = session
      .createDataFrame(rows, schema({ k: 'string', n: 'int', t: 'timestamp', d: 'date' }))
      .groupBy('k')
      .agg(
        F.percentile_approx('n', 0.5),
        F.percentile_approx('n', [0.9, 0.1, 0.5], 1000),
        F.approx_percentile('t', 0.25),
        F.percentile_approx('d', [0, 1]).alias('range'),
      )
    expect(
      df.schema.fields.map(
        (f) => `${f.name}: ${f.type.kind === 'array' ? `array<${f.type.element.kind}>` : f.type.kind}`,
      ),
    ).toEqual([
      'k: string',
      'percentile_approx(n, 0.5, 10000): int',
      'percentile_approx(n, array(0.9, 0.1, 0.5), 1000): array<int>',
      'approx_percentile(t, 0.25, 10000): timestamp',
      'range: array<date>',
    ])
    expect(await df.collect()).toEqual([
      {
        k: 'x',
        'percentile_approx(n, 0.5, 10000)': 50,
        'percentile_approx(n, array(0.9, 0.1, 0.5), 1000)': [90, 10, 50],
        'approx_percentile(t, 0.25, 10000)': new Date(t0 + 25_000),
        range: [new Date(t0), new Date(t0 + 9 * day)],
      },
    ])
  })

  it('is null for a group with no values, and over no rows', async () => {
    const session = newSession()
    const df = session.createDataFrame(
      [
        { k: 'a', v: 1 },
        { k: 'a', v: 2 },
        { k: 'b', v: null },
      ],
      schema({ k: 'string', v: nullable('long') }),
    )
    expect(
      byKey(
        await df
          .groupBy('k')
          .agg(F.percentile_approx('v', 0.5).alias('m'), F.percentile_approx('v', [0.5]).alias('ms'))
          .collect(),
      ),
    ).toEqual([
      { k: 'a', m: 1, ms: [1] },
      { k: 'b', m: null, ms: null },
    ])
    expect(
      await df.where(F.col('k').equalTo('none')).agg(F.percentile_approx('v', 0.5).alias('m')).collect(),
    ).toEqual([{ m: null }])
  })

  it('gives identical answers whether a stream arrives in one micro-batch or many, and across a restart', async () => {
    const session = newSession()
    const random = seeded(77)
    type Row = { k: string; v: number | null; t: Date }
    const t0 = Date.UTC(2026, 0, 1)
    const rows: Row[] = []
    // Group a is large enough for the summary to flush and compress many times.
    for (let i = 0; i < 12_000; i++)
      rows.push({ k: 'a', v: random() * 100, t: new Date(t0 + Math.floor(random() * 1e9)) })
    for (let i = 0; i < 3000; i++) rows.push({ k: 'b', v: Math.floor(random() * 20), t: new Date(t0 + i) })
    for (let i = 0; i < 12; i++) rows.push({ k: 'c', v: i % 3 === 0 ? null : i, t: new Date(t0) })
    shuffle(rows, random)
    const sch = schema({ k: 'string', v: nullable('double'), t: 'timestamp' })
    const query = (df: DataFrame<Row>) =>
      df
        .groupBy('k')
        .agg(
          F.percentile_approx('v', [0.1, 0.5, 0.9], 500).alias('q'),
          F.percentile_approx('t', 0.5, 200).alias('tm'),
        )
    const once = await completeModeOverBatches(session, sch, [rows], query)
    const many = await completeModeOverBatches(session, sch, split(rows, 7, random), query)
    const restarted = await completeModeOverBatches(session, sch, split(rows, 6, random), query, 3)
    const batch = await query(session.createDataFrame(rows, sch)).collect()
    expect(many.microBatches).toBe(7)
    expect(byKey(many.rows)).toEqual(byKey(once.rows))
    expect(byKey(restarted.rows)).toEqual(byKey(once.rows))
    expect(byKey(batch)).toEqual(byKey(once.rows))
    const a = Float64Array.from(rows.filter((r) => r.k === 'a').map((r) => r.v as number)).sort()
    const q = once.rows.find((r) => r.k === 'a')!.q as number[]
    ;[0.1, 0.5, 0.9].forEach((p, i) => {
      expect(rankError(a, q[i], p)).toBeLessThanOrEqual(a.length / 500)
    })
  })

  it('rejects percentages outside [0, 1], a non-positive accuracy and a non-numeric column', async () => {
    const session = newSession()
    const df = session.createDataFrame([{ v: 1, s: 'x' }], schema({ v: 'int', s: 'string' }))
    const run = (c: ReturnType<typeof F.percentile_approx>) =>
      Promise.resolve().then(() => df.agg(c).collect())
    await expect(run(F.percentile_approx('v', 1.5))).rejects.toThrow(/between 0.0 and 1.0/)
    await expect(run(F.percentile_approx('v', [0.5, -0.1]))).rejects.toThrow(/between 0.0 and 1.0/)
    await expect(run(F.percentile_approx('v', 0.5, 0))).rejects.toThrow(/accuracy/)
    await expect(run(F.percentile_approx('s', 0.5))).rejects.toThrow(/numeric, date or timestamp/)
  })
})

describe('quantile summaries (properties)', () => {
  // Small pools force duplicates; accuracy 10-100 makes a few thousand values compress.
  const values = fc.oneof(
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { maxLength: 3000 }),
    fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 3000 }),
  )
  const accuracy = fc.constantFrom(10, 25, 100)
  const summaryOf = (xs: readonly number[], acc: number) => {
    const s = new QuantileSummary(1 / acc)
    for (const x of xs) s.insert(x)
    return s
  }

  it('keeps g + delta ≤ 2εn, so even tiny inputs are within ⌊εn⌋ (Spark is one rank off here)', () => {
    // Spark's delta = ⌊2εn⌋ for new tuples answers 0 for q = 0.75 (rank 5 of 6, error 1 > εn = 0.6).
    const s = new QuantileSummary(1 / 10)
    for (const x of [0, 0, 0, 0, 1, 1]) s.insert(x)
    expect(s.query([0.5, 0.666, 0.75, 0.9])).toEqual([0, 0, 1, 1])
  })

  it('merging two summaries answers within ε·(n1 + n2) ranks of the concatenation', () => {
    fc.assert(
      fc.property(values, values, accuracy, (a, b, acc) => {
        const merged = QuantileSummary.merge(summaryOf(a, acc), summaryOf(b, acc))
        const sorted = Float64Array.from([...a, ...b]).sort()
        const answers = merged.query(QS)
        if (sorted.length === 0) {
          expect(answers).toBeNull()
          return
        }
        QS.forEach((q, i) => {
          expect(rankError(sorted, answers![i], q)).toBeLessThanOrEqual(sorted.length / acc)
        })
      }),
      { numRuns: 80 },
    )
  })

  it('is monotone in the percentage', () => {
    fc.assert(
      fc.property(
        values,
        accuracy,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (xs, acc, qs) => {
          fc.pre(xs.length > 0)
          const sortedQs = [...qs].sort((x, y) => x - y)
          const answers = summaryOf(xs, acc).query(sortedQs)!
          for (let i = 1; i < answers.length; i++) expect(answers[i]).toBeGreaterThanOrEqual(answers[i - 1])
        },
      ),
      { numRuns: 80 },
    )
  })

  it('continues from a saved state exactly, through v8, msgpack and JSON', () => {
    const special = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0)
    const withSpecials = fc.array(fc.oneof(fc.double(), special), { maxLength: 2500 })
    fc.assert(
      fc.property(withSpecials, withSpecials, accuracy, (a, b, acc) => {
        const whole = summaryOf([...a, ...b], acc)
        for (const codec of [
          (s: unknown) => deserialize(serialize(s)),
          (s: unknown) => unpack(pack(s)),
          (s: unknown) => JSON.parse(JSON.stringify(s)),
        ]) {
          const resumed = QuantileSummary.fromState(codec(summaryOf(a, acc).toState()), 1 / acc)
          for (const x of b) resumed.insert(x)
          expect(resumed.toState()).toEqual(whole.toState())
          expect(resumed.query(QS)).toEqual(whole.query(QS))
        }
      }),
      { numRuns: 40 },
    )
  })
})
