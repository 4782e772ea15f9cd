/**
 * The `nats` source: a JetStream stream read by stream sequence. The offset is the last
 * sequence a batch covers, kept only in Tributary's checkpoint (no durable consumer on the
 * server), so the source is replayable: getBatch(start, end) always reads the messages
 * stored with a sequence in (start, end], whatever ran before.
 */
import {
  AnalysisError,
  AvailableNowRange,
  type Offset,
  type ReadLimit,
  type Schema,
  type Source,
  type SourceBatch,
  type SourceProvider,
  showOnly,
  TributaryError,
} from '@tributary/core'
import { closeConnection, type JetStreamConnection, openConnection } from './connection.js'
import { countOf, dataLossError, lostSequences } from './data-loss.js'
import { readSourceOptions, SOURCE_OPTIONS, type SourceOptions } from './options.js'
import { readRange, type StoredMessage } from './range-reader.js'
import { messagesToBatch, schemaFor } from './rows.js'
import { initialOffset } from './starting-position.js'
import { checkFilterSubject, streamInfo } from './stream-info.js'

/** Messages read ahead by latestOffset for admission control, handed to the getBatch of the same range. */
interface ReadAhead {
  readonly start: number
  readonly end: number
  readonly messages: StoredMessage[]
}

export class JetStreamSource implements Source {
  readonly replayable = true
  readonly schema: Schema<unknown>
  readonly description: string
  private readAhead: ReadAhead | undefined
  /** Trigger.AvailableNow: the last sequence when the query started; never read past it. */
  private availableNowEnd: number | undefined
  /** The progress bar's share: sequences read of those there at the start. */
  private availableNow: AvailableNowRange | null = null
  private lastStreamSeq = 0
  private lastEnd = 0
  private lostTotal = 0

  constructor(
    private readonly conn: JetStreamConnection,
    private readonly options: SourceOptions,
    private readonly metadataDir: string,
  ) {
    this.schema = schemaFor(options.includeHeaders)
    this.description = `JetStreamSource[stream=${options.stream}${options.subject ? `, subject=${options.subject}` : ''}, servers=${conn.where}]`
  }

  async initialOffset(): Promise<Offset> {
    const o = this.options
    return initialOffset(this.conn, this.metadataDir, o.stream, o.subject, o.startingPosition)
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.availableNowEnd = (await streamInfo(this.conn, this.options.stream)).state.last_seq
    this.availableNow = new AvailableNowRange(this.availableNowEnd, 'sequences')
  }

  async latestOffset(start: Offset, limit: ReadLimit): Promise<Offset> {
    const from = start as number
    this.availableNow?.from(from)
    const { state } = await streamInfo(this.conn, this.options.stream)
    this.lastStreamSeq = state.last_seq
    if (state.last_seq < from) {
      throw new TributaryError(
        `NATS_STREAM_RESET: stream '${this.options.stream}' ends at sequence ${state.last_seq}, before sequence ${from} that this query already read: the stream was deleted and created again. Start the query with a new checkpointLocation (and option startingPosition) to read the new stream.`,
        'NATS_STREAM_RESET',
      )
    }
    const upper = Math.min(state.last_seq, this.availableNowEnd ?? Number.POSITIVE_INFINITY)
    if (upper <= from) return from
    const max = this.options.maxMessagesPerTrigger
    if (limit === 'all' || max === undefined || upper - from <= max) return upper
    // Sequences are not messages (gaps from the filter or from removed messages): read the
    // next `max` messages to find where they end, and keep them for getBatch.
    const messages = await this.read(from, upper, max)
    const end = messages.length === max ? messages[max - 1].sequence : upper
    this.readAhead = { start: from, end, messages }
    return end
  }

  private read(start: number, end: number, maxCount?: number): Promise<StoredMessage[]> {
    const { stream, subject, includeHeaders } = this.options
    return readRange(this.conn, { stream, subject, start, end, maxCount, includeHeaders })
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const from = start as number
    const to = end as number
    const ahead = this.readAhead
    this.readAhead = undefined
    const messages =
      ahead && ahead.start === from && ahead.end === to ? ahead.messages : await this.read(from, to)
    this.lastEnd = to
    this.availableNow?.readTo(to)
    await this.checkDataLoss(from, to, messages)
    return { data: messagesToBatch(messages, this.options.includeHeaders) }
  }

  private async checkDataLoss(start: number, end: number, messages: readonly StoredMessage[]): Promise<void> {
    // Every sequence read: nothing can be missing (the common case without a filter).
    if (messages.length === end - start) return
    let { state } = await streamInfo(this.conn, this.options.stream)
    if (state.num_deleted > 0) state = (await streamInfo(this.conn, this.options.stream, true)).state
    const lost = lostSequences(
      start,
      end,
      messages.map((m) => m.sequence),
      state,
    )
    if (lost.length === 0) return
    if (this.options.failOnDataLoss) throw dataLossError(this.options.stream, start, end, lost)
    this.lostTotal += countOf(lost)
  }

  async commit(): Promise<void> {}

  async stop(): Promise<void> {
    await closeConnection(this.conn)
  }

  metrics(): Record<string, number | string> {
    return {
      messagesBehind: Math.max(0, this.lastStreamSeq - this.lastEnd),
      messagesLost: this.lostTotal,
      ...this.availableNow?.metrics(),
    }
  }
}

export const natsSourceProvider: SourceProvider = {
  name: 'nats',
  knownOptions: SOURCE_OPTIONS,
  schemaOf(ctx) {
    const options = readSourceOptions(ctx.options, !ctx.streaming)
    if (ctx.userSchema) {
      throw new AnalysisError(
        `USER_SCHEMA_NOT_SUPPORTED: the nats source has a fixed schema (${schemaFor(options.includeHeaders).simpleString()}). Remove .schema(...) and parse the 'data' column, e.g. with from_json on data cast to string.`,
        'USER_SCHEMA_NOT_SUPPORTED',
      )
    }
    return schemaFor(options.includeHeaders)
  },
  async createSource(ctx) {
    const options = readSourceOptions(ctx.options, ctx.bounded)
    const conn = await openConnection(options, ctx.options.owner)
    try {
      const info = await streamInfo(conn, options.stream)
      if (options.subject !== undefined) checkFilterSubject(info, options.subject, ctx.options.owner)
      return new JetStreamSource(conn, options, ctx.metadataDir)
    } catch (e) {
      await closeConnection(conn)
      throw e
    }
  },
}

/** The same source under JetStream's own name. */
export const jetstreamSourceProvider: SourceProvider = { ...natsSourceProvider, name: 'jetstream' }

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(JetStreamSource, (x) => ({ description: x.description }))
