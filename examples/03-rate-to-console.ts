/**
 * 03 — The rate source into the console sink
 *
 * The `rate` source generates rows `{ timestamp, value }` at a steady pace: `value` counts
 * 0, 1, 2, ... and `timestamp` is when each value was due. It needs no external system,
 * which makes it the usual way to try a query, watch triggers fire, or load-test a sink.
 *
 * Its offsets are whole seconds since the source first started, and that start time is
 * kept in the checkpoint, so a restarted query replays a batch with the same rows.
 *
 * Here a processing-time trigger fires once a second; each micro-batch gets the rows of
 * the seconds that passed, adds two computed columns, and prints them. After about four
 * seconds the script stops the query.
 *
 * Run: npx tsx examples/03-rate-to-console.ts
 * Watch it in the dashboard: RUN_SECONDS=120 npx tsx examples/03-rate-to-console.ts, then open
 * the address logged on stderr (http://127.0.0.1:4040/, or the next free port; docs/operations.md).
 */
import { col, lit, Session, when } from '@tributary/core'

// Step 1: five rows per second. (rampUpTime: '10 seconds' would start slow and speed up.)
const session = Session.builder().appName('rate-to-console').getOrCreate()
const ticks = session.readStream.format('rate').option('rowsPerSecond', 5).load()
ticks.printSchema()

// Step 2: derive columns from each row, as on any DataFrame.
const derived = ticks
  .withColumn('tenfold', col('value').multiply(10))
  .withColumn('parity', when(col('value').mod(2).equalTo(0), lit('even')).otherwise(lit('odd')))

// Step 3: print every micro-batch; the trigger fires at each whole second.
const query = await derived.writeStream
  .format('console')
  .option('truncate', false)
  .trigger({ processingTime: '1 second' })
  .start()

// Step 4: let it run for about four seconds (RUN_SECONDS to watch it longer), then stop.
await new Promise((r) => setTimeout(r, Number(process.env.RUN_SECONDS ?? 4.2) * 1000))
await query.stop()

// Step 5: what each batch read, from the query's progress reports.
console.log('\nBatch  rows  offsets (seconds since start)')
for (const p of query.recentProgress) {
  const s = p.sources[0]
  console.log(
    `${String(p.batchId).padStart(5)}  ${String(p.numInputRows).padStart(4)}  ${s.startOffset} -> ${s.endOffset}`,
  )
}
