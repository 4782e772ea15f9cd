import { MemoryStream, schema } from '@tributary/core'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { newSession, REDIS_HOST, REDIS_PORT, tempDir, testKeys, URL } from './helpers.js'

const check = await requireService('Redis', REDIS_HOST, REDIS_PORT)

const startSource = (options: Record<string, string | number>) =>
  newSession()
    .readStream.format('redis')
    .options(options)
    .load()
    .writeStream.format('memory')
    .queryName('q')
    .option('checkpointLocation', tempDir())
    .start()

const startSink = (
  options: Record<string, string | number>,
  cols = schema({ user: 'string', total: 'long' }),
) =>
  new MemoryStream(newSession(), cols)
    .toDF()
    .writeStream.format('redis')
    .options(options)
    .option('checkpointLocation', tempDir())
    .start()

describe('redis options', () => {
  it('refuses an unknown option with near matches', () => {
    expect(() =>
      newSession().readStream.format('redis').options({ streams: 's', maxEntryPerTrigger: 5 }).load(),
    ).toThrow(/unknown option 'maxEntryPerTrigger'\. Did you mean 'maxEntriesPerTrigger'\?/)
  })

  it('asks for the streams, and refuses a position it cannot read', () => {
    expect(() => newSession().readStream.format('redis').load()).toThrow(
      /source 'redis': option 'streams' is required\. Name the stream keys to read/,
    )
    expect(() =>
      newSession().readStream.format('redis').options({ streams: 's', startingPosition: 'yesterday' }).load(),
    ).toThrow(/option 'startingPosition' must be 'earliest' \('0-0'\), 'latest' \('\$'\) or an entry id/)
  })

  it('wants a schema for mode, and refuses types it cannot parse', () => {
    expect(() =>
      newSession().readStream.format('redis').options({ streams: 's', mode: 'FAILFAST' }).load(),
    ).toThrow(/SCHEMA_REQUIRED: options 'mode' and 'columnNameOfCorruptRecord' apply to typed fields/)
    expect(() =>
      newSession()
        .readStream.format('redis')
        .options({ streams: 's' })
        .schema(schema({ tags: { array: 'string' } }))
        .load(),
    ).toThrow(/INVALID_SCHEMA: the redis source cannot parse field 'tags' as array<string>/)
  })

  it('refuses sink options of another mode, and asks for key columns', async () => {
    await expect(startSink({ mode: 'hash', stream: 'x', keyColumns: 'user' })).rejects.toThrow(
      /option 'stream' applies to mode 'stream', not 'hash'/,
    )
    await expect(startSink({ mode: 'hash' })).rejects.toThrow(
      /option 'keyColumns' is required\. Mode 'hash' writes one key per row/,
    )
    await expect(startSink({ mode: 'hash', keyColumns: 'user', recordBatches: 'false' })).rejects.toThrow(
      /option 'recordBatches' applies to mode 'stream', not 'hash'/,
    )
    await expect(startSink({ stream: 'x', idColumn: 'user', recordBatches: 'true' })).rejects.toThrow(
      /options 'recordBatches' and 'idColumn' exclude each other/,
    )
    await expect(startSink({ mode: 'hash', keyColumns: 'usr' })).rejects.toThrow(
      /UNRESOLVED_COLUMN: column 'usr' does not exist\. Did you mean 'user'\?/,
    )
    await expect(startSink({})).rejects.toThrow(
      /REDIS_STREAM_REQUIRED: the redis sink in mode 'stream' needs a stream key: set option 'stream', or give the rows a 'stream' column/,
    )
  })
})

describe.skipIf(!check.available)('redis connection errors', () => {
  it('names host and port of an unreachable server, never the password', async () => {
    const err = (await startSource({
      url: 'redis://:pw-in-url@127.0.0.1:1',
      streams: 's',
      password: 's3cret',
    }).catch((e: Error) => e)) as Error
    expect(err.message).toMatch(
      /^REDIS_UNREACHABLE: cannot connect to Redis at 127\.0\.0\.1:1 \(ECONNREFUSED\)\. Start the server \(redis-server\), or fix option 'url'\.$/,
    )
    expect(err.message).not.toMatch(/s3cret|pw-in-url/)
  })

  it('says the login was refused without the secret, for the source and the sink', async () => {
    const src = (await startSource({ url: URL, streams: 's', username: 'nobody', password: 's3cret' }).catch(
      (e: Error) => e,
    )) as Error
    expect(src.message).toBe(
      "REDIS_AUTH_FAILED: Redis at 127.0.0.1:6379 refused the login (credentials from options 'username'/'password'): WRONGPASS invalid username-password pair or user is disabled. Check the username and password, or the server's ACL.",
    )
    const sink = (await startSink({ url: URL, stream: 's', username: 'nobody', password: 's3cret' }).catch(
      (e: Error) => e,
    )) as Error
    expect(sink.message).toMatch(/^REDIS_AUTH_FAILED: /)
    expect(`${src.message}${sink.message}`).not.toContain('s3cret')
  })

  it('names a key that is not a stream', async () => {
    const t = await testKeys()
    await t.redis.set(t.key('plain'), 'x')
    await expect(startSource({ url: URL, streams: t.key('plain') })).rejects.toThrow(
      `REDIS_NOT_A_STREAM: key '${t.key('plain')}' on 127.0.0.1:6379 holds another type than a stream.`,
    )
  })
})
