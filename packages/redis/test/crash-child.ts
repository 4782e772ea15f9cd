/**
 * A streaming query into a Redis stream, in a child process, so that a test can SIGKILL it
 * between a batch's write and its commit (TRIBUTARY_TEST_KILL_POINT=afterSink:<n>) and
 * restart it on the same checkpoint. Input: `chunks` MemoryStream offsets of 10 rows each
 * (ids chunk*10 .. chunk*10+9); the first `preload` chunks are added before start (a restart
 * needs the offsets its checkpoint names), the rest one at a time, each its own batch.
 *
 * argv: <url> <stream> <checkpoint> <chunks> <preload> <sink options as JSON>
 */
import { MemoryStream, Session, schema } from '@tributary/core'
import '../src/index.js'

const [url, stream, checkpoint, chunksArg, preloadArg, optionsJson] = process.argv.slice(2)
const chunks = Number(chunksArg)
const preload = Number(preloadArg)
const chunk = (k: number) =>
  Array.from({ length: 10 }, (_, i) => ({ alert: k * 10 + i, card: `c${(k * 10 + i) % 7}` }))

const session = Session.builder().appName('redis-crash-child').create()
const input = new MemoryStream(session, schema({ alert: 'long', card: 'string' }))
for (let k = 0; k < preload; k++) input.addData(chunk(k))
const query = await input
  .toDF()
  .writeStream.format('redis')
  .options({ url, stream, ...(JSON.parse(optionsJson) as Record<string, string>) })
  .option('checkpointLocation', checkpoint)
  .start()
await query.processAllAvailable()
for (let k = preload; k < chunks; k++) {
  input.addData(chunk(k))
  await query.processAllAvailable()
}
await query.stop()
await session.stop()
