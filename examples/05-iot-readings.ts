/**
 * 05 — IoT readings: a 5-minute average per device, with a 10-minute watermark
 *
 * Sensors send readings with the time they were taken (event time). Networks delay and
 * reorder them, so the stream is out of order. We want, per device, the average
 * temperature in 5-minute windows — computed by event time, not arrival time.
 *
 * withWatermark('ts', '10 minutes') tells Tributary how late data may arrive: the
 * watermark trails the newest event time seen by 10 minutes. In append mode a window is
 * written once, when the watermark passes its end — final, never revised. Readings for a
 * window that is already closed are "late": dropped and counted (here also sent to a side
 * output with withLateRows, which Spark does not have).
 *
 * Run: npx tsx examples/05-iot-readings.ts
 */
import assert from 'node:assert/strict'
import { col, count, functions as F, MemoryStream, Session, schema } from '@tributary/core'

const session = Session.builder().appName('iot').getOrCreate()
const readings = new MemoryStream(session, schema({ device: 'string', ts: 'timestamp', celsius: 'double' }))
const at = (hhmm: string) => new Date(`2026-06-01T${hhmm}:00Z`)

// Step 1: the query — 5-minute tumbling windows per device, 10-minute watermark.
const averages = readings
  .toDF()
  .withWatermark('ts', '10 minutes')
  .groupBy(F.window(col('ts'), '5 minutes'), 'device')
  .agg(F.round(F.avg('celsius'), 2).alias('avg_celsius'), count().alias('readings'))

const late: Record<string, unknown>[] = []
const query = await averages.writeStream
  .outputMode('append')
  .format('memory')
  .queryName('averages')
  .withLateRows((rows) => {
    late.push(...rows)
  })
  .start()

// Step 2: readings arrive in three micro-batches, out of order.
readings.addData([
  { device: 'boiler', ts: at('09:01'), celsius: 71 },
  { device: 'boiler', ts: at('09:03'), celsius: 73 },
  { device: 'fridge', ts: at('09:02'), celsius: 4 },
])
await query.processAllAvailable()
readings.addData([
  { device: 'fridge', ts: at('09:07'), celsius: 5 },
  { device: 'boiler', ts: at('09:04'), celsius: 75 }, // late but its window is still open
  { device: 'boiler', ts: at('09:16'), celsius: 70 }, // moves the watermark to 09:06
])
await query.processAllAvailable()
readings.addData([
  { device: 'fridge', ts: at('09:27'), celsius: 6 }, // watermark → 09:17
  { device: 'fridge', ts: at('09:01'), celsius: 9 }, // its window 09:00–09:05 closed: late
])
await query.processAllAvailable()
await query.stop()

// Step 3: the final windows, each written once.
console.log('Windows written (append mode, final values):')
await session.table('averages').orderBy('window', 'device').show(20, false)
console.log(`Late readings sent to the side output: ${JSON.stringify(late)}`)
const lastProgress = query.recentProgress.find((p) => p.stateOperators[0]?.numRowsDroppedByWatermark > 0)
console.log(
  `Progress reported numRowsDroppedByWatermark = ${lastProgress?.stateOperators[0].numRowsDroppedByWatermark}`,
)

const written = await session.table('averages').collect()
const boiler = written.find(
  (r) => r.device === 'boiler' && (r.window as { start: Date }).start.getTime() === at('09:00').getTime(),
)
assert.equal(boiler?.avg_celsius, 73, 'boiler 09:00–09:05 averages 71, 73 and the late 75')
assert.equal(late.length, 1)
console.log('Checked: windows are final and the late reading was set aside.')
await session.stop()
