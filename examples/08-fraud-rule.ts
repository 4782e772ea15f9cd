/**
 * 08 — A fraud rule with flatMapGroupsWithState and a timeout
 *
 * Some rules do not fit a window: "alert when a card makes 3 or more payments abroad
 * within 10 minutes of each other; forget the card after 10 minutes of silence".
 * flatMapGroupsWithState gives you, per key (card), the new rows of each micro-batch and
 * a GroupState to keep whatever you like between batches. An event-time timeout calls
 * you again, with no rows and hasTimedOut = true, once the watermark passes the time you
 * set — the place to clean up.
 *
 * Run: npx tsx examples/08-fraud-rule.ts
 */
import assert from 'node:assert/strict'
import { type GroupState, MemoryStream, Session, schema } from '@tributary/core'

type Payment = { card: string; ts: Date; country: string; home: string; amount: number }
type CardState = { abroad: number[] }

const session = Session.builder().appName('fraud').getOrCreate()
const payments = new MemoryStream<Payment>(
  session,
  schema({ card: 'string', ts: 'timestamp', country: 'string', home: 'string', amount: 'double' }),
)
const at = (hhmm: string) => new Date(`2026-07-01T${hhmm}:00Z`)
const WINDOW = 10 * 60_000

// Step 1: the rule, per card.
const alerts = payments
  .toDF()
  .withWatermark('ts', '2 minutes')
  .groupByKey((p) => p.card)
  .flatMapGroupsWithState(
    'append',
    'EventTimeTimeout',
    (card: string, rows: Payment[], state: GroupState<CardState>) => {
      if (state.hasTimedOut) {
        state.remove() // ten quiet minutes: forget the card
        return []
      }
      const recent = (state.getOption()?.abroad ?? []).concat(
        rows.filter((p) => p.country !== p.home).map((p) => p.ts.getTime()),
      )
      recent.sort((a, b) => a - b)
      const newest = recent[recent.length - 1] ?? Math.max(...rows.map((p) => p.ts.getTime()))
      const inWindow = recent.filter((t) => t > newest - WINDOW)
      state.update({ abroad: inWindow })
      state.setTimeoutTimestamp(newest + WINDOW)
      return inWindow.length >= 3 ? [{ card, payments: inWindow.length, at: new Date(newest) }] : []
    },
    schema({ card: 'string', payments: 'long', at: 'timestamp' }),
  )

const query = await alerts.writeStream.outputMode('append').format('memory').queryName('alerts').start()

// Step 2: card A pays abroad three times in 8 minutes; card B twice, far apart.
payments.addData([
  { card: 'A', ts: at('12:00'), country: 'FR', home: 'NO', amount: 40 },
  { card: 'B', ts: at('12:01'), country: 'DE', home: 'NO', amount: 15 },
  { card: 'A', ts: at('12:04'), country: 'FR', home: 'NO', amount: 900 },
])
await query.processAllAvailable()
payments.addData([{ card: 'A', ts: at('12:08'), country: 'ES', home: 'NO', amount: 950 }])
await query.processAllAvailable()
payments.addData([{ card: 'B', ts: at('12:30'), country: 'DE', home: 'NO', amount: 15 }]) // watermark 12:28: A and B time out
await query.processAllAvailable()
const state = query.lastProgress?.stateOperators[0]
await query.stop()

// Step 3: one alert, for card A; the quiet cards were forgotten.
await session.table('alerts').show()
console.log(`cards still in state: ${state?.numRowsTotal}`)
assert.deepEqual(
  (await session.table('alerts').collect()).map((r) => r.card),
  ['A'],
)
assert.equal(state?.numRowsTotal, 1, 'only B, seen again at 12:30, is remembered')
console.log('Checked: card A alerted; timeouts cleaned up the rest.')
await session.stop()
