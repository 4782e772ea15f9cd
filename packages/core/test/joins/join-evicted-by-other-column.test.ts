/**
 * A join side evicted by a column other than its event time (Nexmark q4/q9: auctions leave
 * the state once the watermark passes their `expires`, not their `dateTime`). The join's
 * output watermark comes from that state watermark, as Spark's produceOutputWatermark takes
 * the lowest state watermark of the two sides whatever column it is on: an aggregation after
 * the join is accepted and closes its windows, and flatMapGroupsWithState's event-time
 * timeouts after it fire. (Before, such a side counted as unbounded: the aggregation was
 * refused and the timeouts never fired.)
 */
import { describe, expect, it } from 'vitest'
import { AddData, CheckNewAnswer, testStream } from '../../../testing/src/index.js'
import {
  col,
  count,
  type DataFrame,
  functions as F,
  type GroupState,
  MemoryStream,
  type Session,
  schema,
  sum,
} from '../../src/index.js'
import { newSession } from '../helpers.js'

const at = (hhmm: string) => new Date(`2026-05-01T${hhmm}:00Z`)

const AUCTION = schema({ id: 'long', openedAt: 'timestamp', expires: 'timestamp' })
const BID = schema({ auction: 'long', bidAt: 'timestamp', price: 'long' })

function streams(session: Session) {
  return { auctions: new MemoryStream(session, AUCTION), bids: new MemoryStream(session, BID) }
}

/** Flink's q4/q9 join: the bids placed on each auction while it was open, nothing else bounding the auctions. */
function openBids(auctions: DataFrame<unknown>, bids: DataFrame<unknown>) {
  return auctions.join(
    bids,
    col('id')
      .eq(col('auction'))
      .and(col('bidAt').between(col('openedAt'), col('expires'))),
  ) as DataFrame<Record<string, unknown>>
}

describe('a join side evicted by a column other than its event time', () => {
  it('bounds the output watermark by that column: an aggregation after the join is accepted and gives the batch answer', async () => {
    const session = newSession()
    const { auctions, bids } = streams(session)
    const build = (a: DataFrame<unknown>, b: DataFrame<unknown>) =>
      openBids(a, b)
        .groupBy(F.window(col('bidAt'), '1 hour'))
        .agg(count().alias('bids'), sum('price').alias('total'))
    const streaming = build(
      auctions.toDF().withWatermark('openedAt', '10 minutes') as DataFrame<unknown>,
      bids.toDF().withWatermark('bidAt', '10 minutes') as DataFrame<unknown>,
    )
    // Auctions leave the state at `expires` (1 ms below the watermark, the range being non-strict).
    expect(streaming.explain()).toMatch(/JoinOutputWatermark previous batch's watermark - 1 ms/)
    const opened = [
      { id: 1, openedAt: at('09:00'), expires: at('13:00') },
      { id: 2, openedAt: at('09:30'), expires: at('10:00') },
      { id: 3, openedAt: at('10:10'), expires: at('12:30') },
    ]
    const placed = [
      [{ auction: 1, bidAt: at('09:10'), price: 5 }],
      [
        { auction: 2, bidAt: at('09:40'), price: 7 },
        { auction: 1, bidAt: at('09:50'), price: 6 },
      ],
      [
        { auction: 2, bidAt: at('10:20'), price: 9 }, // after auction 2 closed: no match
        { auction: 3, bidAt: at('10:30'), price: 4 },
      ],
      // An auction opened at 09:00 still takes bids hours later: its rows stay in the state.
      [{ auction: 1, bidAt: at('11:40'), price: 8 }],
      [{ auction: 3, bidAt: at('12:20'), price: 3 }],
    ]
    const q = await streaming.writeStream.format('memory').queryName('bids_per_hour').start()
    for (let i = 0; i < placed.length; i++) {
      if (opened[i]) auctions.addData([opened[i]])
      bids.addData(placed[i])
      await q.processAllAvailable()
    }
    // Far-away rows move the watermark past every window above.
    auctions.addData([{ id: 99, openedAt: at('20:00'), expires: at('21:00') }])
    bids.addData([{ auction: 99, bidAt: at('20:00'), price: 1 }])
    await q.processAllAvailable()
    await q.processAllAvailable()
    await q.stop()
    const streamed = await session.table('bids_per_hour').collect()
    const batch = await build(
      session.createDataFrame(opened, AUCTION) as DataFrame<unknown>,
      session.createDataFrame(placed.flat(), BID) as DataFrame<unknown>,
    ).collect()
    const key = (r: unknown) => JSON.stringify(r)
    expect(batch.length).toBe(4)
    expect(streamed.map(key).sort()).toEqual(batch.map(key).sort())
  })

  it("refuses an aggregation by that side's own event time, which the join does not bound", async () => {
    const session = newSession()
    const { auctions, bids } = streams(session)
    // A stored auction opened at 09:00 meets a bid at 11:40: its openedAt lies far below the
    // watermark then, and an aggregation by it would drop the pair as late.
    const byOpening = openBids(
      auctions.toDF().withWatermark('openedAt', '10 minutes') as DataFrame<unknown>,
      bids.toDF().withWatermark('bidAt', '10 minutes') as DataFrame<unknown>,
    )
      .groupBy(F.window(col('openedAt'), '1 hour'))
      .count()
    await expect(byOpening.writeStream.format('memory').queryName('by_opening').start()).rejects.toThrow(
      /STREAMING_AGGREGATION_AFTER_UNBOUNDED_JOIN: .*'openedAt'.* by 'expires'.*Group by a time the join bounds/,
    )
  })

  it("fires flatMapGroupsWithState's event-time timeouts after the join (q9's winning bid)", async () => {
    const session = newSession()
    const { auctions, bids } = streams(session)
    const out = schema({ id: 'long', price: 'long' })
    type Best = { id: number; price: number; expires: number }
    const winning = (id: number, rows: Record<string, unknown>[], state: GroupState<Best>) => {
      if (state.hasTimedOut) {
        const best = state.get()
        state.remove()
        return [{ id, price: best.price }]
      }
      let best = state.getOption()
      for (const r of rows) {
        const price = r.price as number
        if (best === undefined || price > best.price)
          best = { id, price, expires: (r.expires as Date).getTime() }
      }
      if (best === undefined) return []
      state.update(best)
      state.setTimeoutTimestamp(best.expires)
      return []
    }
    const winners = openBids(
      auctions.toDF().withWatermark('openedAt', '10 minutes') as DataFrame<unknown>,
      bids.toDF().withWatermark('bidAt', '10 minutes') as DataFrame<unknown>,
    )
      .groupByKey((r) => r.id as number)
      .flatMapGroupsWithState('append', 'EventTimeTimeout', winning, out)
    await testStream(
      winners,
      { outputMode: 'append' },
      AddData(auctions, { id: 1, openedAt: at('09:00'), expires: at('10:00') }),
      AddData(
        bids,
        { auction: 1, bidAt: at('09:10'), price: 5 },
        { auction: 1, bidAt: at('09:20'), price: 8 },
      ),
      CheckNewAnswer(),
      // Watermark 10:50: auction 1 closed at 10:00; its best bid comes out.
      AddData(auctions, { id: 2, openedAt: at('11:00'), expires: at('12:00') }),
      AddData(bids, { auction: 2, bidAt: at('11:00'), price: 1 }),
      CheckNewAnswer({ id: 1, price: 8 }),
    )
  })
})
