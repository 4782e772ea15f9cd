/**
 * A streaming query in a child process, so that a test can SIGKILL it in the middle of a
 * batch transaction and restart it on the same checkpoint. Input: `chunks` MemoryStream
 * offsets of 10 rows each (ids chunk*10 .. chunk*10+9). The first `preload` chunks are
 * added before start (a restart needs the offsets its checkpoint names); the rest one at a
 * time, each its own batch.
 *
 * argv: <format> <table> <checkpoint> <chunks> <preload> <connection options as JSON>
 */
import { MemoryStream, Session, schema } from '@tributary/core'
import '../src/index.js'

const [format, table, checkpoint, chunksArg, preloadArg, optionsJson] = process.argv.slice(2)
const chunks = Number(chunksArg)
const preload = Number(preloadArg)

const rows = schema({ id: 'long', payload: 'string' })
const chunk = (k: number) =>
  Array.from({ length: 10 }, (_, i) => ({ id: k * 10 + i, payload: `p${k * 10 + i}` }))

const session = Session.builder().appName('sql-crash-child').create()
const input = new MemoryStream(session, rows)
for (let k = 0; k < preload; k++) input.addData(chunk(k))
const query = await input
  .toDF()
  .writeStream.format(format)
  .options(JSON.parse(optionsJson) as Record<string, string>)
  // Plain inserts into a table without a key: a batch written twice would show as duplicates.
  .options({ table, batchSize: 4 })
  .option('checkpointLocation', checkpoint)
  .start()
await query.processAllAvailable()
for (let k = preload; k < chunks; k++) {
  input.addData(chunk(k))
  await query.processAllAvailable()
}
await query.stop()
await session.stop()
console.log(JSON.stringify(query.lastProgress?.sink.metrics ?? {}))
