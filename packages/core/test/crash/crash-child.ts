/**
 * A query run in a child process so that a test can kill it with SIGKILL at a chosen
 * point and restart it. Input: a deterministic, replayable source of `total` rows,
 * `perBatch` at a time. Output: an idempotent foreachBatch writer (one file per batch id,
 * written atomically), or the JSON file sink. Each delivery is also appended to a log so
 * that the test can count replays.
 *
 * argv: <checkpoint> <out> <total> <perBatch> <killPoint> <sink>
 * killPoint: none | getBatch:<b> | operator:<b> | sinkMid:<b> | sinkEnd:<b> | afterCommit:<b> | random:<ms>
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import * as path from 'node:path'
import {
  atomicWrite,
  ColumnarBatch,
  col,
  type Offset,
  type Schema,
  Session,
  type SourceProvider,
  schema,
} from '../../src/index.js'

const [checkpoint, out, totalArg, perBatchArg, killPoint, sinkKind] = process.argv.slice(2)
const total = Number(totalArg)
const perBatch = Number(perBatchArg)
const [killAt, killArg] = killPoint.split(':')
const killBatch = Number(killArg)
const die = (): never => {
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable')
}
if (killAt === 'random') setTimeout(die, Number(killArg))

const rowsSchema = schema({ id: 'long', group: 'string', amount: 'double' })
const row = (id: number) => ({ id, group: `g${id % 5}`, amount: (id * 37) % 101 })

/** A replayable source: offset = rows emitted; the rows of (start, end] never change. */
const countingSource: SourceProvider = {
  name: 'counting',
  schemaOf: () => rowsSchema as Schema<unknown>,
  createSource: () => ({
    schema: rowsSchema as Schema<unknown>,
    description: `Counting[${total}]`,
    replayable: true,
    initialOffset: async () => 0,
    latestOffset: async (start: Offset, limit) =>
      limit === 'all' ? total : Math.min(total, (start as number) + perBatch),
    getBatch: async (start: Offset, end: Offset) => {
      if (killAt === 'getBatch' && (start as number) / perBatch === killBatch) die()
      const rows = []
      for (let id = start as number; id < (end as number); id++) rows.push(row(id))
      return { data: ColumnarBatch.fromRows(rowsSchema as Schema<unknown>, rows) }
    },
    commit: async () => {},
    stop: async () => {},
  }),
}

const session = Session.builder().appName('crash-child').create()
if (killAt === 'afterCommit') {
  session.streams.addListener({
    onQueryProgress: (e) => {
      if (e.progress.batchId === killBatch) die()
    },
  })
}

const df = session.readStream
  .format(countingSource)
  .schema(rowsSchema)
  .load()
  .map(
    (r) => {
      if (killAt === 'operator' && Math.floor(r.id / perBatch) === killBatch && r.id % perBatch === 1) die()
      return { id: r.id, group: r.group, cents: Math.round(r.amount * 100) }
    },
    schema({ id: 'long', group: 'string', cents: 'long' }),
  )
  .where(col('cents').geq(0))

mkdirSync(out, { recursive: true })
const deliveries = path.join(out, '..', `${path.basename(out)}.deliveries`)
let writer = df.writeStream.option('checkpointLocation', checkpoint).trigger({ availableNow: true })
if (sinkKind === 'json') {
  writer = writer.format('json').option('path', out)
} else {
  writer = writer.foreachBatch(async (batch, batchId) => {
    appendFileSync(deliveries, `${batchId}\n`)
    const rows = await batch.collect()
    if (killAt === 'sinkMid' && batchId === killBatch) {
      await atomicWrite(path.join(out, `batch-${batchId}.partial`), JSON.stringify(rows.slice(0, 1)))
      die()
    }
    // Idempotent: the file for a batch id is replaced whole, never appended to.
    await atomicWrite(path.join(out, `batch-${batchId}.json`), JSON.stringify(rows))
    if (killAt === 'sinkEnd' && batchId === killBatch) die()
  })
}
const query = await writer.start()
await query.awaitTermination()
await session.stop()
process.exit(0)
