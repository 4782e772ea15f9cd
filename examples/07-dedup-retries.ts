/**
 * 07 — Deduplicating retried events
 *
 * Producers retry: the same event (same event id) can arrive twice, seconds or minutes
 * apart. dropDuplicates(['eventId', 'ts']) keeps the first copy; with a watermark on ts
 * the ids it remembers are forgotten once the watermark passes their time, so state stays
 * bounded. dropDuplicatesWithinWatermark(['eventId']) does the same when the retry's
 * timestamp differs from the original's (a retry stamped at send time).
 *
 * Without a watermark, dropDuplicates has to remember every id forever.
 *
 * Run: npx tsx examples/07-dedup-retries.ts
 */
import assert from 'node:assert/strict'
import { MemoryStream, Session, schema } from '@tributary/core'

const session = Session.builder().appName('dedup').getOrCreate()
const payments = new MemoryStream(session, schema({ eventId: 'string', ts: 'timestamp', amount: 'double' }))
const at = (hhmmss: string) => new Date(`2026-02-02T${hhmmss}Z`)

// Step 1: keep one copy per eventId for as long as a retry can come (10 minutes).
const unique = payments.toDF().withWatermark('ts', '10 minutes').dropDuplicatesWithinWatermark(['eventId'])
const query = await unique.writeStream.format('memory').queryName('payments').start()

// Step 2: originals and retries, the retries stamped a little later.
payments.addData([
  { eventId: 'p-1', ts: at('10:00:00'), amount: 10 },
  { eventId: 'p-2', ts: at('10:00:05'), amount: 20 },
  { eventId: 'p-1', ts: at('10:00:09'), amount: 10 }, // retry in the same batch
])
await query.processAllAvailable()
payments.addData([
  { eventId: 'p-2', ts: at('10:03:00'), amount: 20 }, // retry 3 minutes later
  { eventId: 'p-3', ts: at('10:30:00'), amount: 30 }, // moves the watermark to 10:20
])
await query.processAllAvailable()
const stateAfter = query.lastProgress?.stateOperators[0]
await query.stop()

// Step 3: each payment once; the remembered ids expired with the watermark.
await session.table('payments').orderBy('ts').show()
console.log(`ids kept in state after the watermark passed 10:20: ${stateAfter?.numRowsTotal}`)
assert.deepEqual(
  (await session.table('payments').orderBy('ts').collect()).map((r) => r.eventId),
  ['p-1', 'p-2', 'p-3'],
)
assert.equal(stateAfter?.numRowsTotal, 1, 'only p-3 is still remembered')
console.log('Checked: retries dropped, state bounded by the watermark.')
await session.stop()
