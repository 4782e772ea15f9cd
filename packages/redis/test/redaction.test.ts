/** Secrets never printed: the Redis URL password and password in readers, DataFrames, writers and queries. */
import { inspect } from 'node:util'
import { MemoryStream, schema } from '@tributary/core'
import '@tributary/redis'
import { describe, expect, it } from 'vitest'
import { newSession } from './helpers.js'

const SECRET = 'Hunter2-s3cret'

/** Every way a user prints an object. */
const printed = (x: unknown): string[] => [
  inspect(x, { depth: Number.POSITIVE_INFINITY }),
  inspect(x),
  String(x),
  JSON.stringify(x) ?? '',
]

describe('redis: nothing prints the password', () => {
  it('readers, DataFrames and writers', () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    const shown = [
      session.readStream
        .format('redis')
        .options({ url: `redis://:${SECRET}@127.0.0.1:6379/0`, streams: 's' }),
      session.readStream.format('redis').options({ username: 'u', password: SECRET, streams: 's' }).load(),
      input
        .toDF()
        .writeStream.format('redis')
        .options({ url: `rediss://u:${SECRET}@cache:6380`, stream: 's' }),
    ].flatMap(printed)
    for (const text of shown) expect(text).not.toContain(SECRET)
  })
})
