/**
 * The Nexmark queries, written with Tributary's public API in their standard meaning (the
 * nexmark/nexmark Flink SQL set). A query whose operators Tributary lacks says so with the
 * reason instead of running something else under its name; where the query runs with a
 * workaround (a udf for a lookup join, foreachBatch for the final step of q5,
 * flatMapGroupsWithState for q7 and q19) the note says how.
 */
import {
  type ColumnarBatch,
  col,
  count,
  DataFrame,
  functions as F,
  type GroupState,
  lit,
  max,
  min,
  type OutputMode,
  type Session,
  schema,
  sum,
  udf,
  when,
} from '@tributary/core'
import type { EventKind } from './generator.js'
import { AUCTION_FIELDS, type Bid } from './source.js'

/** Flink 1.13's throughput per core, K events/s (nexmark/nexmark README, 8 × 4-core TaskManagers). */
export const FLINK_PER_CORE_K: Readonly<Record<string, number>> = {
  q0: 155.02,
  q1: 157.94,
  q2: 175.21,
  q3: 152.12,
  q4: 34.33,
  q5: 22.14,
  q7: 12.33,
  q8: 146.14,
  q9: 14.24,
  q11: 39.7,
  q12: 75.67,
  q13: 130.73,
  q14: 161.23,
  q15: 72.42,
  q16: 18.65,
  q17: 116.8,
  q18: 53.7,
  q19: 44.04,
  q20: 18.98,
  q21: 98.49,
  q22: 129.96,
}

export const WATERMARK_DELAY_MS = 4000
export const WINDOW_MS = 10_000
export const HOP_SLIDE_MS = 2000

export interface QueryContext {
  readonly session: Session
  /** A stream of one Nexmark table, all tables reading the same events. */
  bids(): DataFrame<Bid>
  table(kind: EventKind): DataFrame<Record<string, unknown>>
}

export interface QueryPlan {
  readonly df: DataFrame<unknown>
  readonly outputMode: OutputMode
  /** A last step run on each output batch in foreachBatch (q5's maximum per window). */
  readonly post?: (batch: DataFrame<unknown>) => Promise<ColumnarBatch<unknown>>
}

export interface NexmarkQuery {
  readonly id: string
  readonly title: string
  /** How the query is expressed, when not plainly. */
  readonly note?: string
  /** Why it cannot run with the operators Tributary has today; null when it can. */
  readonly cannotRun?: () => string | null
  readonly build?: (ctx: QueryContext) => QueryPlan
}

/** True once DataFrame.join exists (then the join queries must be written, not faked). */
export function hasJoin(): boolean {
  return typeof (DataFrame.prototype as unknown as Record<string, unknown>).join === 'function'
}

const needsJoin = (what: string) => (): string | null =>
  hasJoin()
    ? `needs ${what}: DataFrame.join now exists, but this query is not written against it yet`
    : `needs ${what}: DataFrame.join does not exist in Tributary yet`

/**
 * q15's and q16's twelve FILTER (WHERE …) counts: bids, distinct bidders and distinct
 * auctions, in all and per price rank (below 10 000; to 1 000 000; above).
 */
function biddingStatistics() {
  const p = col('price')
  const ranks = [p.lt(10_000), p.geq(10_000).and(p.lt(1_000_000)), p.geq(1_000_000)]
  const perRank = (what: string, of: (rank: (typeof ranks)[number]) => ReturnType<typeof count>) =>
    ranks.map((r, i) => of(r).alias(`rank${i + 1}_${what}`))
  return [
    count().alias('total_bids'),
    ...perRank('bids', (r) => count(when(r, 1))),
    F.countDistinct(col('bidder')).alias('total_bidders'),
    ...perRank('bidders', (r) => F.countDistinct(when(r, col('bidder')))),
    F.countDistinct(col('auction')).alias('total_auctions'),
    ...perRank('auctions', (r) => F.countDistinct(when(r, col('auction')))),
  ]
}

const hotItems = async (batch: DataFrame<unknown>): Promise<ColumnarBatch<unknown>> => {
  // The windows of one output batch are complete (append mode emits a window once, with all
  // its groups), so the maximum per window can be taken batch by batch, and joined back as
  // Nexmark's q5 joins the counts with their maximum.
  const counts = batch.select(
    col('window.start').alias('starttime'),
    col('window.end').alias('endtime'),
    col('auction'),
    col('num'),
  )
  const maxima = counts.groupBy(col('starttime'), col('endtime')).agg(max('num').alias('maxn'))
  return counts
    .join(maxima, ['starttime', 'endtime'])
    .where(col('num').geq(col('maxn')))
    .select(col('auction'), col('num'), col('starttime'), col('endtime'))
    .collectBatch() as Promise<ColumnarBatch<unknown>>
}

const Q7_SCHEMA = schema({
  auction: 'long',
  price: 'long',
  bidder: 'long',
  dateTime: 'timestamp',
  extra: 'string',
})
type Q7Row = typeof Q7_SCHEMA extends { __row?: infer R } ? NonNullable<R> : never
interface Q7State {
  max: number
  bids: Q7Row[]
}

function highestBids(windowStart: number, rows: Bid[], state: GroupState<Q7State>): Q7Row[] {
  if (state.hasTimedOut) {
    const out = state.get().bids
    state.remove()
    return out
  }
  // The stored value is never changed in place: a new one replaces it.
  const old = state.getOption()
  let max = old?.max ?? Number.NEGATIVE_INFINITY
  let bids = old?.bids ?? []
  let fresh = old === undefined
  for (const b of rows) {
    if (b.price < max) continue
    if (b.price > max) {
      max = b.price
      bids = []
      fresh = true
    } else if (!fresh) {
      bids = bids.slice()
      fresh = true
    }
    bids.push({
      auction: b.auction,
      price: b.price,
      bidder: b.bidder,
      dateTime: b.dateTime,
      extra: b.extra,
    })
  }
  if (fresh) state.update({ max, bids })
  // Fire once the watermark reaches the window's end (timeouts fire strictly after the timestamp).
  state.setTimeoutTimestamp(windowStart + WINDOW_MS - 1)
  return []
}

const Q19_SCHEMA = schema({
  auction: 'long',
  bidder: 'long',
  price: 'long',
  channel: 'string',
  url: 'string',
  dateTime: 'timestamp',
  extra: 'string',
  rank_number: 'long',
})
type Q19Row = typeof Q19_SCHEMA extends { __row?: infer R } ? NonNullable<R> : never

/**
 * q19's state per auction: its top bids, best first (price descending, then the earlier
 * bid, then the one that came first), as one flat array of Q19_STRIDE values per bid —
 * price, bidder, dateTime (ms), channel, url, extra: the state is written every batch the
 * auction gets bids, and one array serializes several times faster than an array of bid
 * objects or an object of columns — and the latest bid time seen.
 */
interface Q19State {
  readonly top: (number | string)[]
  readonly last: number
}
const Q19_STRIDE = 6

/**
 * How long after an auction's latest bid its state is dropped (event time). The
 * generator's bids name one of the last ~100 auctions or of the next 10 (1 717 events back,
 * 217 ahead: 0.2 s at 10 K events/s), so no bid reaches an auction 10 s after its latest one
 * at event rates down to ~200 events/s; the answer is the one of keeping every auction.
 */
export const Q19_IDLE_MS = 10_000

function topTen(auction: number, rows: Bid[], state: GroupState<Q19State>): Q19Row[] {
  if (state.hasTimedOut) {
    // Its current top 10 went out when it last changed (update mode): nothing to add.
    state.remove()
    return []
  }
  // A new value, never the stored one changed in place.
  const old = state.getOption()
  const top = old ? old.top.slice() : []
  let last = old ? old.last : Number.NEGATIVE_INFINITY
  const S = Q19_STRIDE
  for (const b of rows) {
    const p = b.price
    const t = b.dateTime.getTime()
    if (t > last) last = t
    // After every bid that ranks before or with it (ties keep arrival order), as a stable sort.
    let j = top.length / S
    for (; j > 0; j--) {
      const q = top[(j - 1) * S] as number
      if (q > p || (q === p && (top[(j - 1) * S + 2] as number) <= t)) break
    }
    if (j >= 10) continue
    top.splice(j * S, 0, p, b.bidder, t, b.channel, b.url, b.extra)
    if (top.length > 10 * S) top.length = 10 * S
  }
  state.update({ top, last })
  state.setTimeoutTimestamp(last + Q19_IDLE_MS)
  const n = top.length / S
  const out: Q19Row[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const o = i * S
    out[i] = {
      auction,
      price: top[o] as number,
      bidder: top[o + 1] as number,
      // Epoch milliseconds: what a timestamp column holds (a Date would be converted back).
      dateTime: top[o + 2] as unknown as Date,
      channel: top[o + 3] as string,
      url: top[o + 4] as string,
      extra: top[o + 5] as string,
      rank_number: i + 1,
    }
  }
  return out
}

/** Side input of q13: 10 000 keys, as nexmark-flink's generated side-input file. */
const SIDE_INPUT: string[] = Array.from({ length: 10_000 }, (_, k) => `side-${k}-${(k * 2654435761) >>> 16}`)
const sideValue = udf((auction: number) => SIDE_INPUT[auction % 10_000] ?? null, 'string', 'side_input')
const countChar = udf(
  (s: string, c: string) => {
    let n = 0
    for (let i = 0; i < s.length; i++) if (s[i] === c) n++
    return n
  },
  'long',
  'count_char',
)

/**
 * How far apart in event time the join queries let an auction and its bids be, where Flink's
 * regular joins keep every row forever. The generator's auctions last at most twice the event
 * time of 100 auctions' events (2 × 1 666 events: 333 ms at 10 K events/s), and a bid names one
 * of the last ~100 auctions or of the next 10 (1 717 events back, 217 ahead), so 10 s covers
 * event rates down to 334 events/s. Below that an auction outlasts it, and `spanChecked`
 * fails the query rather than let it miss matches silently.
 */
export const AUCTION_SPAN_MS = 10_000

const withinSpan = udf(
  (dateTime: Date, expires: Date) => {
    if (expires.getTime() - dateTime.getTime() > AUCTION_SPAN_MS) {
      throw new Error(
        `an auction lasts ${expires.getTime() - dateTime.getTime()} ms, longer than AUCTION_SPAN_MS (${AUCTION_SPAN_MS} ms) that the join queries bound their state by: raise the event rate or the bound`,
      )
    }
    return true
  },
  'boolean',
  'auction_within_span',
)

/** The auction stream with a watermark, failing the query on an auction longer than AUCTION_SPAN_MS. */
const spanChecked = (c: QueryContext) =>
  c
    .table('auction')
    .withWatermark('dateTime', '4 seconds')
    .where(withinSpan(col('dateTime'), col('expires')))

/**
 * The bids placed on each auction while it was open (q4, q9): Flink's `A.id = B.auction AND
 * B.dateTime BETWEEN A.dateTime AND A.expires`, plus `B.dateTime <= A.dateTime + span`
 * (implied by it within the span), which gives the join's output a bounded event time so
 * that a stateful operator can follow. Bids leave the state at the watermark, auctions
 * AUCTION_SPAN_MS after it; the bid's dateTime and extra are renamed bid_dateTime, bid_extra.
 */
function auctionBids(
  c: QueryContext,
  auctionColumns: readonly string[],
  bidColumns: readonly (keyof Bid)[],
): DataFrame<Record<string, unknown>> {
  const auctions = spanChecked(c).select(...auctionColumns)
  const bids = c
    .bids()
    .withWatermark('dateTime', '4 seconds')
    .select(
      ...bidColumns.map((n) => (n === 'extra' ? col('extra').alias('bid_extra') : col(n))),
      col('dateTime').alias('bid_dateTime'),
    ) as unknown as DataFrame<Record<string, unknown>>
  const bidTime = col('bid_dateTime')
  return auctions.join(
    bids,
    col('id')
      .eq(col('auction'))
      .and(bidTime.between(col('dateTime'), col('expires')))
      .and(bidTime.leq(col('dateTime').plus(AUCTION_SPAN_MS))),
  ) as DataFrame<Record<string, unknown>>
}

const Q4_SCHEMA = schema({ category: 'long', avg_final: 'double' })
type Q4Row = typeof Q4_SCHEMA extends { __row?: infer R } ? NonNullable<R> : never

/** q4's second aggregation: a category's running average of its auctions' closing prices. */
function categoryAverage(
  category: number,
  rows: Record<string, unknown>[],
  state: GroupState<{ sum: number; n: number }>,
): Q4Row[] {
  // A new state value, never the stored one changed in place.
  let { sum, n } = state.getOption() ?? { sum: 0, n: 0 }
  for (const r of rows) {
    sum += r.final as number
    n++
  }
  state.update({ sum, n })
  return [{ category, avg_final: sum / n }]
}

const Q9_SCHEMA = schema({
  ...AUCTION_FIELDS,
  auction: 'long',
  bidder: 'long',
  price: 'long',
  bid_dateTime: 'timestamp',
  bid_extra: 'string',
})
type Q9Row = typeof Q9_SCHEMA extends { __row?: infer R } ? NonNullable<R> : never

/** Whether bid a wins over bid b: the higher price, then the earlier bid (Flink's ORDER BY), then bidder and extra. */
function winsOver(
  a: { price: number; bid_dateTime: Date | number; bidder: number; bid_extra: string },
  b: { price: number; bid_dateTime: Date | number; bidder: number; bid_extra: string },
): boolean {
  if (a.price !== b.price) return a.price > b.price
  const ta = +a.bid_dateTime
  const tb = +b.bid_dateTime
  if (ta !== tb) return ta < tb
  if (a.bidder !== b.bidder) return a.bidder < b.bidder
  return a.bid_extra < b.bid_extra
}

/** q9: keeps an auction's best bid so far; emits it once the watermark passes the auction's expiry. */
function winningBid(_id: number, rows: Record<string, unknown>[], state: GroupState<Q9Row>): Q9Row[] {
  if (state.hasTimedOut) {
    const best = state.get()
    state.remove()
    return [best]
  }
  let best = state.getOption()
  for (const row of rows) {
    const r = row as Q9Row
    if (best === undefined || winsOver(r, best)) best = r
  }
  if (best === undefined) return []
  state.update(best)
  state.setTimeoutTimestamp(best.expires)
  return []
}

export const QUERIES: readonly NexmarkQuery[] = [
  {
    id: 'q0',
    title: 'pass-through',
    build: (c) => ({
      df: c.bids().select('auction', 'bidder', 'price', 'dateTime', 'extra') as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q1',
    title: 'currency conversion',
    note: 'price × 0.908 in double (Flink: DECIMAL)',
    build: (c) => ({
      df: c
        .bids()
        .select(
          'auction',
          'bidder',
          col('price').multiply(0.908).alias('price'),
          'dateTime',
          'extra',
        ) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q2',
    title: 'selection',
    build: (c) => ({
      df: c.bids().where(col('auction').mod(123).eq(0)).select('auction', 'price') as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q3',
    title: 'local item suggestion',
    note: 'stream–stream inner join without watermark: its state keeps every auction and person',
    cannotRun: () => (hasJoin() ? null : needsJoin('a stream–stream join of auctions and persons')()),
    build: (c) => {
      const auctions = c
        .table('auction')
        .where(col('category').eq(10))
        .select(col('id').alias('auctionId'), col('seller'))
      const persons = c
        .table('person')
        .where(col('state').isin('OR', 'ID', 'CA'))
        .select(col('id').alias('personId'), col('name'), col('city'), col('state'))
      return {
        df: auctions
          .join(persons, col('seller').eq(col('personId')))
          .select('name', 'city', 'state', 'auctionId') as DataFrame<unknown>,
        outputMode: 'append',
      }
    },
  },
  {
    id: 'q4',
    title: 'average price per category',
    note: 'join with bid ≤ auction dateTime + 10 s (bounds state); max per auction in append mode; the average per category by flatMapGroupsWithState (one aggregation per query), written again as its auctions close',
    cannotRun: () => (hasJoin() ? null : needsJoin('a join of auctions and bids, then two aggregations')()),
    build: (c) => ({
      df: auctionBids(c, ['id', 'category', 'dateTime', 'expires'], ['auction', 'price'])
        .groupBy(col('id'), col('category'), col('dateTime'))
        .agg(max('price').alias('final'))
        .groupByKey((r) => r.category as number)
        .flatMapGroupsWithState('append', 'NoTimeout', categoryAverage, Q4_SCHEMA) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q5',
    title: 'hot items',
    note: 'sliding count in the stream; the max per window joined back to the counts in foreachBatch (one streaming aggregation per query)',
    build: (c) => ({
      df: c
        .bids()
        .withWatermark('dateTime', '4 seconds')
        .groupBy(col('auction'), F.window(col('dateTime'), '10 seconds', '2 seconds'))
        .agg(count().alias('num')) as DataFrame<unknown>,
      outputMode: 'append',
      post: hotItems,
    }),
  },
  {
    id: 'q7',
    title: 'highest bid',
    note: 'flatMapGroupsWithState per tumbling window (no stream join to join the max back)',
    build: (c) => ({
      df: c
        .bids()
        .withWatermark('dateTime', '4 seconds')
        .groupByKey((b) => Math.floor(b.dateTime.getTime() / WINDOW_MS) * WINDOW_MS)
        .flatMapGroupsWithState('append', 'EventTimeTimeout', highestBids, Q7_SCHEMA) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q7b',
    title: 'highest bid, by max_by',
    note: 'q7 as a Spark user writes it: one aggregation per 10 s window with max_by(column, price) for each bid column; one row per window (the first bid of the highest price), where q7 keeps every bid that ties',
    build: (c) => ({
      df: c
        .bids()
        .withWatermark('dateTime', '4 seconds')
        .groupBy(F.window(col('dateTime'), '10 seconds'))
        .agg(
          F.max_by('auction', 'price').alias('auction'),
          max('price').alias('price'),
          F.max_by('bidder', 'price').alias('bidder'),
          F.max_by('dateTime', 'price').alias('dateTime'),
          F.max_by('extra', 'price').alias('extra'),
        )
        .select('auction', 'price', 'bidder', 'dateTime', 'extra') as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q8',
    title: 'monitor new users',
    note: 'left semi join of persons and sellers on (id, 10 s window): one row per person, as Flink’s two GROUP BYs give',
    cannotRun: () =>
      hasJoin() ? null : needsJoin('a windowed stream–stream join of persons and auctions')(),
    build: (c) => {
      const tumble = F.window(col('dateTime'), '10 seconds').alias('window')
      const persons = c
        .table('person')
        .withWatermark('dateTime', '4 seconds')
        .select('id', 'name', 'dateTime', tumble)
      const sellers = c
        .table('auction')
        .withWatermark('dateTime', '4 seconds')
        .select(col('seller').alias('id'), 'dateTime', tumble)
      return {
        df: persons
          .join(sellers, ['id', 'window'], 'left_semi')
          .select('id', 'name', col('window.start').alias('starttime')) as DataFrame<unknown>,
        outputMode: 'append',
      }
    },
  },
  {
    id: 'q9',
    title: 'winning bids',
    note: 'join as q4; the best bid (price desc, dateTime asc) per auction by flatMapGroupsWithState (no ROW_NUMBER), written once the watermark − 10 s passes expires',
    cannotRun: () => (hasJoin() ? null : needsJoin('a stream–stream join of auctions and bids')()),
    build: (c) => ({
      df: auctionBids(c, Q9_SCHEMA.names.slice(0, 10), ['auction', 'bidder', 'price', 'extra'])
        .groupByKey((r) => r.id as number)
        .flatMapGroupsWithState('append', 'EventTimeTimeout', winningBid, Q9_SCHEMA) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q11',
    title: 'user sessions',
    build: (c) => ({
      df: c
        .bids()
        .withWatermark('dateTime', '4 seconds')
        .groupBy(col('bidder'), F.session_window(col('dateTime'), '10 seconds'))
        .agg(count().alias('bid_count')) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q12',
    title: 'processing-time windows',
    note: 'window(current_timestamp()), update mode: output depends on the wall clock',
    build: (c) => ({
      df: c
        .bids()
        .groupBy(col('bidder'), F.window(F.current_timestamp(), '10 seconds'))
        .agg(count().alias('bid_count')) as DataFrame<unknown>,
      outputMode: 'update',
    }),
  },
  {
    id: 'q13',
    title: 'bounded side input join',
    note: 'stream–static join with a 10 000-row side table on auction % 10000 (a udf lookup before joins existed)',
    build: (c) => {
      if (!hasJoin()) {
        return {
          df: c
            .bids()
            .select(
              'auction',
              'bidder',
              'price',
              'dateTime',
              sideValue(col('auction')).alias('value'),
            ) as DataFrame<unknown>,
          outputMode: 'append',
        }
      }
      const side = c.session.createDataFrame(
        SIDE_INPUT.map((value, key) => ({ key, value })),
        schema({ key: 'long', value: 'string' }),
      )
      return {
        df: c
          .bids()
          .select('auction', 'bidder', 'price', 'dateTime', col('auction').mod(10_000).alias('key'))
          .join(side, 'key')
          .select('auction', 'bidder', 'price', 'dateTime', 'value') as DataFrame<unknown>,
        outputMode: 'append',
      }
    },
  },
  {
    id: 'q14',
    title: 'calculation',
    note: 'count_char as a udf',
    build: (c) => {
      const price = col('price').multiply(0.908)
      const h = F.hour(col('dateTime'))
      return {
        df: c
          .bids()
          .where(price.gt(1_000_000).and(price.lt(50_000_000)))
          .select(
            'auction',
            'bidder',
            price.alias('price'),
            when(h.geq(8).and(h.leq(18)), 'dayTime')
              .when(h.leq(6).or(h.geq(20)), 'nightTime')
              .otherwise('otherTime')
              .alias('bidTimeType'),
            'dateTime',
            'extra',
            countChar(col('extra'), lit('c')).alias('c_counts'),
          ) as DataFrame<unknown>,
        outputMode: 'append',
      }
    },
  },
  {
    id: 'q15',
    title: 'bidding statistics report',
    note: 'FILTER (WHERE …) as count(when(…)) / countDistinct(when(…)); update mode',
    build: (c) => {
      return {
        df: c
          .bids()
          .groupBy(F.date_format(col('dateTime'), 'yyyy-MM-dd').alias('day'))
          .agg(...biddingStatistics()) as DataFrame<unknown>,
        outputMode: 'update',
      }
    },
  },
  {
    id: 'q16',
    title: 'channel statistics report',
    note: 'as q15 per channel; update mode',
    build: (c) => {
      return {
        df: c
          .bids()
          .groupBy(col('channel'), F.date_format(col('dateTime'), 'yyyy-MM-dd').alias('day'))
          .agg(
            max(F.date_format(col('dateTime'), 'HH:mm')).alias('minute'),
            ...biddingStatistics(),
          ) as DataFrame<unknown>,
        outputMode: 'update',
      }
    },
  },
  {
    id: 'q17',
    title: 'auction statistics report',
    note: 'FILTER (WHERE …) as count(when(…)); update mode',
    build: (c) => {
      const p = col('price')
      return {
        df: c
          .bids()
          .groupBy(col('auction'), F.date_format(col('dateTime'), 'yyyy-MM-dd').alias('day'))
          .agg(
            count().alias('total_bids'),
            count(when(p.lt(10_000), 1)).alias('rank1_bids'),
            count(when(p.geq(10_000).and(p.lt(1_000_000)), 1)).alias('rank2_bids'),
            count(when(p.geq(1_000_000), 1)).alias('rank3_bids'),
            min('price').alias('min_price'),
            max('price').alias('max_price'),
            F.avg('price').alias('avg_price'),
            sum('price').alias('sum_price'),
          ) as DataFrame<unknown>,
        outputMode: 'update',
      }
    },
  },
  {
    id: 'q18',
    title: 'find last bid',
    note: 'dropDuplicates(bidder, auction) keeps the first bid per key; the last would need retractions',
    build: (c) => ({
      df: c.bids().dropDuplicates(['bidder', 'auction']) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'q19',
    title: 'auction TOP-10 price',
    note: 'flatMapGroupsWithState per auction (no ROW_NUMBER operator) emitting its current top 10 whenever it gets bids, update mode; an auction’s state is dropped 10 s (event time, watermark 4 s) after its latest bid',
    build: (c) => ({
      df: c
        .bids()
        .withWatermark('dateTime', '4 seconds')
        .groupByKey((b) => b.auction)
        .flatMapGroupsWithState('update', 'EventTimeTimeout', topTen, Q19_SCHEMA) as DataFrame<unknown>,
      outputMode: 'update',
    }),
  },
  {
    id: 'q20',
    title: 'expand bid with auction',
    note: 'bids within ±10 s of their auction’s dateTime, to bound state (Flink: no bound; the generator’s are within 0.2 s at 10 K events/s)',
    cannotRun: () => (hasJoin() ? null : needsJoin('a stream–stream join of bids and auctions')()),
    build: (c) => {
      const bids = c
        .bids()
        .withWatermark('dateTime', '4 seconds')
        .select(
          'auction',
          'bidder',
          'price',
          'channel',
          'url',
          col('dateTime').alias('bid_dateTime'),
          col('extra').alias('bid_extra'),
        )
      const auctions = spanChecked(c)
        .where(col('category').eq(10))
        .select(
          'id',
          'itemName',
          'description',
          'initialBid',
          'reserve',
          col('dateTime').alias('auction_dateTime'),
          'expires',
          'seller',
          'category',
          col('extra').alias('auction_extra'),
        )
      const at = col('auction_dateTime')
      return {
        df: bids
          .join(
            auctions,
            col('auction')
              .eq(col('id'))
              .and(col('bid_dateTime').between(at.minus(AUCTION_SPAN_MS), at.plus(AUCTION_SPAN_MS))),
          )
          .drop('id') as DataFrame<unknown>,
        outputMode: 'append',
      }
    },
  },
  {
    id: 'q21',
    title: 'add channel id',
    note: "regexp_extract gives '' for no match in Spark (null in Flink): tested with != ''",
    build: (c) => {
      const channelId = F.regexp_extract(col('url'), '(&|^)channel_id=([^&]*)', 2)
      const lc = F.lower(col('channel'))
      return {
        df: c
          .bids()
          .where(channelId.neq('').or(lc.isin('apple', 'google', 'facebook', 'baidu')))
          .select(
            'auction',
            'bidder',
            'price',
            'channel',
            when(lc.eq('apple'), '0')
              .when(lc.eq('google'), '1')
              .when(lc.eq('facebook'), '2')
              .when(lc.eq('baidu'), '3')
              .otherwise(channelId)
              .alias('channel_id'),
          ) as DataFrame<unknown>,
        outputMode: 'append',
      }
    },
  },
  {
    id: 'q22',
    title: 'get URL directories',
    note: "Flink's SPLIT_INDEX(url, '/', i) (0-based) as split_part(url, '/', i + 1); '' past the end, Flink null",
    build: (c) => ({
      df: c
        .bids()
        .select(
          'auction',
          'bidder',
          'price',
          'channel',
          F.split_part(col('url'), '/', 4).alias('dir1'),
          F.split_part(col('url'), '/', 5).alias('dir2'),
          F.split_part(col('url'), '/', 6).alias('dir3'),
        ) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
  {
    id: 'tumble',
    title: 'tumbling count per auction',
    note: 'not a Nexmark query: count per auction per 10 s tumbling window, for the peers',
    build: (c) => ({
      df: c
        .bids()
        .withWatermark('dateTime', '4 seconds')
        .groupBy(col('auction'), F.window(col('dateTime'), '10 seconds'))
        .agg(count().alias('num')) as DataFrame<unknown>,
      outputMode: 'append',
    }),
  },
]

/** The queries that the peers also run. */
export const PEER_QUERIES = ['q0', 'q1', 'q2', 'q5', 'q7', 'tumble'] as const
export type PeerQuery = (typeof PEER_QUERIES)[number]

export function queryById(id: string): NexmarkQuery | undefined {
  return QUERIES.find((q) => q.id === id)
}
