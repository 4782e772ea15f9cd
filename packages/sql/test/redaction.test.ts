/** Secrets never printed: the PostgreSQL password and url in readers, DataFrames, writers and queries. */
import { inspect } from 'node:util'
import { MemoryStream, schema } from '@tributary/core'
import '@tributary/sql'
import { describe, expect, it } from 'vitest'
import { newSession, targets, tempDir } from './helpers.js'

const SECRET = 'Hunter2-s3cret'

/** Every way a user prints an object. */
const printed = (x: unknown): string[] => [
  inspect(x, { depth: Number.POSITIVE_INFINITY }),
  inspect(x),
  String(x),
  JSON.stringify(x) ?? '',
]

const pg = targets.find((t) => t.format === 'postgres')!

describe.skipIf(!pg.check.available)('postgres: nothing prints the password', () => {
  it('readers, DataFrames, writers and a running query', async () => {
    const session = newSession()
    const secretOptions = { ...pg.options, password: SECRET }
    const urlOptions = {
      url: `postgres://${pg.options.user}:${SECRET}@${pg.options.host}:${pg.options.port}/${pg.options.database}`,
    }
    const input = new MemoryStream(session, schema({ id: 'long', name: 'string' }))
    const table = `redact_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
    const writer = input
      .toDF()
      .writeStream.format('postgres')
      .options({ ...urlOptions, table, autoCreate: true })
    const query = await writer.option('checkpointLocation', tempDir()).start()
    input.addData([{ id: 1, name: 'a' }])
    await query.processAllAvailable()
    const df = session.read
      .format('postgres')
      .options({ ...secretOptions, dbtable: table })
      .load()
    expect(await df.count()).toBe(1)
    const shown = [
      session.read.format('postgres').options(secretOptions),
      session.read.format('postgres').options(urlOptions),
      df,
      writer,
      input
        .toDF()
        .write.format('postgres')
        .options({ ...secretOptions, table }),
      query,
      session,
    ].flatMap(printed)
    for (const text of shown) expect(text).not.toContain(SECRET)
    await query.stop()
    await pg.sql(`DROP TABLE IF EXISTS ${pg.q(table)}`)
  })
})
