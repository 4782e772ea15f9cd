/**
 * The Nexmark event generator, after the Beam / nexmark-flink GeneratorConfig and its
 * Person, Auction and Bid generators: events come in the 1:3:46 proportions (Person 2 %,
 * Auction 6 %, Bid 92 %), bids favour hot auctions (1 - 1/hotAuctionRatio of them) and
 * hot bidders, sellers are mostly hot sellers, and event time advances at `eventRate`
 * events per second of event time with the disorder of `outOfOrderGroupSize` (events are
 * shuffled within groups of that many, as Beam's nextAdjustedEventNumber does).
 *
 * Every event is a pure function of (config, event number): its random draws come from a
 * generator seeded with its event id. So any range of events can be generated again, in
 * any order and by any process — which is what makes the source replayable by offset.
 *
 * The output is columnar: numbers and timestamps (epoch ms) in Float64Arrays, strings as
 * references into pools built once per generator (Beam draws a fresh random string for every
 * `extra`, name and description; here they are drawn from pools of the same length
 * distribution, so that strings repeat and hash or dictionary-encode cheaply).
 */

export interface NexmarkConfig {
  /** Seeds the string pools and every event's random draws. */
  readonly seed: number
  /** Events per second of event time (Beam's firstEventRate). */
  readonly eventRate: number
  /** Event time of event 0, epoch ms. */
  readonly baseTime: number
  /** Events are shuffled within groups of this many (1 = in order). */
  readonly outOfOrderGroupSize: number
  readonly personProportion: number
  readonly auctionProportion: number
  readonly bidProportion: number
  readonly hotAuctionRatio: number
  readonly hotSellersRatio: number
  readonly hotBiddersRatio: number
  readonly numActivePeople: number
  readonly numInFlightAuctions: number
  readonly avgPersonByteSize: number
  readonly avgAuctionByteSize: number
  readonly avgBidByteSize: number
}

/** Beam's defaults, except the disorder (Beam: 1) and a fixed base time (Beam: the wall clock). */
export const DEFAULT_CONFIG: NexmarkConfig = {
  seed: 42,
  eventRate: 10_000,
  baseTime: Date.UTC(2026, 0, 1),
  outOfOrderGroupSize: 1_000,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
}

export const FIRST_PERSON_ID = 1000
export const FIRST_AUCTION_ID = 1000
export const FIRST_CATEGORY_ID = 10
const NUM_CATEGORIES = 5
const HOT_AUCTION_RATIO = 100
const HOT_BIDDER_RATIO = 100
const HOT_SELLER_RATIO = 100
const PERSON_ID_LEAD = 10
const AUCTION_ID_LEAD = 10
const HOT_CHANNELS_RATIO = 2
const CHANNELS_NUMBER = 10_000
const POOL_SIZE = 1024

const FIRST_NAMES = [
  'Peter',
  'Paul',
  'Luke',
  'John',
  'Saul',
  'Vicky',
  'Kate',
  'Julie',
  'Sarah',
  'Deiter',
  'Walter',
]
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris']
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY']
const US_CITIES = [
  'Phoenix',
  'Los Angeles',
  'San Francisco',
  'Boise',
  'Portland',
  'Bend',
  'Redmond',
  'Seattle',
  'Kent',
  'Cheyenne',
]
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple']

export type EventKind = 'person' | 'auction' | 'bid'

export interface BidColumns {
  readonly n: number
  readonly auction: Float64Array
  readonly bidder: Float64Array
  readonly price: Float64Array
  readonly channel: string[]
  readonly url: string[]
  readonly dateTime: Float64Array
  readonly extra: string[]
}

export interface AuctionColumns {
  readonly n: number
  readonly id: Float64Array
  readonly itemName: string[]
  readonly description: string[]
  readonly initialBid: Float64Array
  readonly reserve: Float64Array
  readonly dateTime: Float64Array
  readonly expires: Float64Array
  readonly seller: Float64Array
  readonly category: Float64Array
  readonly extra: string[]
}

export interface PersonColumns {
  readonly n: number
  readonly id: Float64Array
  readonly name: string[]
  readonly emailAddress: string[]
  readonly creditCard: string[]
  readonly city: string[]
  readonly state: string[]
  readonly dateTime: Float64Array
  readonly extra: string[]
}

/** mulberry32: a small, fast 32-bit generator; reseeded per event. */
export class Rng {
  private s = 0
  reseed(seed: number): void {
    this.s = seed | 0
  }
  nextU32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }
  /** Uniform in [0, 1). */
  nextDouble(): number {
    return this.nextU32() / 4294967296
  }
  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextDouble() * n)
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** The seed of one event's random draws: a hash of the generator seed and the event id. */
export function eventSeed(seed: number, id: number): number {
  const lo = id >>> 0
  const hi = (id / 4294967296) >>> 0
  return fmix32(lo ^ fmix32(hi ^ Math.imul(seed, 0x9e3779b1)))
}

/** Beam's nextString: 3..maxLength-1 lowercase letters, one in 13 the `special` character. */
function nextString(r: Rng, maxLength: number, special = ' '): string {
  const len = 3 + r.nextInt(maxLength - 3)
  return nextExactString(r, len, special)
}

function nextExactString(r: Rng, length: number, special = ' '): string {
  let s = ''
  for (let i = 0; i < length; i++) {
    s += r.nextInt(13) === 0 ? special : String.fromCharCode(97 + r.nextInt(26))
  }
  return s
}

/** Beam's nextExtra: pads an event to about `desiredAverageSize` bytes (±20 %). */
function nextExtra(r: Rng, currentSize: number, desiredAverageSize: number): string {
  if (currentSize > desiredAverageSize) return ''
  const desired = desiredAverageSize - currentSize
  const delta = Math.round(desired * 0.2)
  const size = desired - delta + r.nextInt(2 * delta)
  return nextExactString(r, size)
}

/** Java's Integer.reverse. */
function reverseBits32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1)
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2)
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4)
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8)
  return (x >>> 16) | (x << 16) | 0
}

interface Pools {
  readonly bidExtra: string[]
  readonly auctionExtra: string[]
  readonly personExtra: string[]
  readonly itemName: string[]
  readonly description: string[]
  readonly email: string[]
  readonly creditCard: string[]
  readonly personName: string[]
  readonly channel: string[]
  readonly url: string[]
}

function buildPools(config: NexmarkConfig): Pools {
  const r = new Rng()
  r.reseed(fmix32(config.seed ^ 0x5eed5eed))
  const pool = (f: () => string) => Array.from({ length: POOL_SIZE }, f)
  const baseUrl = () =>
    `https://www.nexmark.com/${nextString(r, 5, '_')}/${nextString(r, 5, '_')}/${nextString(r, 5, '_')}/item.htm?query=1`
  const channel: string[] = []
  const url: string[] = []
  // Entries 0..3 are the hot channels, then CHANNELS_NUMBER cold ones (nexmark-flink's cache).
  for (const c of HOT_CHANNELS) {
    channel.push(c)
    url.push(baseUrl())
  }
  for (let i = 0; i < CHANNELS_NUMBER; i++) {
    channel.push(`channel-${i}`)
    const u = baseUrl()
    url.push(r.nextInt(10) > 0 ? `${u}&channel_id=${Math.abs(reverseBits32(i))}` : u)
  }
  const digits4 = () => String(r.nextInt(10000)).padStart(4, '0')
  return {
    bidExtra: pool(() => nextExtra(r, 32, config.avgBidByteSize)),
    // Sizes of the fields before extra, at their average lengths (Beam computes them per event).
    auctionExtra: pool(() => nextExtra(r, 8 + 11 + 51 + 40, config.avgAuctionByteSize)),
    personExtra: pool(() => nextExtra(r, 8 + 11 + 13 + 19 + 8 + 2, config.avgPersonByteSize)),
    itemName: pool(() => nextString(r, 20)),
    description: pool(() => nextString(r, 100)),
    email: pool(() => `${nextString(r, 7)}@${nextString(r, 5)}.com`),
    creditCard: pool(() => `${digits4()} ${digits4()} ${digits4()} ${digits4()}`),
    personName: FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`)),
    channel,
    url,
  }
}

const poolCache = new Map<string, Pools>()

export class NexmarkGenerator {
  readonly config: NexmarkConfig
  private readonly pools: Pools
  private readonly total: number
  private readonly rng = new Rng()
  /** Microseconds of event time between events. */
  private readonly interEventDelayUs: number

  constructor(config: Partial<NexmarkConfig> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config }
    const c = this.config
    if (!(c.eventRate > 0)) throw new RangeError(`nexmark: eventRate must be positive, got ${c.eventRate}`)
    if (!Number.isSafeInteger(c.outOfOrderGroupSize) || c.outOfOrderGroupSize < 1)
      throw new RangeError(`nexmark: outOfOrderGroupSize must be a positive integer`)
    if (c.outOfOrderGroupSize % 953 === 0)
      throw new RangeError('nexmark: outOfOrderGroupSize must not be a multiple of 953')
    this.total = c.personProportion + c.auctionProportion + c.bidProportion
    this.interEventDelayUs = 1e6 / c.eventRate
    const key = `${c.seed}/${c.avgBidByteSize}/${c.avgAuctionByteSize}/${c.avgPersonByteSize}`
    let pools = poolCache.get(key)
    if (!pools) {
      pools = buildPools(this.config)
      poolCache.set(key, pools)
    }
    this.pools = pools
  }

  /** The event id of the k-th event emitted (Beam's nextAdjustedEventNumber: disorder within groups). */
  eventId(k: number): number {
    const g = this.config.outOfOrderGroupSize
    const r = k % g
    return k - r + ((r * 953) % g)
  }

  /** Event time of an event id, epoch ms. */
  timestampOf(id: number): number {
    return this.config.baseTime + Math.floor(Math.floor(id * this.interEventDelayUs) / 1000)
  }

  kindOf(id: number): EventKind {
    const rem = id % this.total
    if (rem < this.config.personProportion) return 'person'
    if (rem < this.config.personProportion + this.config.auctionProportion) return 'auction'
    return 'bid'
  }

  /** How many of events [start, end) are of each kind. */
  count(start: number, end: number): Record<EventKind, number> {
    const out = { person: 0, auction: 0, bid: 0 }
    for (let k = start; k < end; k++) out[this.kindOf(this.eventId(k))]++
    return out
  }

  private lastBase0PersonId(id: number): number {
    const epoch = Math.floor(id / this.total)
    let offset = id % this.total
    if (offset >= this.config.personProportion) offset = this.config.personProportion - 1
    return epoch * this.config.personProportion + offset
  }

  private lastBase0AuctionId(id: number): number {
    const { personProportion: pp, auctionProportion: ap } = this.config
    let epoch = Math.floor(id / this.total)
    let offset = id % this.total
    if (offset < pp) {
      epoch--
      offset = ap - 1
    } else if (offset >= pp + ap) {
      offset = ap - 1
    } else {
      offset -= pp
    }
    return epoch * ap + offset
  }

  private nextBase0PersonId(id: number, r: Rng): number {
    const numPeople = this.lastBase0PersonId(id) + 1
    const active = Math.min(numPeople, this.config.numActivePeople)
    const n = r.nextInt(active + PERSON_ID_LEAD)
    return numPeople - active + n
  }

  private nextBase0AuctionId(id: number, r: Rng): number {
    const maxAuction = this.lastBase0AuctionId(id)
    const minAuction = Math.max(maxAuction - this.config.numInFlightAuctions, 0)
    return minAuction + r.nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD)
  }

  /** Beam's nextPrice: log-uniform cents in [100, 10^8]. */
  private static nextPrice(r: Rng): number {
    return Math.round(10 ** (r.nextDouble() * 6) * 100)
  }

  /** The bids among events [start, end), in emission order. */
  bids(start: number, end: number): BidColumns {
    const cap = Math.max(0, end - start)
    const auction = new Float64Array(cap)
    const bidder = new Float64Array(cap)
    const price = new Float64Array(cap)
    const dateTime = new Float64Array(cap)
    const channel: string[] = []
    const url: string[] = []
    const extra: string[] = []
    const { pools, rng: r, total } = this
    const c = this.config
    const firstBid = c.personProportion + c.auctionProportion
    const seed = c.seed
    let n = 0
    for (let k = start; k < end; k++) {
      const id = this.eventId(k)
      if (id % total < firstBid) continue
      r.reseed(eventSeed(seed, id))
      let a: number
      if (r.nextInt(c.hotAuctionRatio) > 0) {
        a = Math.trunc(this.lastBase0AuctionId(id) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
      } else {
        a = this.nextBase0AuctionId(id, r)
      }
      let b: number
      if (r.nextInt(c.hotBiddersRatio) > 0) {
        b = Math.trunc(this.lastBase0PersonId(id) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
      } else {
        b = this.nextBase0PersonId(id, r)
      }
      auction[n] = a + FIRST_AUCTION_ID
      bidder[n] = b + FIRST_PERSON_ID
      price[n] = NexmarkGenerator.nextPrice(r)
      const ch =
        r.nextInt(HOT_CHANNELS_RATIO) > 0 ? r.nextInt(HOT_CHANNELS.length) : 4 + r.nextInt(CHANNELS_NUMBER)
      channel.push(pools.channel[ch])
      url.push(pools.url[ch])
      dateTime[n] = this.timestampOf(id)
      extra.push(pools.bidExtra[r.nextInt(POOL_SIZE)])
      n++
    }
    return {
      n,
      auction: auction.subarray(0, n),
      bidder: bidder.subarray(0, n),
      price: price.subarray(0, n),
      channel,
      url,
      dateTime: dateTime.subarray(0, n),
      extra,
    }
  }

  /** The auctions among events [start, end), in emission order. */
  auctions(start: number, end: number): AuctionColumns {
    const cap = Math.max(0, end - start)
    const id = new Float64Array(cap)
    const initialBid = new Float64Array(cap)
    const reserve = new Float64Array(cap)
    const dateTime = new Float64Array(cap)
    const expires = new Float64Array(cap)
    const seller = new Float64Array(cap)
    const category = new Float64Array(cap)
    const itemName: string[] = []
    const description: string[] = []
    const extra: string[] = []
    const { pools, rng: r, total } = this
    const c = this.config
    const pp = c.personProportion
    const numEventsForAuctions = Math.floor((c.numInFlightAuctions * total) / c.auctionProportion)
    let n = 0
    for (let k = start; k < end; k++) {
      const eid = this.eventId(k)
      const rem = eid % total
      if (rem < pp || rem >= pp + c.auctionProportion) continue
      r.reseed(eventSeed(c.seed, eid))
      const ts = this.timestampOf(eid)
      let s: number
      if (r.nextInt(c.hotSellersRatio) > 0) {
        s = Math.trunc(this.lastBase0PersonId(eid) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
      } else {
        s = this.nextBase0PersonId(eid, r)
      }
      id[n] = this.lastBase0AuctionId(eid) + FIRST_AUCTION_ID
      seller[n] = s + FIRST_PERSON_ID
      category[n] = FIRST_CATEGORY_ID + r.nextInt(NUM_CATEGORIES)
      const bid0 = NexmarkGenerator.nextPrice(r)
      initialBid[n] = bid0
      // Beam's nextAuctionLengthMs: on average the time until numInFlightAuctions more auctions.
      const horizon = this.timestampOf(eid + numEventsForAuctions) - ts
      expires[n] = ts + 1 + r.nextInt(Math.max(horizon * 2, 1))
      reserve[n] = bid0 + NexmarkGenerator.nextPrice(r)
      dateTime[n] = ts
      itemName.push(pools.itemName[r.nextInt(POOL_SIZE)])
      description.push(pools.description[r.nextInt(POOL_SIZE)])
      extra.push(pools.auctionExtra[r.nextInt(POOL_SIZE)])
      n++
    }
    return {
      n,
      id: id.subarray(0, n),
      itemName,
      description,
      initialBid: initialBid.subarray(0, n),
      reserve: reserve.subarray(0, n),
      dateTime: dateTime.subarray(0, n),
      expires: expires.subarray(0, n),
      seller: seller.subarray(0, n),
      category: category.subarray(0, n),
      extra,
    }
  }

  /** The people among events [start, end), in emission order. */
  persons(start: number, end: number): PersonColumns {
    const cap = Math.max(0, end - start)
    const id = new Float64Array(cap)
    const dateTime = new Float64Array(cap)
    const name: string[] = []
    const emailAddress: string[] = []
    const creditCard: string[] = []
    const city: string[] = []
    const state: string[] = []
    const extra: string[] = []
    const { pools, rng: r, total } = this
    const c = this.config
    let n = 0
    for (let k = start; k < end; k++) {
      const eid = this.eventId(k)
      if (eid % total >= c.personProportion) continue
      r.reseed(eventSeed(c.seed, eid))
      id[n] = this.lastBase0PersonId(eid) + FIRST_PERSON_ID
      name.push(
        pools.personName[r.nextInt(FIRST_NAMES.length) * LAST_NAMES.length + r.nextInt(LAST_NAMES.length)],
      )
      emailAddress.push(pools.email[r.nextInt(POOL_SIZE)])
      creditCard.push(pools.creditCard[r.nextInt(POOL_SIZE)])
      city.push(US_CITIES[r.nextInt(US_CITIES.length)])
      state.push(US_STATES[r.nextInt(US_STATES.length)])
      dateTime[n] = this.timestampOf(eid)
      extra.push(pools.personExtra[r.nextInt(POOL_SIZE)])
      n++
    }
    return {
      n,
      id: id.subarray(0, n),
      name,
      emailAddress,
      creditCard,
      city,
      state,
      dateTime: dateTime.subarray(0, n),
      extra,
    }
  }

  /**
   * The highest event time among events [0, end): what a watermark can at most reach. With
   * disorder, the newest event time is within the last group, not necessarily event end-1.
   */
  maxEventTime(end: number, kind: EventKind = 'bid'): number {
    let max = Number.NEGATIVE_INFINITY
    const from = Math.max(0, end - 2 * this.config.outOfOrderGroupSize - 2 * this.total)
    for (let k = from; k < end; k++) {
      const id = this.eventId(k)
      if (this.kindOf(id) === kind) max = Math.max(max, this.timestampOf(id))
    }
    return max
  }
}
