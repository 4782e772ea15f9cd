/**
 * 14 — Kafka in, Kafka out
 *
 * Orders are written to a Kafka topic with the kafka sink, then read back three ways:
 *
 *  1. a streaming query with `maxOffsetsPerTrigger`, so the backlog is read in bounded
 *     micro-batches split across partitions by lag (watch `maxOffsetsBehindLatest` fall);
 *  2. the same query's large orders written to a second topic, keyed by customer;
 *  3. a batch read (`session.read`) of an exact offset range.
 *
 * Offsets live in the query's checkpoint as `{"topic": {"partition": nextOffset}}`; no
 * consumer group is needed. Values are bytes: the query decodes them with
 * `cast('string')` and `from_json`.
 *
 * Runs only against a real broker: set TRIBUTARY_KAFKA_BROKERS, e.g.
 *
 *   docker run -d -p 9092:9092 apache/kafka:3.9.0
 *   TRIBUTARY_KAFKA_BROKERS=localhost:9092 npx tsx examples/14-kafka.ts
 *
 * Without it, the script prints this and exits. It creates two topics and deletes them.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Admin } from '@platformatic/kafka'
import { col, functions as F, MemoryStream, Session, schema } from '@tributary/core'
import '@tributary/kafka'

const brokers = process.env.TRIBUTARY_KAFKA_BROKERS
if (!brokers) {
  console.log(
    [
      'This example needs a Kafka broker, and TRIBUTARY_KAFKA_BROKERS is not set. To run it:',
      '  docker run -d -p 9092:9092 apache/kafka:3.9.0',
      '  TRIBUTARY_KAFKA_BROKERS=localhost:9092 npx tsx examples/14-kafka.ts',
    ].join('\n'),
  )
  process.exit(0)
}

const run = randomUUID().slice(0, 8)
const ordersTopic = `tributary-example-orders-${run}`
const largeTopic = `tributary-example-large-${run}`
const work = mkdtempSync(path.join(tmpdir(), 'tributary-14-'))
const kafka = { 'kafka.bootstrap.servers': brokers }

// Step 0: two topics of three partitions.
const admin = new Admin({ clientId: 'tributary-example', bootstrapBrokers: brokers.split(','), retries: 1 })
try {
  await admin.createTopics({ topics: [ordersTopic, largeTopic], partitions: 3, replicas: 1 })
} catch (e) {
  console.error(
    `Cannot create the example's topics at ${brokers} (${(e as Error).message}). Is Kafka running there?`,
  )
  await admin.close()
  rmSync(work, { recursive: true, force: true })
  process.exit(1)
}

const session = Session.builder().appName('kafka-example').getOrCreate()
try {
  // Step 1: write 300 orders with the kafka sink: key = customer, value = JSON.
  const orders = new MemoryStream(session, schema({ key: 'string', value: 'string' }))
  orders.addData(
    Array.from({ length: 300 }, (_, i) => ({
      key: `customer-${i % 12}`,
      value: JSON.stringify({ id: i, customer: `customer-${i % 12}`, amount: (i * 37) % 500 }),
    })),
  )
  const writer = await orders
    .toDF()
    .writeStream.format('kafka')
    .options({ ...kafka, topic: ordersTopic })
    .option('checkpointLocation', path.join(work, 'writer'))
    .start()
  await writer.processAllAvailable()
  await writer.stop()
  console.log(`Wrote 300 orders to ${ordersTopic}.`)

  // Step 2: read them as a stream, 100 offsets per micro-batch at most, and decode the JSON.
  const order = schema({ id: 'int', customer: 'string', amount: 'double' })
  const stream = session.readStream
    .format('kafka')
    .options({ ...kafka, subscribe: ordersTopic, startingOffsets: 'earliest', maxOffsetsPerTrigger: 100 })
    .load()
    .select(col('partition'), col('offset'), F.from_json(col('value').cast('string'), order).alias('o'))
    .select(
      col('partition'),
      col('offset'),
      col('o').getField('customer').alias('customer'),
      col('o').getField('amount').alias('amount'),
    )

  // Step 3: large orders go to a second topic, keyed by customer (same customer, same partition).
  const large = await stream
    .where(col('amount').gt(400))
    .select(col('customer').alias('key'), F.to_json(F.struct(col('customer'), col('amount'))).alias('value'))
    .writeStream.format('kafka')
    .options({ ...kafka, topic: largeTopic })
    .option('checkpointLocation', path.join(work, 'large'))
    .start()
  await large.processAllAvailable()
  console.log('\nMicro-batches of the streaming read (maxOffsetsPerTrigger = 100):')
  for (const p of large.recentProgress.filter((x) => x.numInputRows > 0)) {
    const m = p.sources[0].metrics
    console.log(
      `  batch ${p.batchId}: ${p.numInputRows} orders, offsets behind latest: max ${m.maxOffsetsBehindLatest}, avg ${m.avgOffsetsBehindLatest}`,
    )
  }
  console.log(`  end offsets in the checkpoint: ${JSON.stringify(large.lastProgress?.sources[0].endOffset)}`)
  await large.stop()

  // Step 4: a batch read of the large orders, then an exact range of partition 0.
  const written = session.read
    .format('kafka')
    .options({ ...kafka, subscribe: largeTopic })
    .load()
  console.log(`\nLarge orders written to ${largeTopic}: ${(await written.collect()).length}`)
  const range = session.read
    .format('kafka')
    .options({
      ...kafka,
      // One partition only: 'assign' it. (A batch read cannot start other partitions at -1, latest.)
      assign: JSON.stringify({ [ordersTopic]: [0] }),
      startingOffsets: JSON.stringify({ [ordersTopic]: { 0: 10 } }),
      endingOffsets: JSON.stringify({ [ordersTopic]: { 0: 15 } }),
    })
    .load()
    .select(
      col('partition'),
      col('offset'),
      col('key').cast('string').alias('key'),
      col('value').cast('string').alias('value'),
    )
  console.log('Offsets [10, 15) of partition 0:')
  await range.show(5, false)
} finally {
  // Clean up: topics and checkpoints.
  await admin.deleteTopics({ topics: [ordersTopic, largeTopic] }).catch(() => {})
  await admin.close()
  await session.stop()
  rmSync(work, { recursive: true, force: true })
}
