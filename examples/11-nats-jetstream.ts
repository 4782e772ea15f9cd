/**
 * 11 — NATS JetStream in, NATS JetStream out, exactly once
 *
 * Orders arrive as JSON messages on a JetStream stream. A query reads them by stream
 * sequence (the offsets live only in Tributary's checkpoint, so a batch can always be read
 * again), picks the large orders, and publishes them to an alerts subject. Every published
 * message carries the id `<queryId>:<batchId>:<row>`, so when a batch is written twice the
 * stream's duplicate window drops the copy.
 *
 * To show it, the script stops the query and removes `commits/1` from the checkpoint: the
 * state a crash leaves after the sink published batch 1 but before the checkpoint recorded
 * it. The restarted query runs batch 1 again: the source replays exactly sequences 5–8,
 * the same three alerts are published again, and JetStream acknowledges them as
 * duplicates instead of storing them.
 *
 * Needs a NATS server with JetStream at NATS_URL (default nats://127.0.0.1:4222, e.g.
 * `nats-server -js`). Without one the script says so and exits. It creates its own
 * streams and deletes them at the end.
 *
 * Run: npx tsx examples/11-nats-jetstream.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { col, functions as F, Session } from '@tributary/core'
import '@tributary/nats'

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'
const { hostname, port } = new URL(servers)

// Step 0: is NATS there? An example must not fail where there is no server.
const reachable = await new Promise<boolean>((resolve) => {
  const socket = new Socket()
  const done = (ok: boolean) => {
    socket.destroy()
    resolve(ok)
  }
  socket.setTimeout(1500, () => done(false))
  socket.once('error', () => done(false))
  socket.connect(Number(port || 4222), hostname, () => done(true))
})
if (!reachable) {
  console.log(
    `NATS is not reachable at ${hostname}:${port || 4222}: nothing to show. Start one with \`nats-server -js\`, or set NATS_URL.`,
  )
  process.exit(0)
}

// Step 1: two streams of our own: ORDERS (input) and ALERTS (output, 2-minute duplicate window).
const nc = await connect({ servers })
const jsm = await jetstreamManager(nc)
const js = jetstream(nc)
const tag = `${process.pid}`
const orders = `EXAMPLE_ORDERS_${tag}`
const alerts = `EXAMPLE_ALERTS_${tag}`
await jsm.streams.add({ name: orders, subjects: [`example.${tag}.orders.>`] })
await jsm.streams.add({
  name: alerts,
  subjects: [`example.${tag}.alerts`],
  duplicate_window: 120_000_000_000,
})
const checkpoint = mkdtempSync(path.join(tmpdir(), 'tributary-example-11-'))
const session = Session.builder().appName('nats-jetstream').getOrCreate()

const publishOrders = async (list: { id: number; region: string; amount: number }[]) => {
  for (const o of list) {
    await js.publish(`example.${tag}.orders.${o.region}`, JSON.stringify(o))
  }
}

try {
  await publishOrders([
    { id: 1, region: 'eu', amount: 40 },
    { id: 2, region: 'us', amount: 900 },
    { id: 3, region: 'eu', amount: 1200 },
    { id: 4, region: 'us', amount: 15 },
  ])

  // Step 2: the query. format('nats') reads the stream; data is the payload's bytes.
  const start = () =>
    session.readStream
      .format('nats')
      .option('servers', servers)
      .option('stream', orders)
      .option('startingPosition', 'earliest')
      .load()
      .select(
        col('sequence'),
        F.get_json_object(col('data').cast('string'), '$.id').cast('long').alias('id'),
        F.get_json_object(col('data').cast('string'), '$.amount').cast('double').alias('amount'),
      )
      .where(col('amount').geq(100))
      .writeStream.format('nats')
      .option('servers', servers)
      .option('subject', `example.${tag}.alerts`)
      .option('checkpointLocation', checkpoint)
      .start()

  // Step 3: batch 0 reads sequences 1–4; batch 1 reads the next four orders.
  const q1 = await start()
  await q1.processAllAvailable()
  await publishOrders([
    { id: 5, region: 'eu', amount: 300 },
    { id: 6, region: 'us', amount: 5 },
    { id: 7, region: 'eu', amount: 700 },
    { id: 8, region: 'us', amount: 2500 },
  ])
  // Published messages reach the stream asynchronously: wait until the query has read all eight.
  const read = () => q1.recentProgress.reduce((n, p) => n + p.numInputRows, 0)
  for (const deadline = Date.now() + 10_000; read() < 8 && Date.now() < deadline; ) {
    await q1.processAllAvailable()
    await new Promise((r) => setTimeout(r, 50))
  }
  await q1.stop()
  for (const p of q1.recentProgress) {
    const s = p.sources[0]
    console.log(
      `batch ${p.batchId}: sequences ${Number(s.startOffset) + 1}–${s.endOffset}, ${p.numInputRows} orders in, ${p.sink.numOutputRows} alerts out`,
    )
  }

  // Step 4: a "crash" between the publish and the checkpoint commit of the last batch, then a restart.
  // (Usually batch 1; on a busy machine the second group of orders may have come in two batches.)
  const lastBatch = q1.lastProgress?.batchId ?? 1
  rmSync(path.join(checkpoint, 'commits', String(lastBatch)))
  const q2 = await start()
  await q2.processAllAvailable()
  await q2.stop()
  const replay = q2.recentProgress[0]
  console.log(
    `\nafter restart, batch ${replay.batchId} ran again: ${replay.numInputRows} orders in, sink metrics`,
    replay.sink.metrics,
  )

  // Step 5: the alerts stream holds each large order once.
  const info = await jsm.streams.info(alerts)
  console.log(`\n${alerts} holds ${info.state.messages} messages:`)
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(alerts, { seq })
    if (m) console.log(`  ${m.header.get('Nats-Msg-Id').replace(q2.id, '<queryId>')}  ${m.string()}`)
  }
} finally {
  // Step 6: clean up the streams, the checkpoint and the connection.
  await session.stop()
  await jsm.streams.delete(orders).catch(() => {})
  await jsm.streams.delete(alerts).catch(() => {})
  await nc.close()
  rmSync(checkpoint, { recursive: true, force: true })
}
