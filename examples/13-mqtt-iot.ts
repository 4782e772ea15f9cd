/**
 * 13 — IoT readings over MQTT
 *
 * Three sensors publish JSON temperature readings to `<prefix>/<device>/readings` with
 * QoS 1. Two queries read them through the local Mosquitto broker:
 *
 *  - `readings` parses every message into { device, temp, receivedAt } rows in memory;
 *  - `alerts` keeps the readings above 80 °C and publishes them, as JSON, to
 *    `<prefix>/alerts` with the mqtt sink; a plain MQTT subscriber prints them.
 *
 * The source holds each message's acknowledgement until the batch that read it is
 * committed, and uses a persistent session: to show it, the script stops the `readings`
 * query, lets the sensors publish while it is down, and starts it again from the same
 * checkpoint. The broker kept those messages and delivers them after the restart: nothing
 * is lost (at least once).
 *
 * Needs Mosquitto (or any MQTT broker) at MQTT_URL, default mqtt://127.0.0.1:1883. Without
 * one the script says so and exits. It removes its broker sessions at the end.
 *
 * Run: npx tsx examples/13-mqtt-iot.ts
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { avg, col, count, functions as F, max, Session, schema } from '@tributary/core'
import '@tributary/mqtt'
import { connectAsync } from 'mqtt'

const brokerUrl = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883'
const { hostname, port } = new URL(brokerUrl)

// Step 0: is a broker there? An example must not fail where there is none.
const reachable = await new Promise<boolean>((resolve) => {
  const socket = new Socket()
  const done = (ok: boolean) => {
    socket.destroy()
    resolve(ok)
  }
  socket.setTimeout(1500, () => done(false))
  socket.once('error', () => done(false))
  socket.connect(Number(port || 1883), hostname, () => done(true))
})
if (!reachable) {
  console.log(
    `No MQTT broker is reachable at ${hostname}:${port || 1883}: nothing to show. Start one (e.g. \`mosquitto -p 1883\`), or set MQTT_URL.`,
  )
  process.exit(0)
}

const prefix = `tributary-example/${randomUUID().slice(0, 8)}`
const work = mkdtempSync(path.join(tmpdir(), 'tributary-13-'))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// Step 1: three sensors; each publish waits for the broker's PUBACK (QoS 1).
const sensors = await connectAsync(brokerUrl)
let n = 0
async function publishRound(): Promise<void> {
  for (const device of ['boiler', 'pump', 'fan']) {
    const base = { boiler: 78, pump: 60, fan: 35 }[device]!
    const temp = Math.round((base + ((n * 7) % 9)) * 10) / 10
    await sensors.publishAsync(`${prefix}/${device}/readings`, JSON.stringify({ device, temp }), { qos: 1 })
  }
  n++
}

// Step 2: the readings as a stream of typed rows.
const session = Session.builder().appName('mqtt-iot').getOrCreate()
const reading = schema({ device: 'string', temp: 'double' })
const parsed = (clientId: string) =>
  session.readStream
    .format('mqtt')
    .options({ brokerUrl, topics: `${prefix}/+/readings`, clientId })
    .load()
    .select(
      F.from_json(col('payload').cast('string'), reading).alias('r'),
      col('timestamp').alias('receivedAt'),
    )
    .select(
      col('r').getField('device').alias('device'),
      col('r').getField('temp').alias('temp'),
      col('receivedAt'),
    )

const readingsCheckpoint = path.join(work, 'readings')
const startReadings = () =>
  parsed(`tributary-13-readings-${prefix.slice(-8)}`)
    .writeStream.format('memory')
    .queryName('readings')
    .option('checkpointLocation', readingsCheckpoint)
    .start()

// Step 3: hot readings become alerts, published back to MQTT; a subscriber prints them.
const alerts: string[] = []
const watcher = await connectAsync(brokerUrl)
watcher.on('message', (_topic, payload) => alerts.push(payload.toString()))
await watcher.subscribeAsync(`${prefix}/alerts`, { qos: 1 })
const alertQuery = await parsed(`tributary-13-alerts-${prefix.slice(-8)}`)
  .where(col('temp').gt(80))
  .select(F.to_json(F.struct(col('device'), col('temp'))).alias('payload'))
  .writeStream.format('mqtt')
  .options({ brokerUrl, topic: `${prefix}/alerts`, qos: 1 })
  .option('checkpointLocation', path.join(work, 'alerts'))
  .start()

let readings = await startReadings()
for (let i = 0; i < 4; i++) {
  await publishRound()
  await sleep(100)
}
await readings.processAllAvailable()
const before = (await session.table('readings').collect()).length
console.log(`Received ${before} readings so far; stopping the readings query.`)

// Step 4: the query is down; the broker keeps its session and queues QoS 1 messages.
await readings.stop()
for (let i = 0; i < 3; i++) await publishRound()
console.log('Published 9 more readings while it was stopped; starting it again from its checkpoint.')
readings = await startReadings()
for (let i = 0; i < 3; i++) {
  await publishRound()
  await sleep(100)
}

// Messages travel asynchronously: wait until all 30 readings (10 rounds × 3) have arrived.
const deadline = Date.now() + 10_000
while ((await session.table('readings').collect()).length < 30 && Date.now() < deadline) {
  await readings.processAllAvailable()
  await sleep(50)
}
await alertQuery.processAllAvailable()
await sleep(200)

// Step 5: what arrived.
const all = session.table('readings')
console.log(
  `\nAll readings: ${(await all.collect()).length} of ${n * 3} published (none lost across the restart).`,
)
await all
  .groupBy('device')
  .agg(count('temp').alias('readings'), avg('temp').alias('avgTemp'), max('temp').alias('maxTemp'))
  .orderBy('device')
  .show()
console.log(`Alerts published to ${prefix}/alerts and received by a subscriber: ${alerts.length}`)
for (const a of alerts.slice(0, 5)) console.log(`  ${a}`)
const metrics = readings.lastProgress?.sources[0].metrics ?? {}
console.log(`Delivery guarantee of the source: ${metrics.deliveryGuarantee}`)

// Clean up: queries, clients, the broker's persistent sessions, the checkpoints.
await Promise.all([readings.stop(), alertQuery.stop()])
await Promise.all([sensors.endAsync(), watcher.endAsync()])
for (const id of [`tributary-13-readings-${prefix.slice(-8)}`, `tributary-13-alerts-${prefix.slice(-8)}`]) {
  const c = await connectAsync(brokerUrl, {
    clientId: id,
    clean: true,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: 0 },
  })
  await c.endAsync()
}
await session.stop()
rmSync(work, { recursive: true, force: true })
