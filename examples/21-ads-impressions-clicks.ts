/**
 * 21 — Ad impressions joined to clicks within an hour (stream-stream join)
 *
 * Spark's classic: one stream of ad impressions, one of clicks. A click counts for an
 * impression of the same ad shown at most an hour before it. Both streams are unbounded,
 * so the join keeps each side's rows in state; watermarks (2 hours on impressions, 3 on
 * clicks) plus the one-hour range tell it when a row can match nothing more and may go.
 *
 * A left outer join also reports impressions that got no click. Such a row is final only
 * once the watermark shows no click can still come (an hour after the impression, plus
 * the watermark delay): it is written then, exactly once, with nulls for the click.
 *
 * Run: npx tsx examples/21-ads-impressions-clicks.ts
 */
import assert from 'node:assert/strict'
import { col, functions as F, MemoryStream, Session, schema } from '@tributary/core'

const session = Session.builder().appName('ads').getOrCreate()
const at = (hhmm: string) => new Date(`2026-08-01T${hhmm}:00Z`)

// Step 1: two streams, each with its own watermark.
const impressions = new MemoryStream(
  session,
  schema({ impressionAdId: 'string', impressionTime: 'timestamp' }),
)
const clicks = new MemoryStream(session, schema({ clickAdId: 'string', clickTime: 'timestamp' }))
const shown = impressions.toDF().withWatermark('impressionTime', '2 hours')
const clicked = clicks.toDF().withWatermark('clickTime', '3 hours')

// Step 2: same ad, click within an hour after the impression; keep impressions without clicks.
const joined = shown.join(
  clicked,
  col('clickAdId')
    .eq(col('impressionAdId'))
    .and(col('clickTime').between(col('impressionTime'), col('impressionTime').plus(F.interval('1 hour')))),
  'left_outer',
)
console.log('The plan: impressions leave state an hour below the watermark, clicks at it.')
joined.explain()

const query = await joined.writeStream.format('memory').queryName('attributed').start()

// Step 3: a morning of traffic in three micro-batches.
impressions.addData([
  { impressionAdId: 'shoes', impressionTime: at('09:00') },
  { impressionAdId: 'hats', impressionTime: at('09:10') },
  { impressionAdId: 'bags', impressionTime: at('09:20') },
])
clicks.addData([{ clickAdId: 'shoes', clickTime: at('09:25') }])
await query.processAllAvailable()
clicks.addData([
  { clickAdId: 'bags', clickTime: at('10:45') }, // 85 minutes after: does not count
  { clickAdId: 'hats', clickTime: at('09:50') },
])
await query.processAllAvailable()
console.log('So far (bags may still get a click, so it is not written yet):')
await session.table('attributed').show(20, false)

// Later traffic moves the watermark to min(14:30 − 2h, 14:30 − 3h) = 11:30: bags is final.
impressions.addData([{ impressionAdId: 'socks', impressionTime: at('14:30') }])
clicks.addData([{ clickAdId: 'socks', clickTime: at('14:30') }])
await query.processAllAvailable()
const progress = query.lastProgress
await query.stop()

// Step 4: every impression once; the one without a click reported with nulls.
console.log('Impressions with their clicks (append mode, final rows):')
await session.table('attributed').orderBy('impressionTime').show(20, false)
const rows = (await session.table('attributed').collect()) as {
  impressionAdId: string
  clickTime: Date | null
}[]
const withoutClicks = rows.filter((r) => r.clickTime === null).map((r) => r.impressionAdId)
console.log(`Impressions without a click: ${JSON.stringify(withoutClicks)}`)
console.log(`Rows left in the join's state: ${progress?.stateOperators[0].numRowsTotal}`)

assert.deepEqual(withoutClicks, ['bags'])
assert.deepEqual(rows.map((r) => r.impressionAdId).sort(), ['bags', 'hats', 'shoes', 'socks'])
assert.equal(progress?.stateOperators[0].numRowsTotal, 2, 'only the socks impression and click remain')
console.log('Checked: clicks attributed within an hour, bags reported once without a click.')
await session.stop()
