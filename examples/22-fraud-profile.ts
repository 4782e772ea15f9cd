/**
 * 22 — Card transactions against the account profile (stream-static join)
 *
 * Each account has a profile: its usual spend per transaction, computed overnight. The
 * transaction stream is joined to that profile table as it arrives, and a transaction far
 * above the account's usual spend (more than 5×) is flagged. Cards without a profile are
 * flagged too: a left outer join keeps them, with a null usual spend.
 *
 * The profile here is itself a batch query (an aggregation over past transactions): the
 * static side of a stream-static join can be any bounded DataFrame. It runs once when the
 * streaming query starts.
 *
 * Run: npx tsx examples/22-fraud-profile.ts
 */
import assert from 'node:assert/strict'
import { col, functions as F, lit, MemoryStream, Session, schema, when } from '@tributary/core'

const session = Session.builder().appName('fraud-profile').getOrCreate()
const at = (hhmm: string) => new Date(`2026-09-01T${hhmm}:00Z`)
const transaction = schema({ txId: 'long', card: 'string', amount: 'double', ts: 'timestamp' })

// Step 1: the profile, from yesterday's transactions (a batch DataFrame).
const history = session.createDataFrame(
  [
    { txId: 1, card: 'A', amount: 20, ts: at('08:00') },
    { txId: 2, card: 'A', amount: 40, ts: at('12:00') },
    { txId: 3, card: 'B', amount: 300, ts: at('09:00') },
    { txId: 4, card: 'B', amount: 500, ts: at('18:00') },
  ],
  transaction,
)
const profile = history
  .groupBy('card')
  .agg(F.avg('amount').alias('usualSpend'), F.count().alias('historyCount'))

// Step 2: today's stream, joined to the profile, each transaction flagged or not.
const live = new MemoryStream(session, transaction)
const scored = live
  .toDF()
  .join(F.broadcast(profile), 'card', 'left')
  .withColumn('ratio', F.round(col('amount').divide(col('usualSpend')), 1))
  .withColumn(
    'flag',
    when(col('usualSpend').isNull(), lit('no profile'))
      .when(col('amount').gt(col('usualSpend').multiply(5)), lit('far above usual'))
      .otherwise(lit('ok')),
  )
  .select('txId', 'card', 'amount', 'usualSpend', 'ratio', 'flag')

const query = await scored.writeStream.format('memory').queryName('scored').start()

// Step 3: transactions arrive.
live.addData([
  { txId: 10, card: 'A', amount: 35, ts: at('09:00') },
  { txId: 11, card: 'B', amount: 450, ts: at('09:05') },
])
await query.processAllAvailable()
live.addData([
  { txId: 12, card: 'A', amount: 900, ts: at('09:10') }, // 30× card A's usual spend
  { txId: 13, card: 'C', amount: 15, ts: at('09:12') }, // a card we have no profile for
])
await query.processAllAvailable()
await query.stop()

// Step 4: the scored transactions and the alerts.
console.log('Scored transactions:')
await session.table('scored').orderBy('txId').show()
const rows = (await session.table('scored').orderBy('txId').collect()) as { txId: number; flag: string }[]
const alerts = rows.filter((r) => r.flag !== 'ok')
console.log(`Alerts: ${JSON.stringify(alerts.map((r) => [r.txId, r.flag]))}`)

assert.deepEqual(
  alerts.map((r) => [r.txId, r.flag]),
  [
    [12, 'far above usual'],
    [13, 'no profile'],
  ],
)
assert.equal(rows.length, 4, 'every transaction is scored once')
console.log('Checked: card A flagged far above its usual spend, card C flagged without a profile.')
await session.stop()
