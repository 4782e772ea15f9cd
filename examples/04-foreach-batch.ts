/**
 * 04 — foreachBatch: any batch code on every micro-batch, exactly once
 *
 * foreachBatch hands each micro-batch to your function as an ordinary (batch) DataFrame,
 * together with its batch id. Inside you can do anything a batch job can: aggregate, join,
 * write to several places. The batch id is the key to exactly-once output: if the query
 * crashes after your function ran but before the batch was committed, the restarted query
 * calls it again with the SAME id and the SAME rows. Write idempotently — e.g. replace
 * the output for that id — and every row lands once.
 *
 * Here: orders arrive on a MemoryStream; each micro-batch is summarized per country and
 * "written" to an in-memory store keyed by batch id. We then simulate a crash between the
 * write and the commit, restart, and show that the store still holds each order once.
 *
 * Run: npx tsx examples/04-foreach-batch.ts
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { col, count, functions as F, MemoryStream, Session, schema } from '@tributary/core'

const session = Session.builder().appName('foreach-batch').getOrCreate()
const orders = new MemoryStream(session, schema({ id: 'long', country: 'string', amount: 'double' }))

// Step 1: an idempotent "warehouse": one entry per batch id, replaced whole on replay.
const warehouse = new Map<number, { country: string; orders: number; revenue: number }[]>()
let calls = 0

const checkpoint = await mkdtemp(path.join(tmpdir(), 'tributary-example-04-'))
const start = () =>
  orders
    .toDF()
    .where(col('amount').gt(0))
    .writeStream.option('checkpointLocation', checkpoint)
    .foreachBatch(async (batch, batchId) => {
      calls++
      const summary = await batch
        .groupBy('country')
        .agg(count().alias('orders'), F.round(F.sum('amount'), 2).alias('revenue'))
        .orderBy('country')
        .collect()
      warehouse.set(batchId, summary as { country: string; orders: number; revenue: number }[])
      console.log(`batch ${batchId}: ${summary.map((s) => `${s.country}=${s.orders}`).join(' ')}`)
    })
    .start()

// Step 2: two micro-batches of orders.
let query = await start()
orders.addData([
  { id: 1, country: 'NO', amount: 120 },
  { id: 2, country: 'PE', amount: 35.5 },
  { id: 3, country: 'NO', amount: -1 },
])
await query.processAllAvailable()
orders.addData([{ id: 4, country: 'IT', amount: 80 }])
await query.processAllAvailable()
await query.stop()

// Step 3: simulate a crash after batch 1 was written but before it was committed:
// its entry in the commit log disappears.
rmSync(path.join(checkpoint, 'commits', '1'))
console.log('\nSimulated a crash before commits/1 was written; restarting...')

// Step 4: the restarted query replays batch 1 (same id, same rows), then goes on.
query = await start()
orders.addData([{ id: 5, country: 'PE', amount: 12 }])
await query.processAllAvailable()
await query.stop()

// Step 5: every order is in the warehouse once, although batch 1 ran twice.
const rows = [...warehouse.values()].flat()
const totalOrders = rows.reduce((n, r) => n + r.orders, 0)
console.log(`\nfunction calls: ${calls}, batches stored: ${warehouse.size}, orders stored: ${totalOrders}`)
assert.equal(calls, 4, 'batch 1 was delivered twice')
assert.equal(warehouse.size, 3)
assert.equal(totalOrders, 4, 'four valid orders, each stored once')
console.log('Checked: exactly once, with a replayed batch.')
await session.stop()
rmSync(checkpoint, { recursive: true, force: true })
