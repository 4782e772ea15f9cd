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
 * The count is a streaming aggregation in complete output mode: after every micro-batch
 * the memory sink holds the whole, updated word-count table.
 *
 * Run: npx tsx examples/02-socket-word-count.ts
 */
import assert from 'node:assert/strict'
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

// Step 3: a running count per word; complete mode rewrites the whole table each batch.
const counts = words.groupBy('word').count()
const query = await counts.writeStream
  .outputMode('complete')
  .format('memory')
  .queryName('word_counts')
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

// Step 5: the final table, most frequent words first.
console.log(
  `\nRead ${linesRead()} lines in ${query.recentProgress.filter((p) => p.numInputRows > 0).length} batches.`,
)
const table = session.table('word_counts').orderBy(col('count').desc(), col('word'))
await table.show()
const the = (await table.collect()).find((r) => r.word === 'the')
assert.equal(the?.count, 4, "'the' appears four times in the lines sent")
console.log("Checked: 'the' counted 4 times.")
await session.stop()
