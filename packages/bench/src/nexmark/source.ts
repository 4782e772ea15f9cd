/**
 * `format('nexmark')`: the Nexmark generator as a Tributary source.
 *
 *   session.readStream.format('nexmark').option('table', 'bid').option('events', 10_000_000).load()
 *
 * The offset is the number of events emitted so far (persons, auctions and bids together),
 * so the bid, auction and person tables of one configuration read the same event stream
 * and agree at every offset; a range is generated again on replay, identically.
 *
 * Options: table (bid | auction | person), events (total; absent = unbounded),
 * rowsPerSecond (events released per second of wall time; absent = all at once),
 * startAt (epoch ms at which event 0 is released, with rowsPerSecond; default: when the
 * query starts), maxEventsPerTrigger (admission control, default 100 000), and the
 * generator's seed, eventRate (events per second of event time), baseTime (event time of
 * event 0), outOfOrderGroupSize and replayBlockEvents (events per replay block, default
 * 1 000 000; 0 = the exact generator, every event from its own random draws: see
 * generator.ts).
 */
import {
  AvailableNowRange,
  ColumnarBatch,
  LongType,
  type NumberVector,
  type ObjectVector,
  type Offset,
  OptionError,
  type Options,
  type ReadLimit,
  type Schema,
  type Source,
  type SourceBatch,
  type SourceProvider,
  StringType,
  schema,
  TimestampType,
  type Vector,
} from '@tributary/core'
import { type EventKind, type NexmarkConfig, NexmarkGenerator } from './generator.js'

export const BID_SCHEMA = schema({
  auction: 'long',
  bidder: 'long',
  price: 'long',
  channel: 'string',
  url: 'string',
  dateTime: 'timestamp',
  extra: 'string',
})

/** The auction columns, for schemas that extend them (q9's output). */
export const AUCTION_FIELDS = {
  id: 'long',
  itemName: 'string',
  description: 'string',
  initialBid: 'long',
  reserve: 'long',
  dateTime: 'timestamp',
  expires: 'timestamp',
  seller: 'long',
  category: 'long',
  extra: 'string',
} as const

export const AUCTION_SCHEMA = schema(AUCTION_FIELDS)

export const PERSON_SCHEMA = schema({
  id: 'long',
  name: 'string',
  emailAddress: 'string',
  creditCard: 'string',
  city: 'string',
  state: 'string',
  dateTime: 'timestamp',
  extra: 'string',
})

export type Bid = typeof BID_SCHEMA extends Schema<infer R> ? R : never

const SCHEMAS: Record<EventKind, Schema<unknown>> = {
  bid: BID_SCHEMA as Schema<unknown>,
  auction: AUCTION_SCHEMA as Schema<unknown>,
  person: PERSON_SCHEMA as Schema<unknown>,
}

const num = (type: typeof LongType, values: Float64Array): NumberVector => ({
  kind: 'number',
  type,
  length: values.length,
  values,
  validity: null,
})
const str = (values: readonly string[]): ObjectVector => ({
  kind: 'object',
  type: StringType,
  length: values.length,
  values,
})

/** Events [start, end) of one table as a columnar batch. */
export function nexmarkBatch(
  gen: NexmarkGenerator,
  table: EventKind,
  start: number,
  end: number,
): ColumnarBatch<unknown> {
  let columns: Vector[]
  let n: number
  if (table === 'bid') {
    const b = gen.bids(start, end)
    n = b.n
    columns = [
      num(LongType, b.auction),
      num(LongType, b.bidder),
      num(LongType, b.price),
      str(b.channel),
      str(b.url),
      num(TimestampType, b.dateTime),
      str(b.extra),
    ]
  } else if (table === 'auction') {
    const a = gen.auctions(start, end)
    n = a.n
    columns = [
      num(LongType, a.id),
      str(a.itemName),
      str(a.description),
      num(LongType, a.initialBid),
      num(LongType, a.reserve),
      num(TimestampType, a.dateTime),
      num(TimestampType, a.expires),
      num(LongType, a.seller),
      num(LongType, a.category),
      str(a.extra),
    ]
  } else {
    const p = gen.persons(start, end)
    n = p.n
    columns = [
      num(LongType, p.id),
      str(p.name),
      str(p.emailAddress),
      str(p.creditCard),
      str(p.city),
      str(p.state),
      num(TimestampType, p.dateTime),
      str(p.extra),
    ]
  }
  return new ColumnarBatch(SCHEMAS[table], columns, n)
}

export interface NexmarkSourceOptions {
  readonly table: EventKind
  readonly events: number
  readonly rowsPerSecond: number
  readonly startAt: number | undefined
  readonly maxEventsPerTrigger: number
  readonly generator: Partial<NexmarkConfig>
  /** Names this source in `lastRanges`, for sinks that measure latency. */
  readonly tag: string | undefined
}

/** The event range each tagged source read last: a latency sink turns it into arrival times. */
export const lastRanges = new Map<string, { start: number; end: number }>()

/** The source options that configure the generator (NexmarkConfig fields of the same names). */
export const GENERATOR_OPTIONS = [
  'seed',
  'eventRate',
  'baseTime',
  'outOfOrderGroupSize',
  'replayBlockEvents',
] as const

function nonNegative(options: Options, key: string, fallback: number): number {
  const n = options.getNumber(key, fallback)
  if (!Number.isFinite(n) || n < 0)
    throw new OptionError(
      `source 'nexmark': option '${key}' must be a non-negative number, got '${options.get(key)}'.`,
      'INVALID_OPTION',
    )
  return n
}

export function readNexmarkOptions(options: Options): NexmarkSourceOptions {
  const table = (options.get('table') ?? 'bid').toLowerCase()
  if (table !== 'bid' && table !== 'auction' && table !== 'person') {
    throw new OptionError(
      `source 'nexmark': option 'table' must be bid, auction or person, got '${table}'.`,
      'INVALID_OPTION',
    )
  }
  const generator: Record<string, number> = {}
  for (const k of GENERATOR_OPTIONS) {
    if (options.has(k)) generator[k] = nonNegative(options, k, 0)
  }
  return {
    table,
    events: options.has('events') ? nonNegative(options, 'events', 0) : Number.POSITIVE_INFINITY,
    rowsPerSecond: nonNegative(options, 'rowsPerSecond', 0),
    startAt: options.has('startAt') ? nonNegative(options, 'startAt', 0) : undefined,
    maxEventsPerTrigger: options.getPositiveInt('maxEventsPerTrigger', 100_000)!,
    generator,
    tag: options.get('tag'),
  }
}

export class NexmarkSource implements Source {
  readonly replayable = true
  readonly schema: Schema<unknown>
  readonly description: string
  private readonly gen: NexmarkGenerator
  private startAt: number | undefined
  private availableNowEnd: number | undefined
  private availableNow: AvailableNowRange | null = null

  constructor(private readonly options: NexmarkSourceOptions) {
    try {
      this.gen = new NexmarkGenerator(options.generator)
    } catch (e) {
      if (!(e instanceof RangeError)) throw e
      throw new OptionError(`source 'nexmark': ${e.message}.`, 'INVALID_OPTION')
    }
    this.schema = SCHEMAS[options.table]
    this.startAt = options.startAt
    const c = this.gen.config
    this.description = `Nexmark[table=${options.table}, events=${options.events}, seed=${c.seed}, eventRate=${c.eventRate}/s, generator=${this.gen.mode}, rowsPerSecond=${options.rowsPerSecond || 'unbounded'}]`
  }

  async initialOffset(): Promise<Offset> {
    return 0
  }

  /** Events released so far: all of them, or by rowsPerSecond since startAt. */
  private available(): number {
    const { events, rowsPerSecond } = this.options
    if (!rowsPerSecond) return events
    this.startAt ??= Date.now()
    const released = Math.floor(((Date.now() - this.startAt) * rowsPerSecond) / 1000)
    return Math.max(0, Math.min(events, released))
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.availableNowEnd = this.available()
    if (Number.isFinite(this.availableNowEnd))
      this.availableNow = new AvailableNowRange(this.availableNowEnd, 'events')
  }

  async latestOffset(start: Offset, limit: ReadLimit): Promise<Offset> {
    const from = start as number
    this.availableNow?.from(from)
    const avail = this.availableNowEnd ?? this.available()
    if (!Number.isFinite(avail) && limit === 'all') {
      throw new OptionError(
        "source 'nexmark': a once trigger needs a bounded stream; set option 'events'.",
        'INVALID_OPTION',
      )
    }
    const end = limit === 'all' ? avail : Math.min(avail, from + this.options.maxEventsPerTrigger)
    return Math.max(from, end)
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const s = start as number
    const e = end as number
    if (this.options.tag !== undefined) lastRanges.set(this.options.tag, { start: s, end: e })
    this.availableNow?.readTo(e)
    return { data: nexmarkBatch(this.gen, this.options.table, s, e) }
  }

  async commit(): Promise<void> {}
  async stop(): Promise<void> {}

  metrics(): Record<string, number | string> {
    return { eventsAvailable: this.available(), ...this.availableNow?.metrics() }
  }
}

export const nexmarkSourceProvider: SourceProvider = {
  name: 'nexmark',
  knownOptions: [
    'table',
    'events',
    'rowsPerSecond',
    'startAt',
    'maxEventsPerTrigger',
    ...GENERATOR_OPTIONS,
    'tag',
  ],
  schemaOf(ctx) {
    return SCHEMAS[readNexmarkOptions(ctx.options).table]
  },
  createSource(ctx) {
    return new NexmarkSource(readNexmarkOptions(ctx.options))
  },
}
