/**
 * The mqtt source against the local Mosquitto (127.0.0.1:1883): real broker, no mocks.
 * Skipped with the reason printed when the broker is not running.
 */
import { randomUUID } from 'node:crypto'
import '@tributary/mqtt'
import type { DataFrame, Session } from '@tributary/core'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import {
  BROKER,
  client,
  dropSession,
  newSession,
  onCleanup,
  publish,
  type Row,
  sleep,
  tempDir,
  text,
  uniquePrefix,
  untilRows,
} from './helpers.js'

const mosquitto = await requireService('Mosquitto', '127.0.0.1', 1883)

const mqttStream = (session: Session, options: Record<string, string | number | boolean>): DataFrame =>
  session.readStream
    .format('mqtt')
    .options({ brokerUrl: BROKER, ...options })
    .load() as DataFrame

/** A client id of its own, and its persistent session removed from the broker after the test. */
function sessionId(): string {
  const id = `trib-test-${randomUUID().slice(0, 8)}`
  onCleanup(() => dropSession(id))
  return id
}

describe.skipIf(!mosquitto.available)('mqtt source (Mosquitto)', () => {
  it('reads published messages as rows of topic, payload, qos, retained and timestamp', async () => {
    const prefix = uniquePrefix()
    const session = newSession()
    const before = Date.now()
    const q = await mqttStream(session, { topics: `${prefix}/readings`, clientId: sessionId() })
      .writeStream.format('memory')
      .queryName('readings')
      .option('checkpointLocation', tempDir())
      .start()
    const pub = await client()
    await publish(pub, `${prefix}/readings`, ['21.5', '22.0', '{"t":23}'])
    const rows = await untilRows(q, session, 'readings', 3)
    await q.stop()
    expect(rows.map((r) => text(r.payload))).toEqual(['21.5', '22.0', '{"t":23}'])
    for (const r of rows) {
      expect(r.topic).toBe(`${prefix}/readings`)
      expect(r.payload).toBeInstanceOf(Uint8Array)
      expect(r.qos).toBe(1)
      expect(r.retained).toBe(false)
      expect((r.timestamp as Date).getTime()).toBeGreaterThanOrEqual(before)
    }
    const metrics = q.recentProgress.at(-1)!.sources[0].metrics
    expect(metrics.deliveryGuarantee).toBe('at-least-once')
    expect(metrics.messagesAwaitingAck).toBe(0)
  })

  it('decodes payloads with cast and from_json like any binary column', async () => {
    const prefix = uniquePrefix()
    const session = newSession()
    const { col, functions: F, schema } = await import('@tributary/core')
    const readings = mqttStream(session, { topics: `${prefix}/t`, clientId: sessionId() }).select(
      F.from_json(col('payload').cast('string'), schema({ device: 'string', temp: 'double' })).alias('r'),
    )
    const q = await readings
      .select(col('r').getField('device').alias('device'), col('r').getField('temp').alias('temp'))
      .writeStream.format('memory')
      .queryName('decoded')
      .start()
    const pub = await client()
    await publish(pub, `${prefix}/t`, ['{"device":"d1","temp":20.5}', '{"device":"d2","temp":19}'])
    const rows = await untilRows(q, session, 'decoded', 2)
    await q.stop()
    expect(rows).toEqual([
      { device: 'd1', temp: 20.5 },
      { device: 'd2', temp: 19 },
    ])
  })

  it('subscribes to several filters with + and # wildcards', async () => {
    const prefix = uniquePrefix()
    const session = newSession()
    const q = await mqttStream(session, {
      topics: `${prefix}/+/temp, ${prefix}/alerts/#`,
      clientId: sessionId(),
    })
      .writeStream.format('memory')
      .queryName('wild')
      .start()
    const pub = await client()
    await publish(pub, `${prefix}/kitchen/temp`, ['k'])
    await publish(pub, `${prefix}/kitchen/humidity`, ['not matched'])
    await publish(pub, `${prefix}/kitchen/temp/raw`, ['not matched either'])
    await publish(pub, `${prefix}/alerts/fire/floor1`, ['fire'])
    await publish(pub, `${prefix}/alerts`, ['parent level'])
    await publish(pub, `${prefix}/garage/temp`, ['g'])
    const rows = await untilRows(q, session, 'wild', 4)
    await sleep(200)
    const all = (await session.table('wild').collect()) as Row[]
    await q.stop()
    expect(all.map((r) => `${r.topic}=${text(r.payload)}`).sort()).toEqual(
      [
        `${prefix}/kitchen/temp=k`,
        `${prefix}/alerts/fire/floor1=fire`,
        `${prefix}/alerts=parent level`,
        `${prefix}/garage/temp=g`,
      ].sort(),
    )
    expect(rows.length).toBe(4)
  })

  it('marks retained messages and reads QoS 0 subscriptions as qos 0', async () => {
    const prefix = uniquePrefix()
    const pub = await client()
    await publish(pub, `${prefix}/status`, ['online'], { retain: true })
    // An empty retained message deletes the retained one, so the broker keeps nothing of the test.
    onCleanup(() => publish(pub, `${prefix}/status`, [''], { retain: true }))
    const session = newSession()
    const q = await mqttStream(session, { topics: `${prefix}/status`, qos: 0, cleanSession: true })
      .writeStream.format('memory')
      .queryName('retained')
      .start()
    await publish(pub, `${prefix}/status`, ['busy'], { qos: 0 })
    const rows = await untilRows(q, session, 'retained', 2)
    await q.stop()
    expect(rows.map((r) => [text(r.payload), r.retained, r.qos])).toEqual([
      ['online', true, 0],
      ['busy', false, 0],
    ])
    expect(q.recentProgress.at(-1)!.sources[0].metrics.deliveryGuarantee).toBe('at-most-once')
  })

  it('keeps QoS 1 messages published while the query is stopped (persistent session)', async () => {
    const prefix = uniquePrefix()
    const clientId = sessionId()
    const checkpoint = tempDir()
    const session = newSession()
    const start = (name: string) =>
      mqttStream(session, { topics: `${prefix}/#`, clientId })
        .writeStream.format('memory')
        .queryName(name)
        .option('checkpointLocation', checkpoint)
        .start()
    const pub = await client()

    const q1 = await start('run1')
    await publish(pub, `${prefix}/a`, ['1', '2'])
    expect((await untilRows(q1, session, 'run1', 2)).map((r) => text(r.payload))).toEqual(['1', '2'])
    await q1.stop()

    await publish(pub, `${prefix}/a`, ['3', '4'])
    await publish(pub, `${prefix}/b`, ['5'])

    const q2 = await start('run2')
    const rows = await untilRows(q2, session, 'run2', 3)
    await publish(pub, `${prefix}/a`, ['6'])
    const more = await untilRows(q2, session, 'run2', 4)
    await q2.stop()
    expect(rows.map((r) => text(r.payload))).toEqual(['3', '4', '5'])
    expect(more.map((r) => text(r.payload))).toEqual(['3', '4', '5', '6'])
  })

  it('receives again the messages of a batch that failed before its commit (at least once)', async () => {
    const prefix = uniquePrefix()
    const clientId = sessionId()
    const checkpoint = tempDir()
    const session = newSession()
    const pub = await client()
    const stream = () => mqttStream(session, { topics: `${prefix}/in`, clientId })

    // Run 1 fails in the sink on the batch that holds 'boom': that batch is never committed.
    const seen1: string[] = []
    const q1 = await stream()
      .writeStream.foreachBatch(async (batch) => {
        const payloads = ((await batch.collect()) as Row[]).map((r) => text(r.payload))
        if (payloads.includes('boom')) throw new Error('sink failed')
        seen1.push(...payloads)
      })
      .option('checkpointLocation', checkpoint)
      .start()
    await publish(pub, `${prefix}/in`, ['a'])
    for (let i = 0; i < 200 && seen1.length < 1; i++) {
      await q1.processAllAvailable()
      await sleep(20)
    }
    await publish(pub, `${prefix}/in`, ['boom', 'b'])
    await expect(q1.awaitTermination(10_000)).rejects.toThrow(/sink failed/)

    // Run 2, same checkpoint and client id: the broker sends the unacknowledged messages again.
    const seen2: string[] = []
    const q2 = await stream()
      .writeStream.foreachBatch(async (batch) => {
        seen2.push(...((await batch.collect()) as Row[]).map((r) => text(r.payload)))
      })
      .option('checkpointLocation', checkpoint)
      .start()
    for (let i = 0; i < 300 && seen2.length < 2; i++) {
      await q2.processAllAvailable()
      await sleep(20)
    }
    await q2.stop()
    expect(seen1).toEqual(['a'])
    expect(seen2).toEqual(['boom', 'b'])
    const replayed = q2.recentProgress.map((p) => p.sources[0].metrics.replayedFromEarlierRun)
    expect(replayed.at(-1)).toBeGreaterThanOrEqual(1)
  })

  it('admits at most maxMessagesPerTrigger messages per batch', async () => {
    const prefix = uniquePrefix()
    const session = newSession()
    const pub = await client()
    const q = await mqttStream(session, {
      topics: `${prefix}/x`,
      maxMessagesPerTrigger: 2,
      clientId: sessionId(),
    })
      .writeStream.format('memory')
      .queryName('limited')
      .start()
    await publish(pub, `${prefix}/x`, ['1', '2', '3', '4', '5'])
    await untilRows(q, session, 'limited', 5)
    await q.stop()
    const sizes = q.recentProgress.map((p) => p.numInputRows).filter((n) => n > 0)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5)
  })

  it("a full buffer (QoS 0) drops and counts messages with onBufferFull 'drop', or fails the query", async () => {
    for (const onBufferFull of ['drop', 'fail'] as const) {
      const prefix = uniquePrefix()
      const session = newSession()
      const pub = await client()
      let release!: () => void
      const gate = new Promise<void>((r) => {
        release = r
      })
      let held = false
      const q = await mqttStream(session, {
        topics: `${prefix}/q0`,
        qos: 0,
        cleanSession: true,
        maxBufferedRows: 3,
        onBufferFull,
      })
        .writeStream.foreachBatch(async (batch) => {
          if ((await batch.count()) > 0 && !held) {
            held = true
            await gate
          }
        })
        .option('checkpointLocation', tempDir())
        .start()
      await publish(pub, `${prefix}/q0`, ['first'], { qos: 0 })
      for (let i = 0; i < 500 && !held; i++) await sleep(10)
      // The first batch holds 'first'; 2 more fit, the other 8 overflow.
      await publish(
        pub,
        `${prefix}/q0`,
        Array.from({ length: 10 }, (_, i) => `m${i}`),
        { qos: 0 },
      )
      const delivered = async () => {
        const m = q.lastProgress?.sources[0].metrics as Record<string, number> | undefined
        return (m?.messagesReceived ?? 0) + (m?.messagesDroppedBufferFull ?? 0)
      }
      // Give the broker time to deliver all 10 while the batch is held.
      await sleep(300)
      release()
      if (onBufferFull === 'drop') {
        for (let i = 0; i < 300 && (await delivered()) < 11; i++) {
          await q.processAllAvailable()
          await sleep(10)
        }
        expect(q.lastProgress!.sources[0].metrics).toMatchObject({
          messagesReceived: 3,
          messagesDroppedBufferFull: 8,
        })
        await q.stop()
      } else {
        await expect(q.awaitTermination(10_000)).rejects.toThrow(
          /SOURCE_BUFFER_FULL: MqttSource\[.*\] buffered 3 messages .*maxBufferedRows=3/,
        )
      }
    }
  })

  it('fails start() naming host and port when the broker is unreachable, without the password', async () => {
    const session = newSession()
    const start = mqttStream(session, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      topics: 'a/b',
      username: 'u',
      password: 'secret-password',
    })
      .writeStream.format('memory')
      .queryName('nowhere')
      .start()
    await expect(start).rejects.toThrow(/MQTT_CONNECT_FAILED.*127\.0\.0\.1:1 \(ECONNREFUSED\).*brokerUrl/)
    await start.catch((e: Error) => expect(e.message).not.toContain('secret-password'))
  })
})
