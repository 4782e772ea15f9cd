import { Options } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { blackholeResult } from '../src/nexmark/blackhole.js'
import { Checksum } from '../src/nexmark/checksum.js'
import { NexmarkGenerator } from '../src/nexmark/generator.js'
import { peerContext } from '../src/nexmark/peers/common.js'
import { jsPeer } from '../src/nexmark/peers/js.js'
import { rxjsPeer } from '../src/nexmark/peers/rxjs.js'
import { PEER_QUERIES, QUERIES } from '../src/nexmark/queries.js'
import { runTributary } from '../src/nexmark/runner.js'
import { NexmarkSource, readNexmarkOptions } from '../src/nexmark/source.js'

describe('Nexmark generator', () => {
  const gen = new NexmarkGenerator()

  it('emits persons, auctions and bids 1:3:46', () => {
    // 50 000 events are whole disorder groups, so their ids are exactly 0..49 999.
    expect(gen.count(0, 50_000)).toEqual({ person: 1000, auction: 3000, bid: 46_000 })
  })

  it('is a pure function of the event range: any split gives the same events', () => {
    const whole = gen.bids(0, 6000)
    const a = gen.bids(0, 2500)
    const b = gen.bids(2500, 6000)
    expect(a.n + b.n).toBe(whole.n)
    expect([...a.auction, ...b.auction]).toEqual([...whole.auction])
    expect([...a.price, ...b.price]).toEqual([...whole.price])
    expect([...a.extra, ...b.extra]).toEqual(whole.extra)
    expect(new NexmarkGenerator().bids(0, 6000).dateTime).toEqual(whole.dateTime)
  })

  it('depends on the seed', () => {
    expect([...new NexmarkGenerator({ seed: 7 }).bids(0, 1000).price]).not.toEqual([
      ...gen.bids(0, 1000).price,
    ])
  })

  it('keeps event time within the disorder bound', () => {
    const c = gen.config
    const boundMs = (c.outOfOrderGroupSize * 1000) / c.eventRate
    for (let k = 0; k < 20_000; k += 7) {
      expect(Math.abs(gen.timestampOf(gen.eventId(k)) - gen.timestampOf(k))).toBeLessThanOrEqual(boundMs)
    }
  })

  it('sends most bids to hot auctions and hot bidders', () => {
    const b = gen.bids(0, 100_000)
    let hotAuction = 0
    let hotBidder = 0
    for (let i = 0; i < b.n; i++) {
      if ((b.auction[i] - 1000) % 100 === 0) hotAuction++
      if ((b.bidder[i] - 1000) % 100 === 1) hotBidder++
    }
    expect(hotAuction / b.n).toBeGreaterThan(0.5)
    expect(hotBidder / b.n).toBeGreaterThan(0.7)
  })

  it('makes auctions and persons with their standard fields', () => {
    const a = gen.auctions(0, 1000)
    const p = gen.persons(0, 1000)
    expect(a.n).toBe(60)
    expect(p.n).toBe(20)
    for (let i = 0; i < a.n; i++) {
      expect(a.reserve[i]).toBeGreaterThan(a.initialBid[i])
      expect(a.expires[i]).toBeGreaterThan(a.dateTime[i])
      expect(a.category[i]).toBeGreaterThanOrEqual(10)
      expect(a.category[i]).toBeLessThan(15)
    }
    expect(p.state.every((s) => ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'].includes(s))).toBe(true)
  })
})

describe('nexmark source', () => {
  it('gives the same rows for the same offsets (replay)', async () => {
    const source = new NexmarkSource(readNexmarkOptions(new Options({ table: 'bid', events: 10_000 })))
    const one = (await source.getBatch(1000, 3000)).data
    const two = (await source.getBatch(1000, 3000)).data
    expect(one.numRows).toBeGreaterThan(0)
    expect(two.toRows()).toEqual(one.toRows())
    expect(await source.latestOffset(0, 'default')).toBe(10_000)
  })

  it('admits at most maxEventsPerTrigger events per batch', async () => {
    const source = new NexmarkSource(
      readNexmarkOptions(new Options({ table: 'person', events: 10_000, maxEventsPerTrigger: 4000 })),
    )
    expect(await source.latestOffset(0, 'default')).toBe(4000)
    expect(await source.latestOffset(8000, 'default')).toBe(10_000)
  })

  it('reports events done out of those there at the start of an availableNow run (the progress bar)', async () => {
    const source = new NexmarkSource(
      readNexmarkOptions(new Options({ table: 'person', events: 10_000, maxEventsPerTrigger: 4000 })),
    )
    await source.prepareForTriggerAvailableNow()
    const seen: unknown[] = []
    for (let start = 2000; ; ) {
      const end = (await source.latestOffset(start, 'default')) as number
      if (end === start) break
      await source.getBatch(start, end)
      const m = source.metrics()
      seen.push([m.availableNowDone, m.availableNowTotal, m.availableNowUnit])
      start = end
    }
    expect(seen).toEqual([
      [4000, 8000, 'events'],
      [8000, 8000, 'events'],
    ])
  })
})

describe('checksum', () => {
  it('ignores row order but not values or columns', () => {
    const rows = [
      [1, 'a', 2.5],
      [2, 'b', null],
      [3, 'c', 7],
    ]
    const a = new Checksum()
    for (const r of rows) a.addRow(r)
    const b = new Checksum()
    for (const r of [...rows].reverse()) b.addRow(r)
    expect(b.value()).toBe(a.value())
    const c = new Checksum()
    c.addRow([1, 'a', 2.5])
    c.addRow([2, 'b', null])
    c.addRow([3, 7, 'c'])
    expect(c.value()).not.toBe(a.value())
  })

  it('gives the same answer for columns, rows, Dates and windows as numbers', () => {
    const byColumns = new Checksum()
    byColumns.addColumns(
      [new Float64Array([1, 2]), new Float64Array([10, 20]), new Float64Array([15, 25])],
      2,
    )
    const byRows = new Checksum()
    byRows.addRow([1, { start: new Date(10), end: new Date(15) }])
    byRows.addRow([2, { start: new Date(20), end: new Date(25) }])
    expect(byRows.value()).toBe(byColumns.value())
  })
})

describe('Nexmark queries: Tributary and the peers give the same answers', () => {
  const events = 60_000
  const batch = 20_000
  // 1000 events per second of event time: a minute, so that windows close.
  const generator = { eventRate: 1000 }
  for (const query of PEER_QUERIES) {
    it(query, async () => {
      const t = await runTributary({ query, way: 'tributary', events, batch, generator })
      const ctx = peerContext(new NexmarkGenerator(generator), events, batch)
      const js = new Checksum()
      await jsPeer[query](ctx, js)
      const rx = new Checksum()
      await rxjsPeer[query](ctx, rx)
      expect(t.rows).toBeGreaterThan(0)
      expect(t.lateRows).toBe(0)
      expect(js.value()).toBe(t.checksum)
      expect(rx.value()).toBe(t.checksum)
    }, 180_000)
  }

  it('q7 by max_by gives q7 its answer (no price ties in these events)', async () => {
    const run = (query: string) => runTributary({ query, way: 'tributary', events, batch, generator })
    const [q7, q7b] = [await run('q7'), await run('q7b')]
    expect(q7b.rows).toBeGreaterThan(0)
    expect(q7b.rows).toBe(q7.rows)
    expect(q7b.checksum).toBe(q7.checksum)
  }, 180_000)

  it('runs every query that can run, and says why the others cannot', async () => {
    for (const q of QUERIES) {
      if (q.cannotRun?.()) {
        expect(q.build).toBeUndefined()
        continue
      }
      const r = await runTributary({
        query: q.id,
        way: 'tributary',
        events: 20_000,
        batch: 10_000,
        generator: {},
      })
      expect(r.events).toBe(20_000)
      expect(r.checksum).toMatch(/^\d+:[0-9a-f]{16}$/)
    }
    expect(blackholeResult('nexmark-q0')?.checksum.rows).toBeGreaterThan(0)
  }, 120_000)
})
