/**
 * 23 — Every core: a windowed count on worker threads
 *
 * `master('local[2]')` runs the query on two worker threads ('local[*]', the default, on
 * one per core; 'local' on the coordinating thread only). The code of the query does not
 * change: the rows of each micro-batch are cut into slices for stage 1, hash-partitioned by
 * the grouping key into `tributary.sql.shuffle.partitions` state partitions, and each
 * partition is aggregated, with its own state store, by the worker that owns it.
 *
 * The progress says how the batch ran: threads, slices, and each partition's rows and time.
 * See docs/parallelism.md.
 *
 * Run: npx tsx examples/23-parallel.ts
 */
import assert from 'node:assert/strict'
import { col, count, functions as F, Session } from '@tributary/core'

// Step 1: two worker threads, four state partitions (0 and 2 on worker 0, 1 and 3 on worker 1).
const session = Session.builder()
  .appName('parallel')
  .master('local[2]')
  .config('tributary.sql.shuffle.partitions', 4)
  .getOrCreate()

// Step 2: 20 000 rows per second, counted per 1-second window and value modulo 10.
const counts = session.readStream
  .format('rate')
  .option('rowsPerSecond', 20_000)
  .load()
  .withWatermark('timestamp', '1 second')
  .groupBy(F.window(col('timestamp'), '1 second'), col('value').mod(10).alias('bucket'))
  .agg(count().alias('n'))

// Step 3: append mode emits each window once the watermark has passed it.
const query = await counts.writeStream
  .outputMode('append')
  .format('memory')
  .queryName('per_second')
  .trigger({ processingTime: '1 second' })
  .start()
// About 4.5 seconds; on a busy machine longer, until the first window has closed (30 s at most).
const started = Date.now()
const windowClosed = () => query.recentProgress.some((p) => p.sink.numOutputRows > 0)
while (Date.now() - started < 4_500 || (!windowClosed() && Date.now() - started < 30_000)) {
  await new Promise((r) => setTimeout(r, 250))
}
console.log(query.explain())

// Step 4: how the last batch ran.
const p = query.lastProgress
console.log(
  `batch ${p?.batchId}: ${p?.numInputRows} rows on ${p?.executor?.threads} threads (${p?.executor?.mode})`,
)
for (const part of p?.executor?.partitions ?? []) {
  console.log(
    `  partition ${part.partition} on worker ${part.worker}: ${part.numInputRows} rows in, ${part.numOutputRows} out, ${part.durationMs.toFixed(1)} ms`,
  )
}
await query.stop()

// Step 5: the closed windows, 10 buckets each.
const rows = await session.table('per_second').orderBy('window', 'bucket').collect()
console.log(`${rows.length} window × bucket counts; the first:`, rows.slice(0, 3))
await session.stop()

// Step 6: check it — the batches ran on two workers, and every closed window has its 10 buckets.
assert.equal(p?.executor?.threads, 2)
assert.equal(p?.executor?.mode, 'shuffle')
assert.equal(p?.executor?.partitions.length, 4)
const perWindow = new Map<number, number>()
for (const r of rows as { window: { start: Date }; n: number }[]) {
  assert.ok(r.n > 0)
  perWindow.set(r.window.start.getTime(), (perWindow.get(r.window.start.getTime()) ?? 0) + 1)
}
assert.ok(perWindow.size > 0, 'no window closed')
for (const buckets of perWindow.values()) assert.equal(buckets, 10)
console.log('Checked: counted on 2 worker threads, every closed window has its 10 buckets')
