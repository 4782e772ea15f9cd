/**
 * A query run in a child process so that a test can kill it with SIGKILL and restart it on
 * the same checkpoint. argv[2] is a CrashQuery as JSON (crash-query.ts): the query shape,
 * the sink, the source.
 *
 * Where it dies is TRIBUTARY_TEST_KILL_POINT (src/util/kill-point.ts): the engine's own
 * steps (beforeOffsetLog, afterSink, afterCommitLog, tempWritten, lmdbCommit, ...) and the
 * steps of this file, which stand for user code and external systems:
 *
 * - sourceRead:<where>          inside a source read (counting: where = start / perBatch; files:
 *                               before each file is read, where = its name, so `sourceRead#2` is between files)
 * - operator:<row id>           inside a map function, at that row
 * - sinkFile:<batch>            file sinks: before each file of the batch (`#2`: between files)
 * - sinkRows:<batch>            half the batch's rows written (a torn file or open transaction), then death
 * - sinkDone:<batch>            the batch fully written, before the sink returns
 *
 * The parent also kills at random moments. Each delivery is appended to `<out>.deliveries`
 * so that tests can count replays; `statsFile` gets the resident memory per batch.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  writeSync,
} from 'node:fs'
import * as path from 'node:path'
import { csvFormat } from '../../src/formats/codecs/csv.js'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import { parquetFormat } from '../../src/formats/codecs/parquet.js'
import type { FileFormat } from '../../src/formats/file-format.js'
import { fileFormatProviders } from '../../src/formats/files/providers.js'
import {
  atomicWrite,
  ColumnarBatch,
  col,
  count,
  type DataFrame,
  functions as F,
  type GroupState,
  type Offset,
  type Schema,
  Session,
  type SourceProvider,
  schema,
  sum,
} from '../../src/index.js'
import { killPoint } from '../../src/util/kill-point.js'
import { type CrashQuery, inputRow, inputSchema, WATERMARK_DELAY_MS, WINDOW_MS } from './crash-query.js'

const q = JSON.parse(process.argv[2]) as CrashQuery

/**
 * A replayable source: offset = rows emitted; the rows of [start, end) never change. The
 * second side of a join sends the same ids newest first, at another pace, so that most
 * matches wait in the join's state for the other side.
 */
function counting(side: 'left' | 'right'): SourceProvider {
  const perBatch = side === 'left' ? q.perBatch : q.perBatch + 3
  const idAt = (i: number) => (side === 'left' ? i : q.total - 1 - i)
  return {
    name: side === 'left' ? 'counting' : 'counting-right',
    schemaOf: () => inputSchema as Schema<unknown>,
    createSource: () => ({
      schema: inputSchema as Schema<unknown>,
      description: `Counting[${side}, ${q.total}]`,
      replayable: true,
      initialOffset: async () => 0,
      latestOffset: async (start: Offset, limit) =>
        limit === 'all' ? q.total : Math.min(q.total, (start as number) + perBatch),
      getBatch: async (start: Offset, end: Offset) => {
        const rows = []
        for (let i = start as number; i < (end as number); i++) rows.push(inputRow(idAt(i), q.total))
        const batch = Math.floor((start as number) / perBatch)
        killPoint('sourceRead', side === 'left' ? batch : `right/${batch}`)
        return { data: ColumnarBatch.fromRows(inputSchema as Schema<unknown>, rows) }
      },
      commit: async () => {},
      stop: async () => {},
    }),
  }
}

/** Whether the kill point names this step: work that only a kill needs is done only then. */
const armed = (step: string): boolean => process.env.TRIBUTARY_TEST_KILL_POINT?.startsWith(step) ?? false

/** The file batch id in a sink data file's (temporary) name: `.part-00003-<uuid>.json.<uuid>.tmp`. */
const batchOfFile = (file: string): number => Number(/part-(\d+)-/.exec(path.basename(file))?.[1] ?? -1)

/** A built-in format with the child's kill points around reads and writes. */
function crashable(format: FileFormat): FileFormat {
  return {
    ...format,
    async read(file, s, options) {
      killPoint('sourceRead', path.basename(file))
      return format.read(file, s, options)
    },
    async write(batch, file, options) {
      const b = batchOfFile(file)
      killPoint('sinkFile', b)
      if (armed('sinkRows') && batch.numRows > 1) {
        // Half the rows reach the temporary file; the kill point decides whether the rest ever do.
        const half = batch.take(Array.from({ length: Math.floor(batch.numRows / 2) }, (_, i) => i))
        await format.write(half, file, options)
        killPoint('sinkRows', b)
      }
      await format.write(batch, file, options)
      killPoint('sinkDone', b)
    },
  }
}

const formats: Record<string, FileFormat> = { json: jsonFormat, csv: csvFormat, parquet: parquetFormat }

function source(session: Session): DataFrame<unknown> {
  if (q.source === 'files') {
    return session.readStream
      .format(q.builtinFormats ? 'json' : fileFormatProviders(crashable(jsonFormat)).source)
      .schema(inputSchema)
      .option('maxFilesPerTrigger', 2)
      .load(q.input!) as DataFrame<unknown>
  }
  return session.readStream.format(counting('left')).schema(inputSchema).load() as DataFrame<unknown>
}

const conf: Record<string, string> = { 'tributary.stateStore.minDeltasForSnapshot': '3' }
if (q.provider) conf['tributary.stateStore.provider'] = q.provider
conf['tributary.executor.threads'] = String(q.threads ?? 1)
Object.assign(conf, q.conf ?? {})
const builder = Session.builder().appName('crash-child')
for (const [k, v] of Object.entries(conf)) builder.config(k, v)
const session = builder.create()

type Row = { id: number; group: string; amount: number; ts: Date; key: string }
const input =
  q.threads === undefined
    ? (source(session) as DataFrame<Row>).map((r) => {
        killPoint('operator', r.id)
        return r
      }, inputSchema)
    : (source(session) as DataFrame<Row>)

function query(): DataFrame<unknown> {
  switch (q.shape) {
    case 'stateless':
      return input
        .select(col('id'), col('group'), col('amount').multiply(100).cast('long').alias('cents'))
        .where(col('cents').geq(0)) as DataFrame<unknown>
    case 'dedup':
      return input.dropDuplicates(['key']).select('key') as DataFrame<unknown>
    case 'aggregate':
      return input
        .groupBy('group')
        .agg(count().alias('n'), sum('amount').alias('total')) as DataFrame<unknown>
    case 'window':
      return input
        .withWatermark('ts', `${WATERMARK_DELAY_MS / 1000} seconds`)
        .groupBy(F.window(col('ts'), `${WINDOW_MS / 1000} seconds`), col('group'))
        .agg(count().alias('n'), sum('amount').alias('total'))
        .select(
          col('window.start').alias('wstart'),
          col('group'),
          col('n'),
          col('total'),
        ) as DataFrame<unknown>
    case 'join': {
      const right = session.readStream.format(counting('right')).schema(inputSchema).load() as DataFrame<Row>
      return input
        .select('id', 'group')
        .join(right.select('id', 'amount'), 'id')
        .select('id', 'group', 'amount') as DataFrame<unknown>
    }
    case 'mapGroups':
      return input
        .groupByKey((r) => r.group)
        .mapGroupsWithState(
          'NoTimeout',
          (group: string, rows: Row[], state: GroupState<{ n: number; total: number }>) => {
            const s = state.getOption() ?? { n: 0, total: 0 }
            const next = { n: s.n + rows.length, total: s.total + rows.reduce((a, r) => a + r.amount, 0) }
            state.update(next)
            return { group, ...next }
          },
          schema({ group: 'string', n: 'long', total: 'double' }),
        ) as DataFrame<unknown>
  }
}

/** Rows as JSON-safe values: timestamps as epoch milliseconds. */
const plain = (r: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.getTime() : v]))

mkdirSync(q.out, { recursive: true })
const deliveries = `${q.out}.deliveries`
let writer = query()
  .writeStream.option('checkpointLocation', q.checkpoint)
  .outputMode(q.outputMode)
  .trigger({ availableNow: true })

if (q.sink === 'json' || q.sink === 'csv' || q.sink === 'parquet') {
  writer = writer
    .format(q.builtinFormats ? q.sink : fileFormatProviders(crashable(formats[q.sink])).sink)
    .option('path', q.out)
  if (q.sink === 'csv') writer = writer.option('header', true)
  if (q.partitionBy) writer = writer.partitionBy('group' as never)
} else if (q.sink === 'foreachBatch') {
  // Idempotent: the file of a batch id is replaced whole, never appended to.
  writer = writer.foreachBatch(async (batch, batchId) => {
    appendFileSync(deliveries, `${batchId}\n`)
    const rows = (await batch.collect()).map((r) => plain(r as Record<string, unknown>))
    if (armed('sinkRows')) {
      // A torn write of a non-atomic writer: the reader must ignore it.
      appendFileSync(path.join(q.out, `batch-${batchId}.json.partial`), JSON.stringify(rows.slice(0, 1)))
      killPoint('sinkRows', batchId)
    }
    await atomicWrite(path.join(q.out, `batch-${batchId}.json`), JSON.stringify(rows))
    killPoint('sinkDone', batchId)
  })
} else {
  // A transactional store: rows go into a journal one by one; renaming the journal to
  // txn-<batch> commits them together, and a batch already committed is skipped.
  writer = writer.foreachBatch(async (batch, batchId) => {
    appendFileSync(deliveries, `${batchId}\n`)
    const committed = path.join(q.out, `txn-${batchId}.jsonl`)
    if (existsSync(committed)) return
    const journal = path.join(q.out, `.journal-${batchId}`)
    const fd = openSync(journal, 'w')
    const rows = (await batch.collect()).map((r) => plain(r as Record<string, unknown>))
    rows.forEach((r, i) => {
      writeSync(fd, `${JSON.stringify(r)}\n`)
      if (i === Math.floor(rows.length / 2)) killPoint('sinkRows', batchId)
    })
    if (rows.length === 0) killPoint('sinkRows', batchId)
    fsyncSync(fd)
    closeSync(fd)
    renameSync(journal, committed)
    killPoint('sinkDone', batchId)
  })
}

if (q.statsFile) {
  appendFileSync(q.statsFile, 'start\n')
  session.streams.addListener({
    onQueryProgress: (e) =>
      appendFileSync(q.statsFile!, `${e.progress.batchId} ${process.memoryUsage().rss}\n`),
  })
}

const running = await writer.start()
process.stdout.write('started\n')
await running.awaitTermination()
await session.stop()
process.exit(0)
