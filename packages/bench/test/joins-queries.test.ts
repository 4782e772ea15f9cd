/**
 * The join queries (q4, q8, q9, q20) against brute-force answers computed in plain JS from
 * the generator's columns, with Flink's semantics: no time bound beyond the query's own
 * (the queries' AUCTION_SPAN_MS must change nothing), every auction and bid kept.
 *
 * 1 000 events per second of event time here, not 10 000: auctions last up to 3.3 s and
 * bids name auctions up to 1.7 s old, so that joins span several micro-batches.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Session } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { Checksum } from '../src/nexmark/checksum.js'
import { type EventKind, type NexmarkConfig, NexmarkGenerator } from '../src/nexmark/generator.js'
import {
  AUCTION_SPAN_MS,
  hasJoin,
  type QueryContext,
  queryById,
  WATERMARK_DELAY_MS,
  WINDOW_MS,
} from '../src/nexmark/queries.js'
import { registerNexmark } from '../src/nexmark/register.js'
import { runTributary } from '../src/nexmark/runner.js'
import { BID_SCHEMA } from '../src/nexmark/source.js'

const events = 60_000
const batch = 10_000
const generator: Partial<NexmarkConfig> = { eventRate: 1000 }
const gen = new NexmarkGenerator(generator)
const auctions = gen.auctions(0, events)
const bids = gen.bids(0, events)
const persons = gen.persons(0, events)

/** The query's watermark after the last event: the lower of the two streams' (max event time − delay). */
const finalWatermark =
  Math.min(gen.maxEventTime(events, 'auction'), gen.maxEventTime(events, 'bid')) - WATERMARK_DELAY_MS
/**
 * An operator after the q4/q9 join runs AUCTION_SPAN_MS behind (the join's output watermark),
 * and 1 ms more: the bound `bid_dateTime <= dateTime + span` is non-strict (Spark's rule).
 */
const afterJoinWatermark = finalWatermark - AUCTION_SPAN_MS - 1

interface Winner {
  readonly auction: number
  readonly bid: number
}

/** Each auction's winning bid among the bids placed while it was open (q9's ROW_NUMBER = 1), by index. */
function winners(): Winner[] {
  const byId = new Map<number, number>()
  for (let i = 0; i < auctions.n; i++) byId.set(auctions.id[i], i)
  const best = new Map<number, number>()
  // Flink's ORDER BY price DESC, dateTime ASC; then bidder and extra, so that the answer is one.
  const beats = (j: number, k: number) =>
    bids.price[j] !== bids.price[k]
      ? bids.price[j] > bids.price[k]
      : bids.dateTime[j] !== bids.dateTime[k]
        ? bids.dateTime[j] < bids.dateTime[k]
        : bids.bidder[j] !== bids.bidder[k]
          ? bids.bidder[j] < bids.bidder[k]
          : bids.extra[j] < bids.extra[k]
  for (let j = 0; j < bids.n; j++) {
    const i = byId.get(bids.auction[j])
    if (i === undefined) continue
    if (bids.dateTime[j] < auctions.dateTime[i] || bids.dateTime[j] > auctions.expires[i]) continue
    const b = best.get(i)
    if (b === undefined || beats(j, b)) best.set(i, j)
  }
  return [...best].map(([auction, bid]) => ({ auction, bid }))
}

function auctionCells(i: number): (number | string)[] {
  const a = auctions
  return [
    a.id[i],
    a.itemName[i],
    a.description[i],
    a.initialBid[i],
    a.reserve[i],
    a.dateTime[i],
    a.expires[i],
    a.seller[i],
    a.category[i],
    a.extra[i],
  ]
}

/** Runs a query as the benchmark does and collects its output rows, batch by batch. */
async function collectRows(query: string): Promise<Record<string, unknown>[]> {
  registerNexmark()
  const dir = await mkdtemp(path.join(tmpdir(), `tributary-joins-${query}-`))
  const session = Session.builder().appName(`joins-${query}`).create()
  const options = (table: EventKind) => ({
    table,
    events,
    maxEventsPerTrigger: batch,
    eventRate: generator.eventRate!,
  })
  const ctx: QueryContext = {
    session,
    bids: () => session.readStream.format('nexmark').options(options('bid')).schema(BID_SCHEMA).load(),
    table: (kind) => session.readStream.format('nexmark').options(options(kind)).load(),
  }
  const plan = queryById(query)!.build!(ctx)
  const rows: Record<string, unknown>[] = []
  const q = await plan.df.writeStream
    .outputMode(plan.outputMode)
    .option('checkpointLocation', path.join(dir, 'checkpoint'))
    .trigger({ availableNow: true })
    .foreachBatch(async (df) => {
      rows.push(...((await df.collect()) as Record<string, unknown>[]))
    })
    .start()
  await q.awaitTermination()
  await session.stop()
  await rm(dir, { recursive: true, force: true })
  if (q.exception) throw q.exception
  return rows
}

describe.runIf(hasJoin())('join queries against brute force', () => {
  it('the generator makes auctions and bids that cross micro-batches, within the span the queries assume', () => {
    let longest = 0
    for (let i = 0; i < auctions.n; i++)
      longest = Math.max(longest, auctions.expires[i] - auctions.dateTime[i])
    expect(longest).toBeGreaterThan(1000)
    expect(longest).toBeLessThanOrEqual(AUCTION_SPAN_MS)
    expect(afterJoinWatermark).toBeGreaterThan(auctions.dateTime[0] + 20_000)
  })

  it('q20: every bid with its auction of category 10', async () => {
    const t = await runTributary({ query: 'q20', way: 'tributary', events, batch, generator })
    const category10 = new Map<number, number>()
    for (let i = 0; i < auctions.n; i++) if (auctions.category[i] === 10) category10.set(auctions.id[i], i)
    const out = new Checksum()
    for (let j = 0; j < bids.n; j++) {
      const i = category10.get(bids.auction[j])
      if (i === undefined) continue
      const a = auctionCells(i)
      out.addRow([
        bids.auction[j],
        bids.bidder[j],
        bids.price[j],
        bids.channel[j],
        bids.url[j],
        bids.dateTime[j],
        bids.extra[j],
        ...a.slice(1, 5),
        a[5],
        a[6],
        a[7],
        a[8],
        a[9],
      ])
    }
    expect(out.rows).toBeGreaterThan(1000)
    expect(t.lateRows).toBe(0)
    expect(t.checksum).toBe(out.value())
  }, 180_000)

  it('q8: persons who opened an auction in the 10 s window they registered in, once each', async () => {
    const t = await runTributary({ query: 'q8', way: 'tributary', events, batch, generator })
    const start = (ms: number) => Math.floor(ms / WINDOW_MS) * WINDOW_MS
    const sold = new Set<string>()
    for (let i = 0; i < auctions.n; i++) sold.add(`${auctions.seller[i]}/${start(auctions.dateTime[i])}`)
    const out = new Checksum()
    let sellers = 0
    for (let i = 0; i < persons.n; i++) {
      const w = start(persons.dateTime[i])
      if (!sold.has(`${persons.id[i]}/${w}`)) continue
      out.addRow([persons.id[i], persons.name[i], w])
      sellers++
    }
    // Some persons sell several auctions in their window: the answer is one row per person.
    let pairs = 0
    const personWindow = new Map<number, number>()
    for (let i = 0; i < persons.n; i++) personWindow.set(persons.id[i], start(persons.dateTime[i]))
    for (let i = 0; i < auctions.n; i++)
      if (personWindow.get(auctions.seller[i]) === start(auctions.dateTime[i])) pairs++
    expect(pairs).toBeGreaterThan(sellers)
    expect(sellers).toBeGreaterThan(10)
    expect(t.lateRows).toBe(0)
    expect(t.checksum).toBe(out.value())
  }, 180_000)

  it('q9: each auction with its winning bid, once the watermark has passed its expiry', async () => {
    const t = await runTributary({ query: 'q9', way: 'tributary', events, batch, generator })
    const out = new Checksum()
    let open = 0
    for (const w of winners()) {
      // Emitted when the watermark after the join passes expires (timeouts fire strictly after).
      if (!(auctions.expires[w.auction] < afterJoinWatermark)) {
        open++
        continue
      }
      out.addRow([
        ...auctionCells(w.auction),
        bids.auction[w.bid],
        bids.bidder[w.bid],
        bids.price[w.bid],
        bids.dateTime[w.bid],
        bids.extra[w.bid],
      ])
    }
    expect(out.rows).toBeGreaterThan(500)
    expect(open).toBeGreaterThan(0)
    expect(t.lateRows).toBe(0)
    expect(t.checksum).toBe(out.value())
  }, 180_000)

  it('q4: the average winning price per category, over the auctions closed so far', async () => {
    const rows = await collectRows('q4')
    const sum = new Map<number, number>()
    const n = new Map<number, number>()
    for (const w of winners()) {
      // The max per auction closes when the watermark after the join reaches the auction's dateTime.
      if (auctions.dateTime[w.auction] > afterJoinWatermark) continue
      const c = auctions.category[w.auction]
      sum.set(c, (sum.get(c) ?? 0) + bids.price[w.bid])
      n.set(c, (n.get(c) ?? 0) + 1)
    }
    const expected = new Map([...sum].map(([c, s]) => [c, s / n.get(c)!]))
    const last = new Map<number, number>()
    for (const r of rows) last.set(r.category as number, r.avg_final as number)
    expect(expected.size).toBe(5)
    expect(last).toEqual(expected)
    // A category's average is written again each batch that closes some of its auctions.
    expect(rows.length).toBeGreaterThan(expected.size * 2)
  }, 180_000)

  it('q4 and q9 fail, rather than miss bids, when an auction outlasts AUCTION_SPAN_MS', async () => {
    // At 200 events/s the generator's auctions last up to 16.7 s.
    await expect(
      runTributary({
        query: 'q9',
        way: 'tributary',
        events: 20_000,
        batch: 10_000,
        generator: { eventRate: 200 },
      }),
    ).rejects.toThrow(/AUCTION_SPAN_MS/)
  }, 180_000)
})
