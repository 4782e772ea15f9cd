/**
 * 09 — Avro records on a Kafka-shaped stream, as Confluent's serializers write them
 *
 * Kafka topics usually carry Avro in Confluent's wire format: a magic byte 0, the schema id
 * (4 bytes), then the Avro body. Producers move to new schema versions over time, so one
 * topic holds records of several writer schemas. `from_avro` reads them all with one reader
 * schema, resolving each record's writer schema by its id: given here per id, or looked up
 * in a Schema Registry with `{ schemaRegistryUrl, subject }` (see docs/avro.md).
 *
 * Here: a "producer" encodes payments with to_avro (version 1 without a currency, then
 * version 2 with one) into rows shaped like the kafka source's (key, value, topic,
 * partition, offset, timestamp). A streaming query decodes them and totals per currency.
 * No broker needed: the rows go through a MemoryStream; with a real topic, read
 * `session.readStream.format('kafka')` instead and keep the rest.
 *
 * Run: npx tsx examples/09-kafka-avro.ts
 */
import assert from 'node:assert/strict'
import { col, functions as F, lit, MemoryStream, nullable, Session, schema } from '@tributary/core'

const v1 = {
  type: 'record',
  name: 'Payment',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
}
// Version 2 adds a field with a default: records written with v1 read as 'EUR'.
const v2 = { ...v1, fields: [...v1.fields, { name: 'currency', type: 'string', default: 'EUR' }] }

const session = Session.builder().appName('kafka-avro').getOrCreate()
const kafkaRecord = schema({
  key: 'binary',
  value: 'binary',
  topic: 'string',
  partition: 'int',
  offset: 'long',
  timestamp: 'timestamp',
})

// Step 1: the producer side. to_avro writes the Confluent framing with the schema's id.
async function produce(
  rows: { id: string; amount: number; currency: string | null }[],
  version: 1 | 2,
  firstOffset: number,
) {
  const df = session.createDataFrame(
    rows,
    schema({ id: 'string', amount: 'double', currency: nullable('string') }),
  )
  const fields = version === 1 ? F.struct('id', 'amount') : F.struct('id', 'amount', 'currency')
  const encoded = await df
    .select(
      col('id').cast('binary').alias('key'),
      F.to_avro(fields, version === 1 ? v1 : v2, { wireFormat: 'confluent', schemaId: version }).alias(
        'value',
      ),
    )
    .collect()
  return encoded.map((r, i) => ({
    key: r.key,
    value: r.value,
    topic: 'payments',
    partition: 0,
    offset: firstOffset + i,
    timestamp: new Date(Date.UTC(2026, 11, 7, 12, 0, firstOffset + i)),
  }))
}

const topic = new MemoryStream(session, kafkaRecord)

// Step 2: the consumer: decode with the newest schema, each record resolved by its id.
const payments = topic
  .toDF()
  .select(
    col('offset'),
    F.from_avro<{ id: string; amount: number; currency: string }>(col('value'), v2, {
      wireFormat: 'confluent',
      schemas: { 1: v1, 2: v2 },
    }).alias('payment'),
  )
  .select('offset', 'payment.id', 'payment.amount', 'payment.currency')

const totals = payments
  .groupBy('currency')
  .agg(F.sum('amount').alias('total'), F.count(lit(1)).alias('payments'))
const query = await totals.writeStream.outputMode('complete').format('memory').queryName('totals').start()

topic.addData(
  await produce(
    [
      { id: 'p1', amount: 10, currency: null },
      { id: 'p2', amount: 5.5, currency: null },
    ],
    1,
    0,
  ),
)
await query.processAllAvailable()
topic.addData(
  await produce(
    [
      { id: 'p3', amount: 20, currency: 'USD' },
      { id: 'p4', amount: 4.5, currency: 'EUR' },
    ],
    2,
    2,
  ),
)
await query.processAllAvailable()
await query.stop()

const result = (await session.table('totals').orderBy('currency').collect()).map((r) => ({ ...r }))
console.log('Totals per currency:')
for (const r of result) console.log(`  ${r.currency}: ${r.total} over ${r.payments} payments`)
assert.deepEqual(result, [
  { currency: 'EUR', total: 20, payments: 3 },
  { currency: 'USD', total: 20, payments: 1 },
])
await session.stop()
console.log('Checked: v1 and v2 records decoded with one reader schema, v1 payments read as EUR')
