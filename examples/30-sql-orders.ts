/**
 * 30 — Orders by country, written in SQL first
 *
 * The same streaming query as the DataFrame API builds, written as Spark SQL: register the
 * stream (with its watermark) and a small country table as temporary views, then
 * `session.sql(...)` returns a streaming DataFrame that runs like any other — micro-batches,
 * state, checkpoint and all. SQL is a second front door onto the same plan: `explain()`
 * shows the plan the fluent form would build.
 *
 * The query: the revenue of paid orders per country in 10-minute windows, for the
 * countries in the table (a stream-static join), keeping windows with at least two orders.
 * Windows are written once, in append mode, when the watermark passes their end. The query
 * is stopped and started again from its checkpoint halfway: no window is lost or doubled.
 *
 * Run: npx tsx examples/30-sql-orders.ts
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { col, functions as F, MemoryStream, Session, schema } from '@tributary/core'

const session = Session.builder().appName('sql-orders').getOrCreate()
const at = (hhmm: string) => new Date(`2026-10-05T${hhmm}:00Z`)
const checkpoint = mkdtempSync(path.join(tmpdir(), 'tributary-example-30-'))

// Step 1: the views. Watermarks go on the DataFrame before it is registered, as in Spark.
const orders = new MemoryStream(
  session,
  schema({ id: 'long', country: 'string', status: 'string', amount: 'double', ts: 'timestamp' }),
)
orders.toDF().withWatermark('ts', '5 minutes').createOrReplaceTempView('orders')
session
  .createDataFrame(
    [
      { code: 'NO', name: 'Norway', vat: 0.25 },
      { code: 'PE', name: 'Peru', vat: 0.18 },
    ],
    schema({ code: 'string', name: 'string', vat: 'double' }),
  )
  .createOrReplaceTempView('countries')

// Step 2: the query, in SQL. Expressions work on DataFrames too: where('...'), selectExpr('...'), F.expr('...').
const revenueSql = `
  WITH paid AS (
    SELECT id, country, amount, ts FROM orders WHERE status = 'paid' AND amount > 0
  )
  SELECT window(p.ts, '10 minutes') AS w, c.name AS country,
         count(*) AS orders, round(sum(p.amount * (c.vat + 1)), 2) AS gross
  FROM paid p JOIN countries c ON p.country = c.code
  GROUP BY window(p.ts, '10 minutes'), c.name
  HAVING count(*) >= 2`
const revenue = () => session.sql(revenueSql)
console.log('The plan, as the DataFrame API would build it:')
revenue().explain()

// The same query in the DataFrame API: the SQL above builds exactly this plan. (After a
// join the fluent API names columns without their side's alias; SQL accepts both.)
const fluent = session
  .table('orders')
  .where(col('status').eq('paid').and(col('amount').gt(0)))
  .select('id', 'country', 'amount', 'ts')
  .alias('p')
  .join(session.table('countries').alias('c'), col('p.country').eq(col('c.code')))
  .groupBy(F.window(col('ts'), '10 minutes').alias('w'), col('name').alias('country'))
  .agg(
    F.count().alias('orders'),
    F.round(F.sum(col('amount').multiply(col('vat').plus(1))), 2).alias('gross'),
  )
  .where(col('orders').geq(2))

const start = () =>
  revenue()
    .writeStream.outputMode('append')
    .format('memory')
    .queryName('revenue')
    .option('checkpointLocation', checkpoint)
    .start()

// Step 3: orders arrive; the query is restarted from its checkpoint in the middle.
let query = await start()
orders.addData([
  { id: 1, country: 'NO', status: 'paid', amount: 100, ts: at('09:01') },
  { id: 2, country: 'NO', status: 'paid', amount: 60, ts: at('09:04') },
  { id: 3, country: 'PE', status: 'paid', amount: 40, ts: at('09:05') },
  { id: 4, country: 'NO', status: 'cancelled', amount: 999, ts: at('09:06') },
  { id: 5, country: 'XX', status: 'paid', amount: 10, ts: at('09:07') }, // no such country
])
await query.processAllAvailable()
await query.stop()

query = await start()
orders.addData([
  { id: 6, country: 'PE', status: 'paid', amount: 20, ts: at('09:08') },
  { id: 7, country: 'NO', status: 'paid', amount: 30, ts: at('09:12') },
  { id: 8, country: 'NO', status: 'paid', amount: 5, ts: at('09:31') }, // moves the watermark to 09:26
])
await query.processAllAvailable()
orders.addData([{ id: 9, country: 'PE', status: 'paid', amount: 1, ts: at('09:32') }])
await query.processAllAvailable()
await query.stop()

// Step 4: the result, read with SQL too (the memory sink's table is a view by its query name).
const result = session.sql(
  'SELECT w.start AS window_start, country, orders, gross FROM revenue ORDER BY country',
)
await result.show(20, false)

// The seed snippets of the issue, on a batch DataFrame: SQL expressions anywhere a column goes.
const kafkaLike = session.createDataFrame(
  [{ key: new TextEncoder().encode('k'), value: new TextEncoder().encode('v') }],
  schema({ key: 'binary', value: 'binary' }),
)
const decoded = await kafkaLike.selectExpr('CAST(key AS STRING)', 'CAST(value AS STRING)').collect()
const upper = await kafkaLike.select(F.expr('upper(CAST(value AS STRING))').alias('v')).collect()

const rows = await result.collect()
assert.deepEqual(
  rows.map((r) => [r.country, r.orders, r.gross]),
  [
    ['Norway', 2, 200],
    ['Peru', 2, 70.8],
  ],
  'one window per country with two or more paid orders, NO at 25% VAT and PE at 18%',
)
assert.deepEqual(revenue().plan, fluent.plan, 'SQL and the DataFrame API build one plan')
assert.deepEqual(decoded, [{ key: 'k', value: 'v' }])
assert.deepEqual(upper, [{ v: 'V' }])
console.log('Checked: SQL windows written once across a restart, with the fluent plan')

await session.stop()
rmSync(checkpoint, { recursive: true, force: true })
