/** Secrets never printed: the MQTT password (option or URL) in readers, DataFrames, writers and queries. */
import { inspect } from 'node:util'
import { MemoryStream, schema } from '@tributary/core'
import '@tributary/mqtt'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import { newSession, tempDir, uniquePrefix } from './helpers.js'

const SECRET = 'Hunter2-s3cret'

/** Every way a user prints an object. */
const printed = (x: unknown): string[] => [
  inspect(x, { depth: Number.POSITIVE_INFINITY }),
  inspect(x),
  String(x),
  JSON.stringify(x) ?? '',
]

const mqtt = await requireService('Mosquitto', '127.0.0.1', 1883)

describe('mqtt: nothing prints the password', () => {
  it('readers, DataFrames and writers', () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ payload: 'string' }))
    const shown = [
      session.readStream
        .format('mqtt')
        .options({ brokerUrl: `mqtt://u:${SECRET}@127.0.0.1:1883`, topics: 'a/#' }),
      session.readStream.format('mqtt').options({ username: 'u', password: SECRET, topics: 'a/#' }).load(),
      input.toDF().writeStream.format('mqtt').options({ username: 'u', password: SECRET, topic: 'a/b' }),
    ].flatMap(printed)
    for (const text of shown) expect(text).not.toContain(SECRET)
  })

  it.skipIf(!mqtt.available)('a running query with a password', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ payload: 'string' }))
    const query = await input
      .toDF()
      .writeStream.format('mqtt')
      .options({ brokerUrl: `mqtt://tributary:${SECRET}@127.0.0.1:1883`, topic: `${uniquePrefix()}/out` })
      .option('checkpointLocation', tempDir())
      .start()
    input.addData([{ payload: 'x' }])
    await query.processAllAvailable()
    for (const text of [query, session].flatMap(printed)) expect(text).not.toContain(SECRET)
    await query.stop()
  })
})
