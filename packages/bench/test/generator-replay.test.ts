import { OptionError, Options } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import {
  type AuctionColumns,
  type BidColumns,
  DEFAULT_CONFIG,
  FIRST_AUCTION_ID,
  FIRST_PERSON_ID,
  type NexmarkConfig,
  NexmarkGenerator,
  type PersonColumns,
} from '../src/nexmark/generator.js'
import { NexmarkSource, readNexmarkOptions } from '../src/nexmark/source.js'

type Columns = BidColumns | AuctionColumns | PersonColumns
type Kind = 'bids' | 'auctions' | 'persons'
const KINDS: readonly Kind[] = ['bids', 'auctions', 'persons']

const columnsOf = (c: Columns) =>
  Object.entries(c).filter(([k]) => k !== 'n') as [string, ArrayLike<number | string>][]

/** The first difference between two results, as text; '' when they are equal. */
function diff(a: Columns, b: Columns, only?: readonly string[]): string {
  if (a.n !== b.n) return `n ${a.n} ≠ ${b.n}`
  const bs = new Map(columnsOf(b))
  for (const [name, col] of columnsOf(a)) {
    if (only && !only.includes(name)) continue
    const other = bs.get(name)!
    if (col.length !== a.n || other.length !== b.n) return `${name}: length ${col.length}, ${other.length}`
    for (let i = 0; i < a.n; i++) if (col[i] !== other[i]) return `${name}[${i}]: ${col[i]} ≠ ${other[i]}`
  }
  return ''
}

function generate(gen: NexmarkGenerator, kind: Kind, start: number, end: number): Columns {
  return gen[kind](start, end)
}

/** The pieces of a range, concatenated column by column. */
function concat(parts: Columns[]): Columns {
  const out: Record<string, unknown> = { n: parts.reduce((s, p) => s + p.n, 0) }
  for (const [name, col] of columnsOf(parts[0])) {
    if (col instanceof Float64Array) {
      const all = new Float64Array(out.n as number)
      let o = 0
      for (const p of parts) {
        const c = (p as unknown as Record<string, Float64Array>)[name]
        all.set(c, o)
        o += c.length
      }
      out[name] = all
    } else {
      out[name] = ([] as string[]).concat(
        ...parts.map((p) => (p as unknown as Record<string, string[]>)[name]),
      )
    }
  }
  return out as unknown as Columns
}

// A small block: 100 000 events = 2 000 persons and 6 000 auctions (multiples of 100), and
// at least the 50 000-event warm-up.
const B = 100_000
const small: Partial<NexmarkConfig> = { replayBlockEvents: B, eventRate: 1000 }

describe('replay-block generator', () => {
  it('is the default, and gives the exact events for the whole first block', () => {
    const replay = new NexmarkGenerator().prepare()
    const exact = new NexmarkGenerator({ replayBlockEvents: 0 })
    expect(replay.mode).toBe('replay(1000000)')
    expect(exact.mode).toBe('exact')
    for (const kind of KINDS) {
      expect(diff(generate(replay, kind, 0, 1_000_000), generate(exact, kind, 0, 1_000_000))).toBe('')
      // Ranges across the first block's end agree up to it.
      const across = generate(replay, kind, 990_000, 1_010_000)
      const before = generate(exact, kind, 990_000, 1_000_000)
      expect(across.n).toBeGreaterThan(before.n)
      expect(diff(concat([before]), concat([generate(replay, kind, 990_000, 1_000_000)]))).toBe('')
    }
    // A generator of the same configuration uses the block already built (here, by
    // `replay`), even for ranges inside the first block: Tributary's source does that.
    const later = new NexmarkGenerator({ baseTime: 0 })
    expect(later.prepared).toBe(false)
    later.bids(0, 1000)
    expect(later.prepared).toBe(true)
  }, 180_000)

  it('generates a range inside the first block exactly until a block exists', () => {
    NexmarkGenerator.clearReplayCache()
    const lazy = new NexmarkGenerator(small)
    const exact = new NexmarkGenerator({ ...small, replayBlockEvents: 0 })
    const before = lazy.bids(12_345, 92_345)
    expect(lazy.prepared).toBe(false)
    expect(diff(before, exact.bids(12_345, 92_345))).toBe('')
    // A range past the first block builds it; the first block reads the same from it.
    lazy.bids(B - 10, B + 10)
    expect(lazy.prepared).toBe(true)
    expect(diff(lazy.bids(12_345, 92_345), before)).toBe('')
  })

  for (const [label, config] of [
    ['a block of whole ms (1000 events/s)', small],
    ['times computed per event (3000 events/s)', { ...small, eventRate: 3000 }],
    ['no disorder', { ...small, outOfOrderGroupSize: 1, eventRate: 10_000 }],
  ] as const) {
    it(`shifts ids and times by whole blocks past the first: ${label}`, () => {
      const replay = new NexmarkGenerator(config).prepare()
      const exact = new NexmarkGenerator({ ...config, replayBlockEvents: 0 })
      const W = replay.warmupEvents
      // 1 000 persons' worth of events, in whole disorder groups.
      expect(W).toBe(config.outOfOrderGroupSize === 1 ? 49_950 : 50_000)
      const P = replay.personsPerBlock
      const A = replay.auctionsPerBlock
      expect([P, A]).toEqual([2000, 6000])
      for (let j = 0; j < 4; j++) {
        // Block j: [jB, jB+W) from events [B, B+W) shifted j−1 blocks (block 0: itself), the
        // rest from events [W, B) of the first block shifted j blocks.
        const parts: [number, number, number, number][] =
          j === 0
            ? [[0, B, 0, 0]]
            : [
                [j * B, j * B + W, B, j - 1],
                [j * B + W, (j + 1) * B, W, j],
              ]
        for (const [start, end, source, m] of parts) {
          for (const kind of KINDS) {
            const got = generate(replay, kind, start, end)
            const same = generate(exact, kind, start, end)
            const src = generate(exact, kind, source, source + (end - start))
            // Kinds and order, and every time, are the exact generator's.
            expect(got.n).toBe(same.n)
            expect(diff(got, same, ['dateTime'])).toBe('')
            // The random draws are the source events'.
            const randomCols = columnsOf(got)
              .map(([k]) => k)
              .filter((k) => !['id', 'auction', 'bidder', 'seller', 'dateTime', 'expires'].includes(k))
            expect(diff(got, src, randomCols)).toBe('')
            // Ids: the source events' shifted by m blocks (new persons' and auctions' ids
            // are the exact generator's too).
            const bad: string[] = []
            const check = (what: string, i: number, x: number, want: number) => {
              if (x !== want && bad.length < 5) bad.push(`${what}[${i}] = ${x}, want ${want}`)
            }
            if (kind === 'persons') {
              const g = got as PersonColumns
              expect(diff(g, same, ['id'])).toBe('')
              for (let i = 0; i < g.n; i++) check('id', i, g.id[i], (src as PersonColumns).id[i] + m * P)
            } else if (kind === 'auctions') {
              const g = got as AuctionColumns
              const s = src as AuctionColumns
              expect(diff(g, same, ['id'])).toBe('')
              for (let i = 0; i < g.n; i++) {
                check('id', i, g.id[i], s.id[i] + m * A)
                check('seller', i, g.seller[i], s.seller[i] + m * P)
                check('length', i, g.expires[i] - g.dateTime[i], s.expires[i] - s.dateTime[i])
              }
            } else {
              const g = got as BidColumns
              const s = src as BidColumns
              for (let i = 0; i < g.n; i++) {
                check('auction', i, g.auction[i], s.auction[i] + m * A)
                check('bidder', i, g.bidder[i], s.bidder[i] + m * P)
              }
            }
            expect(bad).toEqual([])
          }
        }
      }
    }, 180_000)
  }

  it('chooses auctions and bidders as the exact generator would: hot ids, and windows of the full size', () => {
    const replay = new NexmarkGenerator(small).prepare()
    const exact = new NexmarkGenerator({ ...small, replayBlockEvents: 0 })
    const c = replay.config
    // The events of a stretch past the first block, with their event ids in emission order.
    const start = 3 * B - 2000
    const end = 4 * B + 60_000
    const ids: number[] = []
    for (let k = start; k < end; k++)
      if (replay.kindOf(replay.eventId(k)) === 'bid') ids.push(replay.eventId(k))
    const got = replay.bids(start, end)
    const ref = exact.bids(start, end)
    expect(got.n).toBe(ids.length)
    expect(ref.n).toBe(ids.length)
    // Each bid goes to the hot auction (bidder) of its event id, or to one drawn from the
    // window before it; the exact generator's bids, checked alike, pass the same checks.
    const classify = (bids: BidColumns) => {
      let hotA = 0
      let hotB = 0
      const bad: string[] = []
      const within = (what: string, i: number, x: number, lo: number, hi: number) => {
        if (!(x >= lo && x < hi) && bad.length < 5) bad.push(`${what}[${i}] = ${x} not in [${lo}, ${hi})`)
      }
      for (let i = 0; i < bids.n; i++) {
        const lastAuction = replay.lastBase0AuctionId(ids[i])
        const lastPerson = replay.lastBase0PersonId(ids[i])
        const a = bids.auction[i] - FIRST_AUCTION_ID
        if (a === Math.trunc(lastAuction / 100) * 100) hotA++
        // Beam's window: the last numInFlightAuctions auctions, and a few not yet created.
        else within('auction', i, a, lastAuction - c.numInFlightAuctions, lastAuction + 1 + 10)
        const b = bids.bidder[i] - FIRST_PERSON_ID
        if (b === Math.trunc(lastPerson / 100) * 100 + 1) hotB++
        else within('bidder', i, b, lastPerson + 1 - c.numActivePeople, lastPerson + 1 + 10)
      }
      // The mean age of non-hot bidders (newest person − bidder) in block 4's first W events,
      // where the first block was still warming up: ≈ (numActivePeople − 10) / 2 when drawn
      // from the full window, as the exact generator does (not from the first block's
      // narrower early windows).
      const i0 = replay.count(start, 4 * B).bid
      const i1 = i0 + replay.count(4 * B, 4 * B + 50_000).bid
      let age = 0
      let cold = 0
      for (let i = i0; i < i1; i++) {
        const lastPerson = replay.lastBase0PersonId(ids[i])
        const b = bids.bidder[i] - FIRST_PERSON_ID
        if (b === Math.trunc(lastPerson / 100) * 100 + 1) continue
        age += lastPerson - b
        cold++
      }
      return { hotA: hotA / bids.n, hotB: hotB / bids.n, bad, warmupAge: age / cold }
    }
    const g = classify(got)
    const r = classify(ref)
    expect(g.bad).toEqual([])
    expect(r.bad).toEqual([])
    // About half the bids go to the hot auction and 3/4 to hot bidders, in both modes.
    expect(Math.abs(g.hotA - r.hotA)).toBeLessThan(0.02)
    expect(Math.abs(g.hotB - r.hotB)).toBeLessThan(0.02)
    expect(g.hotA).toBeGreaterThan(0.45)
    expect(g.hotB).toBeGreaterThan(0.7)
    expect(Math.abs(r.warmupAge - (c.numActivePeople - 10) / 2)).toBeLessThan(15)
    expect(Math.abs(g.warmupAge - r.warmupAge)).toBeLessThan(15)
  })

  it('gives the same events for a range generated in pieces as at once', () => {
    const gen = new NexmarkGenerator(small).prepare()
    const start = 37_123
    const end = 3 * B + 77_777
    // Cuts across block ends and warm-up ends, and in the middle of disorder groups.
    const cuts = [start, 50_000, 99_999, 100_000, 100_001, 149_500, 150_000, 205_555, 300_000, 350_001, end]
    for (const kind of KINDS) {
      const whole = generate(gen, kind, start, end)
      const pieces = cuts.slice(1).map((to, i) => generate(gen, kind, cuts[i], to))
      expect(diff(concat(pieces), whole)).toBe('')
      // Batches of a fixed size, as the source reads them.
      const batches: Columns[] = []
      for (let s = start; s < end; s += 30_001)
        batches.push(generate(gen, kind, s, Math.min(end, s + 30_001)))
      expect(diff(concat(batches), whole)).toBe('')
    }
    expect(gen.bids(5 * B, 5 * B).n).toBe(0)
    expect(gen.bids(5 * B + 10, 5 * B).n).toBe(0)
  })

  it('is deterministic across generators and processes (a rebuilt block is the same)', () => {
    const a = new NexmarkGenerator(small)
    const first = a.bids(2 * B + 12_345, 3 * B + 60_000)
    const auctions = a.auctions(7 * B, 8 * B)
    NexmarkGenerator.clearReplayCache()
    const b = new NexmarkGenerator({ ...small, baseTime: Date.UTC(2030, 0, 1) })
    const again = new NexmarkGenerator(small)
    expect(diff(again.bids(2 * B + 12_345, 3 * B + 60_000), first)).toBe('')
    expect(diff(again.auctions(7 * B, 8 * B), auctions)).toBe('')
    // Another base time shares the block; only times move.
    const moved = b.bids(2 * B + 12_345, 3 * B + 60_000)
    const shift = Date.UTC(2030, 0, 1) - DEFAULT_CONFIG.baseTime
    expect(diff(moved, first, ['auction', 'bidder', 'price', 'extra', 'channel'])).toBe('')
    expect(moved.dateTime.every((t, i) => t - first.dateTime[i] === shift)).toBe(true)
  })

  it('rejects block sizes that cannot replay exactly, with the reason', () => {
    const make =
      (replayBlockEvents: number, more: Partial<NexmarkConfig> = {}) =>
      () =>
        new NexmarkGenerator({ replayBlockEvents, ...more })
    expect(make(1234)).toThrow(/replayBlockEvents \(1234\) must be a multiple of the proportion total 50/)
    expect(make(1050)).toThrow(/must be a multiple of outOfOrderGroupSize \(1000\)/)
    expect(make(1000)).toThrow(/multiple of 100 persons and of 100 auctions per block.*20 and 60/)
    expect(make(45_000)).toThrow(/at least the warm-up of 50000 events/)
    expect(make(-1000)).toThrow(/must be an integer/)
    expect(make(2500.5)).toThrow(/must be an integer/)
    expect(make(50_000, { outOfOrderGroupSize: 3 })).toThrow(/multiple of outOfOrderGroupSize \(3\)/)
    expect(make(0)).not.toThrow()
    expect(make(50_000)).not.toThrow()
    // Through the source, it is an option error.
    expect(
      () => new NexmarkSource(readNexmarkOptions(new Options({ table: 'bid', replayBlockEvents: 1234 }))),
    ).toThrow(OptionError)
  })

  it('passes the mode through the source options', async () => {
    const events = 1_100_000
    const read = async (options: Record<string, number | string>) => {
      const s = new NexmarkSource(readNexmarkOptions(new Options({ table: 'bid', events, ...options })))
      return (await s.getBatch(1_050_000, 1_060_000)).data.toRows()
    }
    const rows = (c: BidColumns) =>
      Array.from({ length: c.n }, (_, i) => ({
        auction: c.auction[i],
        bidder: c.bidder[i],
        price: c.price[i],
        channel: c.channel[i],
        url: c.url[i],
        dateTime: c.dateTime[i],
        extra: c.extra[i],
      }))
    const exactRows = await read({ replayBlockEvents: 0 })
    const replayRows = await read({})
    const exact = new NexmarkGenerator({ replayBlockEvents: 0 }).bids(1_050_000, 1_060_000)
    const replay = new NexmarkGenerator().bids(1_050_000, 1_060_000)
    const norm = (r: readonly unknown[]) =>
      r.map((x) => {
        const o = x as Record<string, unknown>
        return { ...o, dateTime: o.dateTime instanceof Date ? o.dateTime.getTime() : o.dateTime }
      })
    expect(norm(exactRows)).toEqual(rows(exact))
    expect(norm(replayRows)).toEqual(rows(replay))
    expect(diff(exact, replay, ['dateTime'])).toBe('')
    expect(diff(exact, replay, ['price'])).not.toBe('')
  })
})
