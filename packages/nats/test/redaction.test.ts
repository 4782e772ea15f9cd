/** Secrets never printed: the NATS URL password, password and token in readers, DataFrames, writers and queries. */
import { inspect } from 'node:util'
import { MemoryStream, schema } from '@tributary/core'
import '@tributary/nats'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import { NATS_HOST, NATS_PORT, newSession, tempDir, testStream } from './helpers.js'

const SECRET = 'Hunter2-s3cret'

/** Every way a user prints an object. */
const printed = (x: unknown): string[] => [
  inspect(x, { depth: Number.POSITIVE_INFINITY }),
  inspect(x),
  String(x),
  JSON.stringify(x) ?? '',
]

const nats = await requireService('NATS', NATS_HOST, NATS_PORT)

describe('nats: nothing prints the password', () => {
  const url = `nats://tributary:${SECRET}@${NATS_HOST}:${NATS_PORT}`
  it('readers, DataFrames and writers', () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    const shown = [
      session.readStream.format('nats').options({ servers: url, stream: 'S' }),
      session.readStream.format('nats').options({ stream: 'S', user: 'u', password: SECRET }).load(),
      session.readStream.format('jetstream').options({ stream: 'S', token: SECRET }).load(),
      input.toDF().writeStream.format('nats').options({ servers: url, subject: 'a.b' }),
    ].flatMap(printed)
    for (const text of shown) expect(text).not.toContain(SECRET)
  })

  it.skipIf(!nats.available)('a running query reading a stream with credentials in the URL', async () => {
    const stream = await testStream()
    await stream.publish(`${stream.prefix}.x`, ['one'])
    const session = newSession()
    const query = await session.readStream
      .format('nats')
      .options({ servers: url, stream: stream.name, startingPosition: 'earliest' })
      .load()
      .writeStream.format('memory')
      .queryName('natsredact')
      .option('checkpointLocation', tempDir())
      .start()
    await query.processAllAvailable()
    for (const text of [query, session].flatMap(printed)) expect(text).not.toContain(SECRET)
    await query.stop()
  })
})
