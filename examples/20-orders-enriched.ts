/**
 * 20 — Orders enriched with a customer table (stream-static join)
 *
 * Orders arrive as a stream; the customers live in a CSV file. Joining the stream with
 * the file adds each customer's name and tier to every order as it arrives. The static
 * side is read and hashed once when the query starts (not once per micro-batch), and each
 * micro-batch of orders probes it. A left outer join keeps orders whose customer is not
 * in the file, with nulls, so nothing is silently lost; they are counted at the end.
 *
 * Run: npx tsx examples/20-orders-enriched.ts
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { MemoryStream, Session, schema } from '@tributary/core'

const session = Session.builder().appName('orders-enriched').getOrCreate()
const dir = mkdtempSync(path.join(tmpdir(), 'tributary-example-20-'))

// Step 1: the customer table, a CSV file this script writes itself.
const customersFile = path.join(dir, 'customers.csv')
writeFileSync(
  customersFile,
  ['customerId,name,tier', 'c1,Ada Lovelace,gold', 'c2,Grace Hopper,silver', 'c3,Alan Turing,gold'].join(
    '\n',
  ),
)
const customers = session.read
  .option('header', true)
  .schema(schema({ customerId: 'string', name: 'string', tier: 'string' }))
  .csv(customersFile)

// Step 2: the order stream, joined on customerId; the key appears once in the result.
const orders = new MemoryStream(session, schema({ orderId: 'long', customerId: 'string', amount: 'double' }))
const enriched = orders
  .toDF()
  .join(customers, 'customerId', 'left')
  .select('orderId', 'customerId', 'name', 'tier', 'amount')

console.log('The plan: the CSV side is a StaticRelation, read once per run.')
enriched.explain()

const query = await enriched.writeStream.format('memory').queryName('enriched').start()

// Step 3: orders arrive in two micro-batches; c9 is not in the customer file.
orders.addData([
  { orderId: 1, customerId: 'c1', amount: 120 },
  { orderId: 2, customerId: 'c2', amount: 35.5 },
])
await query.processAllAvailable()
orders.addData([
  { orderId: 3, customerId: 'c9', amount: 60 },
  { orderId: 4, customerId: 'c3', amount: 999 },
])
await query.processAllAvailable()
await query.stop()

// Step 4: every order, enriched; the unknown customer's order kept with nulls.
console.log('Enriched orders:')
await session.table('enriched').orderBy('orderId').show()
const rows = (await session.table('enriched').orderBy('orderId').collect()) as {
  orderId: number
  name: string | null
  tier: string | null
}[]
const unknown = rows.filter((r) => r.name === null).map((r) => r.orderId)
console.log(`Orders whose customer is missing from the table: ${JSON.stringify(unknown)}`)

assert.equal(rows.length, 4, 'a left outer join keeps every order')
assert.deepEqual(
  rows.map((r) => r.tier),
  ['gold', 'silver', null, 'gold'],
)
assert.deepEqual(unknown, [3])
console.log('Checked: every order enriched once, the unknown customer kept with nulls.')
rmSync(dir, { recursive: true, force: true })
await session.stop()
