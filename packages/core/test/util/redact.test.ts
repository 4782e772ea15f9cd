/** Secrets never printed: options by name, URL passwords in any value, every print path. */
import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryStream, Options, redactOptions, redactText, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const SECRET = 'Hunter2-s3cret'

/** Every way a user prints an object. */
export function printed(x: unknown): string[] {
  return [inspect(x, { depth: Number.POSITIVE_INFINITY }), inspect(x), String(x), JSON.stringify(x) ?? '']
}

const secretOptions = {
  password: SECRET,
  'kafka.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${SECRET}";`,
  token: SECRET,
  url: `postgres://alice:${SECRET}@db.example:5432/app?sslmode=require`,
  servers: `nats://bob:${SECRET}@127.0.0.1:4222,nats://127.0.0.1:4223`,
  path: 'orders',
}

describe('redaction', () => {
  it('replaces secret options by name and URL passwords in the others', () => {
    expect(redactOptions(secretOptions)).toEqual({
      password: '***',
      'kafka.sasl.jaas.config': '***',
      token: '***',
      url: 'postgres://alice:***@db.example:5432/app?sslmode=require',
      servers: 'nats://bob:***@127.0.0.1:4222,nats://127.0.0.1:4223',
      path: 'orders',
    })
    expect(redactText('redis://:pw@h:6379/0 and jdbc:mysql://h/db?user=u&password=pw&x=1')).toBe(
      'redis://:***@h:6379/0 and jdbc:mysql://h/db?user=u&password=***&x=1',
    )
  })

  it('never shows the password of a URL, whatever its characters', () => {
    const password = fc.string({ minLength: 4 }).filter((s) => !/[\s@/?#:]/.test(s))
    fc.assert(
      fc.property(password, fc.constantFrom('postgres', 'nats', 'redis', 'mqtts'), (pw, scheme) => {
        const shown = redactText(`${scheme}://user:${encodeURIComponent(pw)}@host:1/x`)
        expect(shown).toBe(`${scheme}://user:***@host:1/x`)
      }),
    )
  })

  it('Options, readers, DataFrames, writers and queries print no secret', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    const reader = session.readStream.format('rate').options(secretOptions)
    const batchReader = session.read.format('json').options(secretOptions)
    const writer = input.toDF().writeStream.format('memory').queryName('redact').options(secretOptions)
    const batchWriter = session.range(3).write.options(secretOptions)
    const query = await input
      .toDF()
      .writeStream.foreachBatch(async () => {})
      .option('checkpointLocation', tempDir())
      .start()
    input.addData([{ value: 'a' }])
    await query.processAllAvailable()
    const shown = [
      new Options(secretOptions, 'sink'),
      reader,
      batchReader,
      input.toDF(),
      writer,
      batchWriter,
      query,
      session,
    ].flatMap(printed)
    for (const text of shown) expect(text).not.toContain(SECRET)
    // What is shown is still useful.
    expect(inspect(query)).toMatch(new RegExp(`^StreamingQuery \\{\\n  id: '${query.id}'`))
    expect(inspect(writer)).toContain("url: 'postgres://alice:***@db.example:5432/app?sslmode=require'")
    expect(String(input.toDF())).toBe('DataFrame[value: string]')
    await query.stop()
  })
})
