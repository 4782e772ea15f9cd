/**
 * max_by / min_by as Spark: the value of the row with the extreme ordering, nulls in the
 * ordering skipped, the first of equal orderings kept; the same answer from typed arrays as
 * from a brute-force scan, split across batches and restarts of a streaming aggregation.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AddData, CheckNewAnswer, StartStream, StopStream, testStream } from '../../../testing/src/index.js'
import { functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const bids = schema({
  auction: 'long',
  bidder: { type: 'string', nullable: true },
  price: { type: 'double', nullable: true },
  at: 'timestamp',
})
type Bid = { auction: number; bidder: string | null; price: number | null; at: Date }

/** The brute-force answer: per auction, the bidder of the first row with the extreme price. */
function expected(rows: readonly Bid[], sign: 1 | -1): Map<number, string | null> {
  const best = new Map<number, { price: number; bidder: string | null }>()
  for (const r of rows) {
    if (r.price === null) continue
    const cur = best.get(r.auction)
    if (cur === undefined || (sign > 0 ? r.price > cur.price : r.price < cur.price))
      best.set(r.auction, { price: r.price, bidder: r.bidder })
  }
  const out = new Map<number, string | null>()
  for (const a of new Set(rows.map((r) => r.auction))) out.set(a, best.get(a)?.bidder ?? null)
  return out
}

describe('max_by and min_by', () => {
  it('match a brute-force scan (batch groupBy, property)', async () => {
    const session = newSession()
    const bid = fc.record({
      auction: fc.integer({ min: 0, max: 4 }),
      bidder: fc.option(fc.constantFrom('ann', 'bob', 'cy', 'dee'), { nil: null }),
      price: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
      at: fc.constant(new Date(0)),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(bid, { minLength: 1, maxLength: 40 }), async (rows) => {
        const got = await session
          .createDataFrame(rows, bids)
          .groupBy('auction')
          .agg(F.max_by('bidder', 'price').alias('top'), F.min_by('bidder', 'price').alias('low'))
          .collect()
        const top = expected(rows, 1)
        const low = expected(rows, -1)
        for (const r of got as { auction: number; top: string | null; low: string | null }[]) {
          expect(r.top).toBe(top.get(r.auction))
          expect(r.low).toBe(low.get(r.auction))
        }
        expect(got.length).toBe(top.size)
      }),
      { numRuns: 60 },
    )
  })

  it('a numeric value by a timestamp ordering, null when the chosen row has none', async () => {
    const session = newSession()
    const rows: Bid[] = [
      { auction: 1, bidder: 'a', price: 10, at: new Date(3000) },
      { auction: 1, bidder: 'b', price: null, at: new Date(5000) },
      { auction: 1, bidder: 'c', price: 30, at: new Date(1000) },
    ]
    const [r] = await session
      .createDataFrame(rows, bids)
      .groupBy('auction')
      .agg(F.max_by('price', 'at').alias('latest'), F.min_by('price', 'at').alias('earliest'))
      .collect()
    expect(r).toEqual({ auction: 1, latest: null, earliest: 30 })
  })

  for (const provider of ['memory', 'lmdb'] as const) {
    it(`keeps its state across batches and a restart (streaming, ${provider} store)`, async () => {
      const session = newSession({ 'tributary.stateStore.provider': provider })
      const input = new MemoryStream(session, bids)
      const best = input
        .toDF()
        .groupBy('auction')
        .agg(F.max_by('bidder', 'price').alias('winner'), F.max('price').alias('price'))
      const b = (auction: number, bidder: string, price: number): Bid => ({
        auction,
        bidder,
        price,
        at: new Date(0),
      })
      await testStream(
        best,
        { outputMode: 'update' },
        AddData(input, b(1, 'ann', 5), b(1, 'bob', 7), b(2, 'cy', 1)),
        CheckNewAnswer({ auction: 1, winner: 'bob', price: 7 }, { auction: 2, winner: 'cy', price: 1 }),
        StopStream,
        AddData(input, b(1, 'dee', 7), b(2, 'ann', 4)),
        StartStream(),
        // dee ties bob's 7: the first seen keeps it.
        CheckNewAnswer({ auction: 1, winner: 'bob', price: 7 }, { auction: 2, winner: 'ann', price: 4 }),
      )
    })
  }
})
