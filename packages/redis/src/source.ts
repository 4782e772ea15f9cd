/**
 * The `redis` source: Redis Streams read with XRANGE. The offset is the last entry id read
 * per stream, kept only in Tributary's checkpoint (no consumer group), so the source is
 * replayable: getBatch(start, end) reads the entries with ids in (start, end] of each stream.
 */
import {
  AnalysisError,
  type Offset,
  type ReadLimit,
  type Schema,
  type Source,
  type SourceBatch,
  type SourceProvider,
  showOnly,
} from '@tributary/core'
import { shareLimit } from './admission.js'
import { type Connection, closeConnection, hostPort, openConnection } from './client.js'
import { dataLossError, findLoss } from './data-loss.js'
import { checkUserSchema, REDIS_SCHEMA, typedBatch, untypedBatch } from './fields.js'
import { readSourceOptions, SOURCE_OPTIONS, type SourceOptions } from './options.js'
import { lastPosition, PositionBook, positionsAfter } from './positions.js'
import { readRange, type StreamEntry } from './range-reader.js'
import { initialOffsets } from './starting-position.js'
import { compareIds } from './stream-id.js'
import { streamState } from './stream-info.js'

type Offsets = Record<string, string>

/** Entries read ahead by latestOffset for admission control, handed to the getBatch of the same range. */
interface ReadAhead {
  readonly start: Offsets
  readonly end: Offsets
  readonly entries: ReadonlyMap<string, StreamEntry[]>
}

export class RedisStreamSource implements Source {
  readonly replayable = true
  readonly description: string
  private readonly book: PositionBook
  private initial: Offsets | undefined
  private readAhead: ReadAhead | undefined
  /** Trigger.AvailableNow: the newest id of each stream when the query started. */
  private availableNowEnd: Offsets | undefined
  private lostEntries = 0
  private lossEvents = 0

  constructor(
    private readonly conn: Connection,
    private readonly options: SourceOptions,
    readonly schema: Schema<unknown>,
    private readonly typed: boolean,
    private readonly metadataDir: string,
  ) {
    this.book = new PositionBook(metadataDir)
    this.description = `RedisStreamSource[streams=${options.streams.join(',')}, url=${hostPort(options.url)}]`
  }

  async initialOffset(): Promise<Offset> {
    await this.book.load()
    this.initial = await initialOffsets(
      this.conn,
      this.metadataDir,
      this.options.startingPositions,
      streamState,
      this.book,
    )
    return this.initial
  }

  /** The start of each stream: from the offset, or the initial one for a stream new to the query. */
  private startsOf(offset: Offset): Offsets {
    const given = (offset ?? {}) as Offsets
    const out: Offsets = {}
    for (const s of this.options.streams) out[s] = given[s] ?? this.initial?.[s] ?? '0-0'
    return out
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    const end: Offsets = {}
    for (const s of this.options.streams) {
      const state = await streamState(this.conn, s)
      end[s] = state?.lastId ?? '0-0'
      if (state?.lastId) this.book.set(s, state.lastId, lastPosition(state))
    }
    this.availableNowEnd = end
  }

  async latestOffset(startOffset: Offset, limit: ReadLimit): Promise<Offset> {
    const start = this.startsOf(startOffset)
    const newest: Offsets = {}
    for (const s of this.options.streams) {
      const state = await streamState(this.conn, s)
      let last = state?.lastId ?? start[s]
      if (state?.lastId) this.book.set(s, state.lastId, lastPosition(state))
      const cap = this.availableNowEnd?.[s]
      if (cap !== undefined && compareIds(cap, last) < 0) last = cap
      newest[s] = compareIds(last, start[s]) > 0 ? last : start[s]
    }
    const max = this.options.maxEntriesPerTrigger
    if (limit === 'all' || max === undefined) return newest
    return this.admit(start, newest, max)
  }

  /** Reads up to `max` entries per stream after its start, grants `max` in all, and keeps what was granted. */
  private async admit(start: Offsets, newest: Offsets, max: number): Promise<Offsets> {
    const streams = this.options.streams
    const waiting = await Promise.all(
      streams.map((s) =>
        compareIds(newest[s], start[s]) > 0 ? readRange(this.conn, s, start[s], newest[s], max) : [],
      ),
    )
    const grant = shareLimit(
      waiting.map((w) => w.length),
      max,
    )
    const end: Offsets = {}
    const entries = new Map<string, StreamEntry[]>()
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i]
      const taken = waiting[i].slice(0, grant[i])
      entries.set(s, taken)
      end[s] = taken.length > 0 ? taken[taken.length - 1].id : start[s]
      if (taken.length > 0) await this.learnPositions(s, start[s], taken)
    }
    this.readAhead = { start, end, entries }
    return end
  }

  /** Positions of entries just read after `start`, checked against the state after the read. */
  private async learnPositions(
    stream: string,
    start: string,
    entries: readonly StreamEntry[],
  ): Promise<void> {
    const state = await streamState(this.conn, stream)
    if (state === null) return
    const ids = entries.map((e) => e.id)
    // Valid only if nothing before the entries went missing meanwhile: the first read is still first, or start is still stored.
    const consistent =
      state.firstId !== undefined && (state.firstId === ids[0] || compareIds(state.firstId, start) <= 0)
    if (!consistent) return
    const p = positionsAfter(state, start, this.book.get(stream, start), ids)
    this.book.set(stream, ids[ids.length - 1], p[p.length - 1])
  }

  async getBatch(startOffset: Offset, endOffset: Offset): Promise<SourceBatch> {
    const start = this.startsOf(startOffset)
    const end = this.startsOf(endOffset)
    const ahead = this.readAhead
    this.readAhead = undefined
    const reuse = ahead !== undefined && sameOffsets(ahead.start, start) && sameOffsets(ahead.end, end)
    const all: StreamEntry[] = []
    for (const s of this.options.streams) {
      if (compareIds(end[s], start[s]) <= 0) continue
      const entries = reuse ? (ahead.entries.get(s) ?? []) : await readRange(this.conn, s, start[s], end[s])
      await this.checkDataLoss(s, start[s], end[s], entries)
      all.push(...entries)
    }
    if (!this.typed) return { data: untypedBatch(all) }
    const r = typedBatch(all, this.schema, this.options.mode, this.options.corruptColumn)
    return { data: r.data, droppedMalformed: r.dropped, deadLetters: r.deadLetters }
  }

  private async checkDataLoss(stream: string, start: string, end: string, entries: readonly StreamEntry[]) {
    const startPosition = this.book.get(stream, start)
    const endPosition = this.book.get(stream, end)
    const read = entries.map((e) => e.id)
    // Everything the positions promise was read: nothing lost, no need to ask the server.
    if (
      startPosition !== undefined &&
      endPosition !== undefined &&
      endPosition - startPosition === read.length
    )
      return
    const state = await streamState(this.conn, stream)
    const loss = findLoss({ stream, start, end, read, startPosition, endPosition, state })
    if (loss === null) return
    if (this.options.failOnDataLoss) throw dataLossError(loss)
    this.lostEntries += loss.count
    this.lossEvents++
  }

  async commit(end: Offset): Promise<void> {
    await this.book.commit(this.startsOf(end))
  }

  async stop(): Promise<void> {
    await closeConnection(this.conn)
  }

  metrics(): Record<string, number> {
    return { entriesLost: this.lostEntries, rangesWithDataLoss: this.lossEvents }
  }
}

function sameOffsets(a: Offsets, b: Offsets): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

export const redisSourceProvider: SourceProvider = {
  name: 'redis',
  knownOptions: SOURCE_OPTIONS,
  schemaOf(ctx) {
    const options = readSourceOptions(ctx.options, !ctx.streaming)
    if (ctx.userSchema) {
      checkUserSchema(ctx.userSchema, options.corruptColumn)
      return ctx.userSchema
    }
    if (ctx.options.has('mode') || ctx.options.has('columnNameOfCorruptRecord')) {
      throw new AnalysisError(
        `SCHEMA_REQUIRED: options 'mode' and 'columnNameOfCorruptRecord' apply to typed fields, which need a schema: .schema(schema({ temperature: 'double', ... })). Without one, fields are strings in the 'fields' map and nothing is malformed.`,
        'SCHEMA_REQUIRED',
      )
    }
    return REDIS_SCHEMA as Schema<unknown>
  },
  async createSource(ctx) {
    const options = readSourceOptions(ctx.options, ctx.bounded)
    const typed =
      ctx.schema !== (REDIS_SCHEMA as Schema<unknown>) && !ctx.schema.equals(REDIS_SCHEMA as Schema<unknown>)
    const conn = await openConnection(options)
    try {
      // Fails now, not at the first batch, when a key holds something else than a stream.
      for (const s of options.streams) await streamState(conn, s)
      return new RedisStreamSource(conn, options, ctx.schema, typed, ctx.metadataDir)
    } catch (e) {
      await closeConnection(conn)
      throw e
    }
  },
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(RedisStreamSource, (x) => ({ description: x.description }))
