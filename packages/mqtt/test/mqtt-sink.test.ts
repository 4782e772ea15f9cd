/** The mqtt sink against the local Mosquitto: what a plain subscriber receives. */
import '@tributary/mqtt'
import { MemoryStream, schema } from '@tributary/core'
import { requireService } from '@tributary/testing'
import type { MqttClient } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { BROKER, client, newSession, sleep, tempDir, uniquePrefix } from './helpers.js'

const mosquitto = await requireService('Mosquitto', '127.0.0.1', 1883)

interface Received {
  topic: string
  payload: string
  retain: boolean
  qos: number
}

/** A subscriber that records what arrives on `filter`. */
async function subscriber(filter: string): Promise<{ got: Received[]; c: MqttClient }> {
  const c = await client()
  const got: Received[] = []
  c.on('message', (topic, payload, packet) =>
    got.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, qos: packet.qos }),
  )
  await c.subscribeAsync(filter, { qos: 1 })
  return { got, c }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(10)
}

describe.skipIf(!mosquitto.available)('mqtt sink (Mosquitto)', () => {
  it('publishes the payload column of each row to the topic option, with QoS 1', async () => {
    const prefix = uniquePrefix()
    const { got } = await subscriber(`${prefix}/#`)
    const session = newSession()
    const input = new MemoryStream(session, schema({ payload: 'string', n: 'int' }))
    const q = await input
      .toDF()
      .writeStream.format('mqtt')
      .options({ brokerUrl: BROKER, topic: `${prefix}/out` })
      .option('checkpointLocation', tempDir())
      .start()
    input.addData([
      { payload: 'hello', n: 1 },
      { payload: 'world', n: 2 },
    ])
    await q.processAllAvailable()
    input.addData([{ payload: 'again', n: 3 }])
    await q.processAllAvailable()
    // QoS 1: the batch ended only after the broker acknowledged every message.
    expect(q.lastProgress?.sink.metrics.messagesPublished).toBe(3)
    await until(() => got.length >= 3)
    await q.stop()
    expect(got).toEqual([
      { topic: `${prefix}/out`, payload: 'hello', retain: false, qos: 1 },
      { topic: `${prefix}/out`, payload: 'world', retain: false, qos: 1 },
      { topic: `${prefix}/out`, payload: 'again', retain: false, qos: 1 },
    ])
  })

  it('routes by a topic column, takes binary values, and sends rows without a payload as JSON', async () => {
    const prefix = uniquePrefix()
    const { got } = await subscriber(`${prefix}/#`)
    const session = newSession()
    const bytes = new MemoryStream(session, schema({ topic: 'string', value: 'binary' }))
    const q1 = await bytes
      .toDF()
      .writeStream.format('mqtt')
      .option('brokerUrl', BROKER)
      .option('checkpointLocation', tempDir())
      .start()
    bytes.addData([
      { topic: `${prefix}/a`, value: new TextEncoder().encode('A') },
      { topic: `${prefix}/b`, value: new TextEncoder().encode('B') },
    ])
    await q1.processAllAvailable()
    await q1.stop()

    const json = new MemoryStream(session, schema({ device: 'string', temp: 'double', at: 'timestamp' }))
    const q2 = await json
      .toDF()
      .writeStream.format('mqtt')
      .options({ brokerUrl: BROKER, topic: `${prefix}/json`, qos: 0 })
      .option('checkpointLocation', tempDir())
      .start()
    json.addData([{ device: 'd1', temp: 21.5, at: new Date('2026-01-01T00:00:00Z') }])
    await q2.processAllAvailable()
    await until(() => got.length >= 3)
    await q2.stop()
    expect(got.map((m) => [m.topic, m.payload])).toEqual([
      [`${prefix}/a`, 'A'],
      [`${prefix}/b`, 'B'],
      [`${prefix}/json`, '{"device":"d1","temp":21.5,"at":"2026-01-01T00:00:00.000Z"}'],
    ])
  })

  it('sets the retain flag when asked', async () => {
    const prefix = uniquePrefix()
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    const q = await input
      .toDF()
      .writeStream.format('mqtt')
      .options({ brokerUrl: BROKER, topic: `${prefix}/state`, retain: true })
      .option('checkpointLocation', tempDir())
      .start()
    input.addData([{ value: 'on' }])
    await q.processAllAvailable()
    await q.stop()
    // A subscriber that arrives later still gets the retained message.
    const { got, c } = await subscriber(`${prefix}/state`)
    await until(() => got.length >= 1)
    expect(got).toEqual([{ topic: `${prefix}/state`, payload: 'on', retain: true, qos: 1 }])
    await c.publishAsync(`${prefix}/state`, '', { retain: true, qos: 1 })
  })

  it('refuses a schema without a topic before connecting, listing the columns', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    await expect(
      input
        .toDF()
        .writeStream.format('mqtt')
        .option('brokerUrl', 'mqtt://127.0.0.1:1')
        .option('checkpointLocation', tempDir())
        .start(),
    ).rejects.toThrow(/MQTT_TOPIC_MISSING.*option\('topic'.*columns: value: string/)
  })

  it('fails start() naming host and port when the broker is unreachable', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    await expect(
      input
        .toDF()
        .writeStream.format('mqtt')
        .options({ brokerUrl: 'mqtt://user:hunter2@127.0.0.1:1', topic: 'x' })
        .option('checkpointLocation', tempDir())
        .start(),
    ).rejects.toThrow(
      /^(?!.*hunter2).*MQTT_CONNECT_FAILED: the mqtt sink cannot connect to the MQTT broker at 127\.0\.0\.1:1/,
    )
  })
})
