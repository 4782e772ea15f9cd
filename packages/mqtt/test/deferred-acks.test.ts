/**
 * DeferredAcks against the local Mosquitto, with a plain mqtt.js client: what the broker
 * sends again depends only on which PUBACKs left the client.
 */
import { randomUUID } from 'node:crypto'
import { requireService } from '@tributary/testing'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { type AckTicket, DeferredAcks } from '../src/deferred-acks.js'
import { BROKER, client, dropSession, onCleanup, publish, sleep, uniquePrefix } from './helpers.js'

const mosquitto = await requireService('Mosquitto', '127.0.0.1', 1883)

interface Got {
  payload: string
  ticket: AckTicket | 'duplicate' | null
}

/** A persistent-session subscriber whose PUBACKs are held by DeferredAcks. */
async function heldSubscriber(clientId: string, filter: string) {
  const opts: IClientOptions = {
    clientId,
    clean: false,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: 300 },
    reconnectPeriod: 100,
  }
  const c: MqttClient = connect(BROKER, opts)
  const acks = DeferredAcks.install(c)
  const got: Got[] = []
  c.on('message', (_t, payload, packet) =>
    got.push({ payload: payload.toString(), ticket: acks.hold(packet.messageId!) }),
  )
  await new Promise((r) => c.once('connect', r))
  await c.subscribeAsync(filter, { qos: 1 })
  return { c, acks, got }
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 300 && !cond(); i++) await sleep(10)
}

describe.skipIf(!mosquitto.available)('deferred acknowledgements (Mosquitto)', () => {
  it('the broker resends exactly the messages whose PUBACK was held, and they are recognized as duplicates', async () => {
    const prefix = uniquePrefix()
    const id = `trib-acks-${randomUUID().slice(0, 8)}`
    onCleanup(() => dropSession(id))
    const pub = await client()
    const s = await heldSubscriber(id, `${prefix}/#`)
    expect(s.acks.active).toBe(true)
    await publish(pub, `${prefix}/m`, ['1', '2', '3'])
    await until(() => s.got.length >= 3)
    expect(s.acks.heldCount).toBe(3)

    // Acknowledge the first; then drop the connection: the client reconnects to the same session.
    s.acks.release([s.got[0].ticket as AckTicket])
    expect(s.acks.sentCount).toBe(1)
    await sleep(50)
    s.c.stream.destroy()
    await until(() => s.got.length >= 5)
    expect(s.got.slice(3)).toEqual([
      { payload: '2', ticket: 'duplicate' },
      { payload: '3', ticket: 'duplicate' },
    ])

    // Acknowledge the rest after the reconnection; a later session gets nothing again.
    s.acks.release(s.got.slice(1, 3).map((g) => g.ticket as AckTicket))
    await sleep(50)
    await s.c.endAsync()
    const again = await heldSubscriber(id, `${prefix}/#`)
    await sleep(300)
    await again.c.endAsync()
    expect(again.got).toEqual([])
  })
})
