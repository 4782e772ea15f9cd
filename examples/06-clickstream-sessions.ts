/**
 * 06 — Clickstream sessions with session_window
 *
 * A visitor's session is a run of clicks with no pause longer than a gap. Fixed windows
 * cut sessions apart; session_window(ts, '30 minutes') follows them: each click opens
 * `[click, click + 30 min)`, and overlapping ranges of the same visitor merge. A late
 * click can even join two sessions into one.
 *
 * With a watermark, append mode writes each session once it can no longer grow.
 * The gap can also differ per row: here VIP visitors get 60 minutes.
 *
 * Run: npx tsx examples/06-clickstream-sessions.ts
 */
import assert from 'node:assert/strict'
import { col, count, functions as F, MemoryStream, Session, schema, when } from '@tributary/core'

const session = Session.builder().appName('sessions').getOrCreate()
const clicks = new MemoryStream(
  session,
  schema({ visitor: 'string', vip: 'boolean', ts: 'timestamp', page: 'string' }),
)
const at = (hhmm: string) => new Date(`2026-03-14T${hhmm}:00Z`)

// Step 1: sessions per visitor; the gap is 30 minutes, 60 for VIPs.
const sessions = clicks
  .toDF()
  .withWatermark('ts', '1 hour')
  .groupBy('visitor', F.session_window(col('ts'), when(col('vip'), '60 minutes').otherwise('30 minutes')))
  .agg(count().alias('clicks'), F.collect_list('page').alias('pages'))

const query = await sessions.writeStream.outputMode('append').format('memory').queryName('sessions').start()

// Step 2: clicks of two visitors over a morning.
clicks.addData([
  { visitor: 'ada', vip: false, ts: at('08:00'), page: 'home' },
  { visitor: 'ada', vip: false, ts: at('08:10'), page: 'shoes' },
  { visitor: 'bo', vip: true, ts: at('08:05'), page: 'home' },
  { visitor: 'ada', vip: false, ts: at('09:00'), page: 'home' }, // a new session: 50 min pause
])
await query.processAllAvailable()
clicks.addData([
  { visitor: 'bo', vip: true, ts: at('08:55'), page: 'cart' }, // VIP: still the same session
  { visitor: 'ada', vip: false, ts: at('08:35'), page: 'socks' }, // late click bridges ada's two sessions
])
await query.processAllAvailable()
clicks.addData([{ visitor: 'cy', vip: false, ts: at('12:00'), page: 'home' }]) // moves the watermark to 11:00
await query.processAllAvailable()
await query.stop()

// Step 3: the closed sessions.
await session.table('sessions').orderBy('visitor').show(20, false)
const rows = await session.table('sessions').collect()
const ada = rows.find((r) => r.visitor === 'ada')
assert.deepEqual(ada?.pages, ['home', 'shoes', 'socks', 'home'], "the 08:35 click merged ada's two sessions")
assert.equal(rows.find((r) => r.visitor === 'bo')?.clicks, 2)
console.log("Checked: ada's sessions merged; bo's VIP gap kept one session.")
await session.stop()
