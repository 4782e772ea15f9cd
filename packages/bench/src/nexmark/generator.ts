/**
 * The Nexmark event generator, after the Beam / nexmark-flink GeneratorConfig and its
 * Person, Auction and Bid generators: events come in the 1:3:46 proportions (Person 2 %,
 * Auction 6 %, Bid 92 %), bids favour hot auctions (1 - 1/hotAuctionRatio of them) and
 * hot bidders, sellers are mostly hot sellers, and event time advances at `eventRate`
 * events per second of event time with the disorder of `outOfOrderGroupSize` (events are
 * shuffled within groups of that many, as Beam's nextAdjustedEventNumber does).
 *
 * **Exact mode** (`replayBlockEvents: 0`). Every event is a pure function of (config, event
 * number): its random draws come from a generator seeded with its event id. So any range of
 * events can be generated again, in any order and by any process — which is what makes the
 * source replayable by offset. It costs about 0.2 µs per event (a reseed, seven-odd draws, a
 * `10 ** x` per price), which is more than a hand-written loop spends answering q0–q2.
 *
 * **Replay-block mode** (the default, `replayBlockEvents: B`, B = 1 000 000). Events
 * [0, B) — the first block — are generated once per configuration with the exact generator
 * (cached per process, like the string pools), and every later event is read from them:
 * event k = j·B + p (0 ≤ p < B) is event p of the block with everything that the model
 * derives from the event number shifted by j whole blocks. B is a multiple of the
 * proportion total (50) and of outOfOrderGroupSize, so event k's event id (after the
 * disorder) is the id of event p plus j·B, its kind is the same, and:
 *
 *  - lastBase0PersonId grows by P = B/50·personProportion per block and lastBase0AuctionId by
 *    A = B/50·auctionProportion (one epoch of 50 event ids holds that many of each), so a
 *    person's id and an auction's id are shifted by j·P and j·A, exactly the exact
 *    generator's;
 *  - the hot auction, hot bidder and hot seller ids are ⌊lastBase0…/100⌋·100 (+1): linear in
 *    the shift because P and A are multiples of 100 (validated: B a multiple of 5 000 with
 *    the default proportions). A non-hot choice is `newest − window + draw` with a window
 *    of numActivePeople persons or numInFlightAuctions auctions, also shifted by j·P or j·A;
 *  - times: timestampOf(id + j·B) = timestampOf(id) + j·B·interEventDelay when the delay
 *    is a whole number of µs and B delays a whole number of ms (10 000 events/s: 100 µs, a
 *    block is 100 000 ms) — the shift is then exact; for other event rates each time is
 *    computed as timestampOf(its event id), so times are exact for every rate. An auction's
 *    `expires − dateTime` is a random draw and is replayed.
 *
 * Only the random draws — hot or not, which auction/person within the window, price,
 * category, channel, strings, auction length — repeat with period B. One exception keeps the
 * choices faithful: early in the first block fewer than numActivePeople persons (and
 * numInFlightAuctions auctions) exist, so the exact generator draws non-hot bidders, sellers
 * and auctions from a narrower window there. That warm-up (the first W events, W = 50 000
 * by default: 1 000 persons' worth) is never replayed: in blocks j ≥ 1 events j·B … j·B+W−1
 * come from events [B, B+W), generated exactly once as well and shifted by j−1 blocks. So,
 * for every event, ids and times are exactly those of the exact generator, ids being drawn
 * from the same windows with the same probabilities; and the mode stays deterministic and
 * replayable by offset: any range, in any split, in any process gives the same events, and
 * events [0, B) are identical in both modes.
 *
 * Reading a range in replay mode copies slices of the block's columns and adds the shifts
 * (typed-array loops; strings are references into the block's arrays): ~20–30 ns per bid,
 * most of it V8 allocating the large output arrays. The block is built on first use by a
 * range that reaches past it, or by `prepare()` (the benchmark calls it before timing), and
 * shared by every generator of the configuration in the process; until one exists, a range
 * inside the first block is generated exactly (the same events). It holds about 90 MB for
 * B = 1 000 000 (~50 MB of typed arrays, ~35 MB of heap: string references, bookkeeping).
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
  /**
   * Events per replay block: events past the first block are replayed from it with ids and
   * times shifted (see above). 0 = exact mode, every event generated from its own draws.
   */
  readonly replayBlockEvents: number
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
  replayBlockEvents: 1_000_000,
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

class BidBuilder {
  n = 0
  readonly auction: Float64Array
  readonly bidder: Float64Array
  readonly price: Float64Array
  readonly dateTime: Float64Array
  readonly channel: string[] = []
  readonly url: string[] = []
  readonly extra: string[] = []
  constructor(cap: number) {
    this.auction = new Float64Array(cap)
    this.bidder = new Float64Array(cap)
    this.price = new Float64Array(cap)
    this.dateTime = new Float64Array(cap)
  }
  columns(): BidColumns {
    const n = this.n
    return {
      n,
      auction: this.auction.subarray(0, n),
      bidder: this.bidder.subarray(0, n),
      price: this.price.subarray(0, n),
      channel: this.channel,
      url: this.url,
      dateTime: this.dateTime.subarray(0, n),
      extra: this.extra,
    }
  }
}

class AuctionBuilder {
  n = 0
  readonly id: Float64Array
  readonly initialBid: Float64Array
  readonly reserve: Float64Array
  readonly dateTime: Float64Array
  readonly expires: Float64Array
  readonly seller: Float64Array
  readonly category: Float64Array
  readonly itemName: string[] = []
  readonly description: string[] = []
  readonly extra: string[] = []
  constructor(cap: number) {
    this.id = new Float64Array(cap)
    this.initialBid = new Float64Array(cap)
    this.reserve = new Float64Array(cap)
    this.dateTime = new Float64Array(cap)
    this.expires = new Float64Array(cap)
    this.seller = new Float64Array(cap)
    this.category = new Float64Array(cap)
  }
  columns(): AuctionColumns {
    const n = this.n
    return {
      n,
      id: this.id.subarray(0, n),
      itemName: this.itemName,
      description: this.description,
      initialBid: this.initialBid.subarray(0, n),
      reserve: this.reserve.subarray(0, n),
      dateTime: this.dateTime.subarray(0, n),
      expires: this.expires.subarray(0, n),
      seller: this.seller.subarray(0, n),
      category: this.category.subarray(0, n),
      extra: this.extra,
    }
  }
}

class PersonBuilder {
  n = 0
  readonly id: Float64Array
  readonly dateTime: Float64Array
  readonly name: string[] = []
  readonly emailAddress: string[] = []
  readonly creditCard: string[] = []
  readonly city: string[] = []
  readonly state: string[] = []
  readonly extra: string[] = []
  constructor(cap: number) {
    this.id = new Float64Array(cap)
    this.dateTime = new Float64Array(cap)
  }
  columns(): PersonColumns {
    const n = this.n
    return {
      n,
      id: this.id.subarray(0, n),
      name: this.name,
      emailAddress: this.emailAddress,
      creditCard: this.creditCard,
      city: this.city,
      state: this.state,
      dateTime: this.dateTime.subarray(0, n),
      extra: this.extra,
    }
  }
}

/**
 * Events [first, first + length) generated exactly, with baseTime 0 (times relative to the
 * base time), kept to be replayed: each kind's columns in emission order, how many of each
 * kind precede every position, and each row's event id (relative to `first`).
 */
interface Tape {
  readonly first: number
  readonly length: number
  readonly bidsBefore: Int32Array
  readonly auctionsBefore: Int32Array
  readonly personsBefore: Int32Array
  readonly bids: BidColumns
  readonly bidEvent: Int32Array
  readonly auctions: AuctionColumns
  readonly auctionEvent: Int32Array
  readonly persons: PersonColumns
  readonly personEvent: Int32Array
}

/** The first block, and the exactly generated events [B, B + W) that replace its warm-up. */
interface ReplayBlock {
  readonly block: Tape
  readonly steady: Tape | null
}

/** One stretch of a requested range: tape positions [a, b), shifted by m blocks. */
interface Piece {
  readonly tape: Tape
  readonly m: number
  readonly a: number
  readonly b: number
}

/** The three event tables of a tape. */
type EventTable = 'bids' | 'auctions' | 'persons'
const kindEvent = { bids: 'bid', auctions: 'auction', persons: 'person' } as const

/** How a number column moves when events are replayed from a later block. */
type NumberReplay = 'none' | 'persons' | 'auctions' | 'sinceDateTime'

/** Replay blocks by configuration (base time excluded: the tapes hold relative times). */
const blockCache = new Map<string, ReplayBlock>()
const BLOCK_CACHE_SIZE = 4

export class NexmarkGenerator {
  readonly config: NexmarkConfig
  private readonly pools: Pools
  private readonly total: number
  private readonly rng = new Rng()
  /** Microseconds of event time between events. */
  private readonly interEventDelayUs: number
  /** Events per replay block; 0 in exact mode. */
  private readonly blockEvents: number
  /** Events at the start of the first block that blocks ≥ 1 take from events [B, B + W). */
  readonly warmupEvents: number
  /** Persons and auctions created per block: the id shifts of one block. */
  readonly personsPerBlock: number
  readonly auctionsPerBlock: number
  /** Event time of one block, ms, when a block shifts times by exactly that; else NaN. */
  private readonly blockMs: number
  private replay: ReplayBlock | null = null
  private key = ''

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

    const B = c.replayBlockEvents
    this.blockEvents = B
    this.personsPerBlock = (B / this.total) * c.personProportion
    this.auctionsPerBlock = (B / this.total) * c.auctionProportion
    this.warmupEvents = 0
    this.blockMs = Number.NaN
    if (B === 0) return
    const bad = (why: string) =>
      new RangeError(`nexmark: replayBlockEvents (${B}) ${why}; or set it to 0 for the exact generator`)
    if (!Number.isSafeInteger(B) || B < 0 || B > 2 ** 30) throw bad('must be an integer in [0, 2^30]')
    if (B % this.total !== 0)
      throw bad(`must be a multiple of the proportion total ${this.total} (person + auction + bid)`)
    if (B % c.outOfOrderGroupSize !== 0)
      throw bad(`must be a multiple of outOfOrderGroupSize (${c.outOfOrderGroupSize})`)
    if (
      this.personsPerBlock % HOT_BIDDER_RATIO !== 0 ||
      this.personsPerBlock % HOT_SELLER_RATIO !== 0 ||
      this.auctionsPerBlock % HOT_AUCTION_RATIO !== 0
    )
      throw bad(
        `must create a multiple of ${HOT_AUCTION_RATIO} persons and of ${HOT_AUCTION_RATIO} auctions per block, so that hot ids shift with it (it creates ${this.personsPerBlock} and ${this.auctionsPerBlock})`,
      )
    const W = this.warmup()
    if (W > B)
      throw bad(
        `must be at least the warm-up of ${W} events (until numActivePeople persons and numInFlightAuctions auctions exist)`,
      )
    this.warmupEvents = W
    const d = this.interEventDelayUs
    const shiftUs = B * d
    if (Number.isInteger(d) && shiftUs % 1000 === 0 && Number.isSafeInteger(shiftUs * 1024))
      this.blockMs = shiftUs / 1000
  }

  /** 'exact', or 'replay' with the block size. */
  get mode(): string {
    return this.blockEvents === 0 ? 'exact' : `replay(${this.blockEvents})`
  }

  /**
   * Builds (or finds in the cache) the replay block now rather than on first use; a no-op
   * in exact mode. Returns this.
   */
  prepare(): this {
    if (this.blockEvents > 0 && this.replay === null) this.replay = this.loadBlock()
    return this
  }

  /** Whether this generator reads from its replay block (built, or found in the cache). */
  get prepared(): boolean {
    return this.replay !== null
  }

  /** Drops the cached replay blocks (generators that hold one keep it). For tests. */
  static clearReplayCache(): void {
    blockCache.clear()
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

  /** Base-0 id of the newest person as of event id `id`. */
  lastBase0PersonId(id: number): number {
    const epoch = Math.floor(id / this.total)
    let offset = id % this.total
    if (offset >= this.config.personProportion) offset = this.config.personProportion - 1
    return epoch * this.config.personProportion + offset
  }

  /** Base-0 id of the newest auction as of event id `id`. */
  lastBase0AuctionId(id: number): number {
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

  /**
   * The first W events (whole disorder groups) after which every event id sees at least
   * numActivePeople persons and numInFlightAuctions auctions: from there on the windows that
   * non-hot choices are drawn from have their full size, and shift linearly.
   */
  private warmup(): number {
    const c = this.config
    const steady = (id: number) =>
      this.lastBase0PersonId(id) + 1 >= c.numActivePeople &&
      this.lastBase0AuctionId(id) >= c.numInFlightAuctions
    let lo = 0
    let hi = this.total
    while (!steady(hi)) hi *= 2
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2)
      if (steady(mid)) hi = mid
      else lo = mid + 1
    }
    const g = c.outOfOrderGroupSize
    return Math.ceil(lo / g) * g
  }

  /** Beam's nextPrice: log-uniform cents in [100, 10^8]. */
  private static nextPrice(r: Rng): number {
    return Math.round(10 ** (r.nextDouble() * 6) * 100)
  }

  /** Beam's nextBase0PersonId, given the newest person. */
  private nextPerson(lastPerson: number, r: Rng): number {
    const numPeople = lastPerson + 1
    const active = Math.min(numPeople, this.config.numActivePeople)
    const n = r.nextInt(active + PERSON_ID_LEAD)
    return numPeople - active + n
  }

  /** Beam's nextBase0AuctionId, given the newest auction. */
  private nextAuction(maxAuction: number, r: Rng): number {
    const minAuction = Math.max(maxAuction - this.config.numInFlightAuctions, 0)
    return minAuction + r.nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD)
  }

  /**
   * The exact generator: events [start, end), each of the kinds that has a builder, in
   * emission order. One pass: each event's id, epoch and kind are computed once.
   */
  private generate(
    start: number,
    end: number,
    bids: BidBuilder | null,
    auctions: AuctionBuilder | null,
    persons: PersonBuilder | null,
  ): void {
    const total = this.total
    const c = this.config
    const pp = c.personProportion
    const firstBid = pp + c.auctionProportion
    const g = c.outOfOrderGroupSize
    for (let k = start; k < end; k++) {
      const rem = k % g
      const id = k - rem + ((rem * 953) % g)
      const epoch = Math.floor(id / total)
      const offset = id - epoch * total
      if (offset >= firstBid) {
        if (bids !== null) this.bid(bids, id, epoch)
      } else if (offset >= pp) {
        if (auctions !== null) this.auction(auctions, id, epoch, offset - pp)
      } else if (persons !== null) {
        this.person(persons, id, epoch, offset)
      }
    }
  }

  private bid(o: BidBuilder, id: number, epoch: number): void {
    const c = this.config
    const r = this.rng
    const pools = this.pools
    r.reseed(eventSeed(c.seed, id))
    const lastAuction = epoch * c.auctionProportion + c.auctionProportion - 1
    const lastPerson = epoch * c.personProportion + c.personProportion - 1
    const a =
      r.nextInt(c.hotAuctionRatio) > 0
        ? Math.trunc(lastAuction / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
        : this.nextAuction(lastAuction, r)
    const b =
      r.nextInt(c.hotBiddersRatio) > 0
        ? Math.trunc(lastPerson / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
        : this.nextPerson(lastPerson, r)
    const n = o.n++
    o.auction[n] = a + FIRST_AUCTION_ID
    o.bidder[n] = b + FIRST_PERSON_ID
    o.price[n] = NexmarkGenerator.nextPrice(r)
    const ch =
      r.nextInt(HOT_CHANNELS_RATIO) > 0 ? r.nextInt(HOT_CHANNELS.length) : 4 + r.nextInt(CHANNELS_NUMBER)
    o.channel.push(pools.channel[ch])
    o.url.push(pools.url[ch])
    o.dateTime[n] = this.timestampOf(id)
    o.extra.push(pools.bidExtra[r.nextInt(POOL_SIZE)])
  }

  /** `nth`: which of its epoch's auctions this event creates (0 … auctionProportion−1). */
  private auction(o: AuctionBuilder, eid: number, epoch: number, nth: number): void {
    const c = this.config
    const r = this.rng
    const pools = this.pools
    r.reseed(eventSeed(c.seed, eid))
    const ts = this.timestampOf(eid)
    const lastPerson = epoch * c.personProportion + c.personProportion - 1
    const s =
      r.nextInt(c.hotSellersRatio) > 0
        ? Math.trunc(lastPerson / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
        : this.nextPerson(lastPerson, r)
    const n = o.n++
    o.id[n] = epoch * c.auctionProportion + nth + FIRST_AUCTION_ID
    o.seller[n] = s + FIRST_PERSON_ID
    o.category[n] = FIRST_CATEGORY_ID + r.nextInt(NUM_CATEGORIES)
    const bid0 = NexmarkGenerator.nextPrice(r)
    o.initialBid[n] = bid0
    // Beam's nextAuctionLengthMs: on average the time until numInFlightAuctions more auctions.
    const numEventsForAuctions = Math.floor((c.numInFlightAuctions * this.total) / c.auctionProportion)
    const horizon = this.timestampOf(eid + numEventsForAuctions) - ts
    o.expires[n] = ts + 1 + r.nextInt(Math.max(horizon * 2, 1))
    o.reserve[n] = bid0 + NexmarkGenerator.nextPrice(r)
    o.dateTime[n] = ts
    o.itemName.push(pools.itemName[r.nextInt(POOL_SIZE)])
    o.description.push(pools.description[r.nextInt(POOL_SIZE)])
    o.extra.push(pools.auctionExtra[r.nextInt(POOL_SIZE)])
  }

  private person(o: PersonBuilder, eid: number, epoch: number, offset: number): void {
    const c = this.config
    const r = this.rng
    const pools = this.pools
    r.reseed(eventSeed(c.seed, eid))
    const n = o.n++
    o.id[n] = epoch * c.personProportion + offset + FIRST_PERSON_ID
    o.name.push(
      pools.personName[r.nextInt(FIRST_NAMES.length) * LAST_NAMES.length + r.nextInt(LAST_NAMES.length)],
    )
    o.emailAddress.push(pools.email[r.nextInt(POOL_SIZE)])
    o.creditCard.push(pools.creditCard[r.nextInt(POOL_SIZE)])
    o.city.push(US_CITIES[r.nextInt(US_CITIES.length)])
    o.state.push(US_STATES[r.nextInt(US_STATES.length)])
    o.dateTime[n] = this.timestampOf(eid)
    o.extra.push(pools.personExtra[r.nextInt(POOL_SIZE)])
  }

  /** Whether a range is read from the replay block (building it if needed). */
  private replaying(end: number): boolean {
    if (this.blockEvents === 0) return false
    if (this.replay !== null) return true
    // A block another generator of this configuration built is used from then on; before
    // any exists, a range inside the first block is generated exactly: the same events.
    const cached = blockCache.get(this.blockKey())
    if (cached !== undefined) {
      this.replay = cached
      return true
    }
    if (end <= this.blockEvents) return false
    this.prepare()
    return true
  }

  /** The block cache's key: the configuration but its base time (tapes hold relative times). */
  private blockKey(): string {
    if (this.key === '') {
      const { baseTime: _, ...rest } = this.config
      this.key = JSON.stringify(rest)
    }
    return this.key
  }

  private loadBlock(): ReplayBlock {
    const key = this.blockKey()
    let block = blockCache.get(key)
    if (block) {
      blockCache.delete(key)
    } else {
      const exact = new NexmarkGenerator({ ...this.config, baseTime: 0, replayBlockEvents: 0 })
      const B = this.blockEvents
      const W = this.warmupEvents
      block = { block: exact.tape(0, B), steady: W > 0 ? exact.tape(B, W) : null }
      while (blockCache.size >= BLOCK_CACHE_SIZE) blockCache.delete(blockCache.keys().next().value as string)
    }
    blockCache.set(key, block)
    return block
  }

  /** Events [first, first + length) generated exactly, kept for replay. */
  private tape(first: number, length: number): Tape {
    const pp = this.config.personProportion
    const firstBid = pp + this.config.auctionProportion
    const bidsBefore = new Int32Array(length + 1)
    const auctionsBefore = new Int32Array(length + 1)
    const personsBefore = new Int32Array(length + 1)
    let nb = 0
    let na = 0
    let np = 0
    for (let p = 0; p < length; p++) {
      const rem = this.eventId(first + p) % this.total
      if (rem >= firstBid) nb++
      else if (rem >= pp) na++
      else np++
      bidsBefore[p + 1] = nb
      auctionsBefore[p + 1] = na
      personsBefore[p + 1] = np
    }
    const bidEvent = new Int32Array(nb)
    const auctionEvent = new Int32Array(na)
    const personEvent = new Int32Array(np)
    for (let p = 0; p < length; p++) {
      const id = this.eventId(first + p)
      const rem = id % this.total
      if (rem >= firstBid) bidEvent[bidsBefore[p]] = id - first
      else if (rem >= pp) auctionEvent[auctionsBefore[p]] = id - first
      else personEvent[personsBefore[p]] = id - first
    }
    const bids = new BidBuilder(nb)
    const auctions = new AuctionBuilder(na)
    const persons = new PersonBuilder(np)
    this.generate(first, first + length, bids, auctions, persons)
    return {
      first,
      length,
      bidsBefore,
      auctionsBefore,
      personsBefore,
      bids: bids.columns(),
      bidEvent,
      auctions: auctions.columns(),
      auctionEvent,
      persons: persons.columns(),
      personEvent,
    }
  }

  /**
   * The stretches of events [start, end) on the tapes: in block j ≥ 1 the warm-up comes from
   * the steady tape (events [B, B + W), shifted j − 1 blocks), the rest from the first block
   * (shifted j blocks).
   */
  private pieces(start: number, end: number): Piece[] {
    const { block, steady } = this.replay!
    const B = this.blockEvents
    const W = this.warmupEvents
    const out: Piece[] = []
    let k = Math.max(0, start)
    while (k < end) {
      const j = Math.floor(k / B)
      const p = k - j * B
      if (j >= 1 && p < W) {
        const stop = Math.min(end, j * B + W)
        out.push({ tape: steady!, m: j - 1, a: p, b: stop - j * B })
        k = stop
      } else {
        const stop = Math.min(end, (j + 1) * B)
        out.push({ tape: block, m: j, a: p, b: stop - j * B })
        k = stop
      }
    }
    return out
  }

  /**
   * Event times of tape rows [i0, i1) shifted m blocks, into out from o: the relative time
   * plus the base time and m blocks of event time, or, when a block is not a whole number of
   * ms, the time of each row's shifted event id.
   */
  private shiftTimes(
    out: Float64Array,
    o: number,
    tape: Tape,
    rel: Float64Array,
    events: Int32Array,
    i0: number,
    i1: number,
    m: number,
  ): void {
    const base = this.config.baseTime
    if (!Number.isNaN(this.blockMs)) {
      const shift = m * this.blockMs
      for (let i = i0; i < i1; i++) out[o++] = base + (rel[i] + shift)
    } else {
      const first = tape.first + m * this.blockEvents
      const d = this.interEventDelayUs
      for (let i = i0; i < i1; i++) out[o++] = base + Math.floor(Math.floor((first + events[i]) * d) / 1000)
    }
  }

  /**
   * Events [start, end) of one kind from the replay tapes: `numbers` says how each number
   * column other than dateTime moves with the blocks (copied; shifted by the persons or the
   * auctions a block creates; or, for an auction's expiry, kept at the same distance from
   * its shifted dateTime); dateTime is shifted by shiftTimes; string columns are copied.
   */
  private replayColumns(
    start: number,
    end: number,
    kind: EventTable,
    numbers: Readonly<Record<string, NumberReplay>>,
  ): Record<string, unknown> {
    const pieces = this.pieces(start, end)
    const before = (t: Tape) => t[`${kind}Before`]
    let n = 0
    for (const p of pieces) n += before(p.tape)[p.b] - before(p.tape)[p.a]
    const shiftPerBlock = { none: 0, persons: this.personsPerBlock, auctions: this.auctionsPerBlock }
    const sample = this.replay!.block[kind] as unknown as Record<string, unknown>
    const stringNames = Object.keys(sample).filter((k) => Array.isArray(sample[k]))
    const out: Record<string, unknown> = { n, dateTime: new Float64Array(n) }
    for (const name of Object.keys(numbers)) out[name] = new Float64Array(n)
    for (const name of stringNames) out[name] = []
    const dateTime = out.dateTime as Float64Array
    let o = 0
    for (const p of pieces) {
      const t = p.tape[kind] as unknown as Record<string, Float64Array | string[]>
      const i0 = before(p.tape)[p.a]
      const i1 = before(p.tape)[p.b]
      const tapeTimes = t.dateTime as Float64Array
      this.shiftTimes(dateTime, o, p.tape, tapeTimes, p.tape[`${kindEvent[kind]}Event`], i0, i1, p.m)
      for (const [name, how] of Object.entries(numbers)) {
        const src = t[name] as Float64Array
        const dst = out[name] as Float64Array
        if (how === 'sinceDateTime') {
          for (let i = i0, x = o; i < i1; i++, x++) dst[x] = dateTime[x] + (src[i] - tapeTimes[i])
        } else if (how === 'none') {
          dst.set(src.subarray(i0, i1), o)
        } else {
          const d = p.m * shiftPerBlock[how]
          for (let i = i0, x = o; i < i1; i++, x++) dst[x] = src[i] + d
        }
      }
      for (const name of stringNames)
        out[name] = joinSlice(out[name] as string[], t[name] as string[], i0, i1)
      o += i1 - i0
    }
    return out
  }

  /** The bids among events [start, end), in emission order. */
  bids(start: number, end: number): BidColumns {
    if (!this.replaying(end)) {
      const o = new BidBuilder(Math.max(0, end - start))
      this.generate(start, end, o, null, null)
      return o.columns()
    }
    return this.replayColumns(start, end, 'bids', {
      auction: 'auctions',
      bidder: 'persons',
      price: 'none',
    }) as unknown as BidColumns
  }

  /** The auctions among events [start, end), in emission order. */
  auctions(start: number, end: number): AuctionColumns {
    if (!this.replaying(end)) {
      const o = new AuctionBuilder(Math.max(0, end - start))
      this.generate(start, end, null, o, null)
      return o.columns()
    }
    return this.replayColumns(start, end, 'auctions', {
      id: 'auctions',
      seller: 'persons',
      initialBid: 'none',
      reserve: 'none',
      category: 'none',
      expires: 'sinceDateTime',
    }) as unknown as AuctionColumns
  }

  /** The people among events [start, end), in emission order. */
  persons(start: number, end: number): PersonColumns {
    if (!this.replaying(end)) {
      const o = new PersonBuilder(Math.max(0, end - start))
      this.generate(start, end, null, null, o)
      return o.columns()
    }
    return this.replayColumns(start, end, 'persons', { id: 'persons' }) as unknown as PersonColumns
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

/** `acc` followed by src[i0, i1) (a fresh array; `acc` itself when the slice is empty). */
function joinSlice(acc: string[], src: readonly string[], i0: number, i1: number): string[] {
  if (i1 <= i0) return acc
  const part = src.slice(i0, i1)
  return acc.length === 0 ? part : acc.concat(part)
}
