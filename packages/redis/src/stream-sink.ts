/**
 * The `redis` sink in mode `stream`: XADD one entry per row, all of a batch in one
 * MULTI/EXEC, so a batch is in the stream entirely or not at all.
 *
 * XADD with generated ids ('*') is not idempotent: a batch written again after a restart
 * (the engine replays a batch whose commit it did not record) would be added again. So by
 * default the same MULTI/EXEC also records the batch id in a hash beside each target stream
 * (`<stream>:tributary-batches`, field = the query id), and a batch whose id is already
 * recorded there is skipped: exactly once, with the entry ids Redis makes. (Entry ids made
 * from the batch id and row index, as the NATS sink's message ids are, would replace the
 * time in Redis ids and fall below any entry another producer added.) With option
 * `idColumn` each row brings its own entry id instead; rows are added in id order, and ids
 * not after the stream's last id are skipped, so with ids that increase from batch to batch
 * the output is exactly once too. `recordBatches: false` gives plain XADD, at least once.
 */
import {
  AnalysisError,
  type ColumnarBatch,
  type Schema,
  type Sink,
  showOnly,
  TributaryError,
  typeToString,
} from '@tributary/core'
import { WatchError } from 'redis'
import { type Connection, closeConnection, commandError } from './client.js'
import type { SinkOptions } from './options.js'
import { toRedis, valueAt } from './sink-values.js'
import { compareIds, fullId, isStreamId, ZERO_ID } from './stream-id.js'
import { streamState } from './stream-info.js'

/** Attempts when another client changes a watched stream between the read of its last id and EXEC. */
const WATCH_ATTEMPTS = 5

/** The hash beside a stream that records, per query id, the last batch written to it. */
export const batchLogKey = (stream: string): string => `${stream}:tributary-batches`

interface Layout {
  readonly streamIndex: number
  readonly idIndex: number
  /** Columns written as fields. */
  readonly fieldIndexes: readonly number[]
}

export function planStreamSink(schema: Schema<unknown>, o: SinkOptions): Layout {
  let streamIndex = -1
  if (o.stream === undefined) {
    streamIndex = schema.indexOf('stream')
    if (streamIndex < 0) {
      throw new AnalysisError(
        `REDIS_STREAM_REQUIRED: the redis sink in mode 'stream' needs a stream key: set option 'stream', or give the rows a 'stream' column. Columns: ${schema.names.join(', ')}.`,
        'REDIS_STREAM_REQUIRED',
      )
    }
    if (schema.fields[streamIndex].type.kind !== 'string') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the redis sink's 'stream' column must be a string, but it is ${typeToString(schema.fields[streamIndex].type)}. Cast it: col('stream').cast('string').`,
        'DATATYPE_MISMATCH',
      )
    }
  }
  let idIndex = -1
  if (o.idColumn !== undefined) {
    schema.field(o.idColumn) // the unknown-column error, with near matches
    idIndex = schema.indexOf(o.idColumn)
    const kind = schema.fields[idIndex].type.kind
    if (!['string', 'long', 'int', 'timestamp'].includes(kind)) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: option idColumn names '${o.idColumn}', which is ${kind}; entry ids come from a string ('<ms>-<seq>'), a long or int (milliseconds) or a timestamp.`,
        'DATATYPE_MISMATCH',
      )
    }
  }
  const fieldIndexes = schema.fields.map((_, i) => i).filter((i) => i !== streamIndex && i !== idIndex)
  if (fieldIndexes.length === 0) {
    throw new AnalysisError(
      'REDIS_NO_FIELDS: the redis sink has no column left to write as entry fields (the stream and id columns are not fields). Select at least one more column.',
      'REDIS_NO_FIELDS',
    )
  }
  return { streamIndex, idIndex, fieldIndexes }
}

/** The entry id of a row from its id column, or an error naming the row. */
function rowId(batch: ColumnarBatch<unknown>, idIndex: number, i: number, batchId: number): string {
  const v = valueAt(batch.columns[idIndex], i)
  const kind = batch.columns[idIndex].type.kind
  const text = v == null ? '' : kind === 'string' ? String(v).trim() : String(Math.trunc(v as number))
  if (!isStreamId(text) || text === '0' || text === '0-0') {
    throw new TributaryError(
      `REDIS_INVALID_ID: row ${i} of batch ${batchId} has entry id ${JSON.stringify(v)} in its id column; an id is '<milliseconds>-<sequence>' above 0-0, or milliseconds alone. Fix the column, or drop option idColumn to let Redis make ids.`,
      'REDIS_INVALID_ID',
    )
  }
  return fullId(text)
}

export class RedisStreamSink implements Sink {
  readonly description: string
  private added = 0
  private skipped = 0

  constructor(
    private readonly conn: Connection,
    private readonly o: SinkOptions,
    private readonly layout: Layout,
    /** The streaming query's id, which recorded batches are kept under; undefined for `df.write` (one batch, no replay). */
    private readonly queryId?: string,
  ) {
    const target = o.stream ? `stream=${o.stream}` : 'stream column'
    this.description = `RedisStreamSink[${target}${o.idColumn ? `, idColumn=${o.idColumn}` : ''}, url=${conn.where}]`
  }

  private streamOf(batch: ColumnarBatch<unknown>, i: number, batchId: number): string {
    if (this.o.stream !== undefined) return this.o.stream
    const key = valueAt(batch.columns[this.layout.streamIndex], i)
    if (typeof key !== 'string' || key === '') {
      throw new TributaryError(
        `REDIS_STREAM_REQUIRED: row ${i} of batch ${batchId} has no stream key (its 'stream' column is null or empty). Filter such rows out, or set option 'stream'.`,
        'REDIS_STREAM_REQUIRED',
      )
    }
    return key
  }

  private xadd(batch: ColumnarBatch<unknown>, i: number, stream: string, id: string, batchId: number) {
    const args: (string | Buffer)[] = ['XADD', stream]
    if (this.o.maxLen !== undefined) args.push('MAXLEN', '~', String(this.o.maxLen))
    args.push(id)
    const before = args.length
    for (const c of this.layout.fieldIndexes) {
      const col = batch.columns[c]
      const v = toRedis(col.type, valueAt(col, i))
      // Redis has no null: a null column is left out of the entry.
      if (v !== null) args.push(batch.schema.fields[c].name, v)
    }
    if (args.length === before) {
      throw new TributaryError(
        `REDIS_EMPTY_ENTRY: row ${i} of batch ${batchId} has null in every field column, and a stream entry needs at least one field. Filter such rows out, or fill a default (coalesce).`,
        'REDIS_EMPTY_ENTRY',
      )
    }
    return args
  }

  async addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    if (data.numRows === 0) return
    if (this.layout.idIndex < 0 && !(this.o.recordBatches && this.queryId))
      return this.addGenerated(batchId, data)
    for (let attempt = 1; ; attempt++) {
      try {
        return await (this.layout.idIndex < 0
          ? this.addRecorded(batchId, data, this.queryId!)
          : this.addWithIds(batchId, data))
      } catch (e) {
        if (!(e instanceof WatchError) || attempt >= WATCH_ATTEMPTS) {
          throw e instanceof WatchError
            ? new TributaryError(
                `REDIS_CONCURRENT_WRITES: another client kept adding to the target streams while batch ${batchId} was written (${attempt} attempts). Give this query streams of its own when it sets ids with idColumn.`,
                'REDIS_CONCURRENT_WRITES',
              )
            : e
        }
      }
    }
  }

  private async addGenerated(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    const multi = this.conn.client.multi()
    for (let i = 0; i < data.numRows; i++)
      multi.addCommand(this.xadd(data, i, this.streamOf(data, i, batchId), '*', batchId))
    try {
      await multi.exec()
    } catch (e) {
      throw commandError(e, `MULTI/EXEC of ${data.numRows} XADD for batch ${batchId}`, this.conn.where)
    }
    this.added += data.numRows
  }

  /**
   * WATCH the target streams and their batch logs; skip the batch if a log already holds
   * its id (a replay of a batch that was written); else XADD every row and record the id,
   * in one MULTI/EXEC. Wrong key types are found before EXEC, under the WATCH: Redis does
   * not roll a transaction back when one of its commands fails.
   */
  private async addRecorded(batchId: number, data: ColumnarBatch<unknown>, queryId: string): Promise<void> {
    const { client } = this.conn
    // Rows that cannot be written fail here, before anything is watched or sent.
    const commands: (string | Buffer)[][] = []
    const targets = new Set<string>()
    for (let i = 0; i < data.numRows; i++) {
      const stream = this.streamOf(data, i, batchId)
      targets.add(stream)
      commands.push(this.xadd(data, i, stream, '*', batchId))
    }
    const streams = [...targets]
    await client.watch(streams.flatMap((s) => [s, batchLogKey(s)]))
    let recorded: (string | null)[]
    try {
      recorded = await Promise.all(streams.map((s) => client.hGet(batchLogKey(s), queryId)))
      for (const s of streams) await streamState(this.conn, s)
    } catch (e) {
      await client.unwatch()
      throw e instanceof TributaryError
        ? e
        : commandError(e, `HGET ${batchLogKey(streams[0])}`, this.conn.where)
    }
    if (recorded.some((r) => r !== null && Number(r) >= batchId)) {
      await client.unwatch()
      this.skipped += data.numRows
      return
    }
    const multi = client.multi()
    for (const command of commands) multi.addCommand(command)
    for (const s of streams) multi.addCommand(['HSET', batchLogKey(s), queryId, String(batchId)])
    try {
      await multi.exec()
    } catch (e) {
      if (e instanceof WatchError) throw e
      throw commandError(e, `MULTI/EXEC of ${data.numRows} XADD for batch ${batchId}`, this.conn.where)
    }
    this.added += data.numRows
  }

  /** WATCH the streams, skip the rows whose ids are not after each stream's last id, add the rest atomically. */
  private async addWithIds(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    const { client } = this.conn
    const rows: { stream: string; id: string; i: number }[] = []
    for (let i = 0; i < data.numRows; i++) {
      rows.push({
        stream: this.streamOf(data, i, batchId),
        id: rowId(data, this.layout.idIndex, i, batchId),
        i,
      })
    }
    const streams = [...new Set(rows.map((r) => r.stream))]
    await client.watch(streams)
    const stored = new Map<string, string>()
    for (const s of streams) stored.set(s, (await streamState(this.conn, s))?.lastGeneratedId ?? ZERO_ID)
    // A stream holds its entries in id order: rows are written in that order, whatever the batch's.
    const ordered = rows
      .map((r, k) => ({ ...r, k }))
      .sort((a, b) => a.stream.localeCompare(b.stream) || compareIds(a.id, b.id) || a.k - b.k)
    const multi = client.multi()
    let adding = 0
    for (let n = 0; n < ordered.length; n++) {
      const r = ordered[n]
      const before = ordered[n - 1]
      if (before && before.stream === r.stream && compareIds(before.id, r.id) === 0) {
        await client.unwatch()
        throw new TributaryError(
          `REDIS_DUPLICATE_ID: in batch ${batchId}, rows ${Math.min(before.i, r.i)} and ${Math.max(before.i, r.i)} both have entry id ${r.id} for stream '${r.stream}'; a stream holds one entry per id. Make the id column unique (e.g. add a sequence part: '<ms>-<n>').`,
          'REDIS_DUPLICATE_ID',
        )
      }
      // Not after the stream's last id: written before (a replayed batch), and XADD would refuse it.
      if (compareIds(r.id, stored.get(r.stream)!) <= 0) continue
      multi.addCommand(this.xadd(data, r.i, r.stream, r.id, batchId))
      adding++
    }
    if (adding === 0) {
      await client.unwatch()
      this.skipped += rows.length
      return
    }
    try {
      await multi.exec()
    } catch (e) {
      if (e instanceof WatchError) throw e
      throw commandError(e, `MULTI/EXEC of ${adding} XADD for batch ${batchId}`, this.conn.where)
    }
    this.added += adding
    this.skipped += rows.length - adding
  }

  async stop(): Promise<void> {
    await closeConnection(this.conn)
  }

  metrics(): Record<string, number> {
    return { entriesAdded: this.added, entriesSkipped: this.skipped }
  }
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(RedisStreamSink, (x) => ({ description: x.description }))
