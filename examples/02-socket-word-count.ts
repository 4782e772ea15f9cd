/**
 * 02 — Word count over a TCP socket
 *
 * Structured Streaming's first example: lines of text arrive on a TCP connection, each
 * micro-batch splits them into words, and the words are counted. To run without anything
 * installed, the script starts its own small TCP server (node:net) that sends a few lines
 * a moment apart, then closes; in a terminal you would use `nc -lk 9999` instead.
 *
 * The socket source is for demos: it keeps lines only in memory, so lines that arrive
 * but are not yet committed are lost if the query stops (at most once).
 *
 * Tributary does not have streaming aggregation yet, so a running `groupBy('word').count()`
 * on the stream is not possible. Instead each micro-batch is counted in foreachBatch with
 * an ordinary batch groupBy, and the script keeps the running totals itself.
 *
 * Run: npx tsx examples/02-socket-word-count.ts
 */
import * as net from 'node:net'
import { col, explode, functions as F, Session } from '@tributary/core'

// Step 1: a server that sends three groups of lines, 400 ms apart, then hangs up.
const groups = [
  ['the quick brown fox', 'jumps over the lazy dog'],
  ['the dog sleeps'],
  ['a quick fox and a lazy dog', 'the end'],
]
const lineCount = groups.flat().length
const server = net.createServer(async (socket) => {
  for (const group of groups) {
    socket.write(group.map((l) => `${l}\n`).join(''))
    await new Promise((r) => setTimeout(r, 400))
  }
  socket.end()
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as net.AddressInfo).port
console.log(`Line server listening on 127.0.0.1:${port}`)

// Step 2: the stream of lines, one row { value } per line, split into one row per word.
const session = Session.builder().appName('socket-word-count').getOrCreate()
const lines = session.readStream.format('socket').option('host', '127.0.0.1').option('port', port).load()
const words = lines.select(explode(F.split(col('value'), ' ')).alias('word'))

// Step 3: count each micro-batch's words with a batch groupBy, and add them to running totals.
const totals = new Map<string, number>()
const query = await words.writeStream
  .foreachBatch(async (batch, batchId) => {
    const counts = batch.groupBy('word').count().orderBy(col('count').desc(), col('word'))
    console.log(`\nBatch ${batchId}: word counts in this micro-batch`)
    await counts.show()
    for (const { word, count } of await counts.collect()) {
      totals.set(word as string, (totals.get(word as string) ?? 0) + (count as number))
    }
  })
  .start()

// Step 4: lines travel asynchronously; wait until the query has read all of them.
const linesRead = () => query.recentProgress.reduce((sum, p) => sum + p.numInputRows, 0)
const deadline = Date.now() + 10_000
while (linesRead() < lineCount && Date.now() < deadline) {
  await query.processAllAvailable()
  await new Promise((r) => setTimeout(r, 50))
}
await query.stop()
server.close()

// Step 5: the running totals over all batches.
const sorted = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
console.log(
  `\nRead ${linesRead()} lines in ${query.recentProgress.filter((p) => p.numInputRows > 0).length} batches.`,
)
console.log('Totals:', Object.fromEntries(sorted))
