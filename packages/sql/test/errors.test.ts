/**
 * What a user sees when something is wrong: the server named by host and port, the cause,
 * the way out — and never the password, in any message, stack, cause, progress report or
 * console line.
 */
import { MemoryStream, type StreamingQuery, schema } from '@tributary/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { newSession, onCleanup, type Target, tableName, targets, tempDir } from './helpers.js'

const rows = schema({ id: 'long', name: 'string' })

/** Everything printed while the test runs. */
let printed: string[] = []
beforeEach(() => {
  printed = []
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '))
    })
  }
  const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
    printed.push(String(chunk))
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined
    cb?.()
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write)
  vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write)
})
afterEach(() => {
  vi.restoreAllMocks()
})

/** Every text an error carries: message, stack, and the same for each cause, plus its fields. */
function allText(e: unknown): string {
  const parts: string[] = []
  let cur: unknown = e
  for (let depth = 0; cur && depth < 10; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message, cur.stack ?? '', String(cur))
      parts.push(JSON.stringify(Object.fromEntries(Object.entries(cur))))
      cur = (cur as { cause?: unknown }).cause
    } else {
      parts.push(JSON.stringify(cur))
      break
    }
  }
  return parts.join('\n')
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    return e as Error
  }
  throw new Error('expected an error')
}

function startStream(t: Target, options: Record<string, string | boolean>): Promise<StreamingQuery> {
  const session = newSession()
  const input = new MemoryStream(session, rows)
  input.addData([{ id: 1, name: 'a' }])
  return input
    .toDF()
    .writeStream.format(t.format)
    .options(options)
    .option('checkpointLocation', tempDir())
    .start()
}

const SECRET = 'Sup3r$ecret/p@ss:word'
const ENCODED = encodeURIComponent(SECRET)

function expectNoSecret(text: string): void {
  expect(text).not.toContain(SECRET)
  expect(text).not.toContain(ENCODED)
}

for (const t of targets) {
  describe.skipIf(!t.check.available)(`${t.label} errors`, () => {
    it('an unreachable server: the message names host and port, from start() and from load()', async () => {
      const e = await caught(
        startStream(t, { ...t.options, port: '1', password: SECRET, table: 'x', connectTimeout: '2s' }),
      )
      expect(e.message).toMatch(
        /SQL_UNREACHABLE: cannot reach .* at 127\.0\.0\.1:1 .*ECONNREFUSED.*host and port/,
      )
      expectNoSecret(allText(e))
      const session = newSession()
      const e2 = await caught(() =>
        session.read
          .format(t.format)
          .options(t.options)
          .options({ port: '1', password: SECRET, table: 'x' })
          .load(),
      )
      expect(e2.message).toMatch(/SQL_UNREACHABLE: cannot reach .* at 127\.0\.0\.1:1/)
      expectNoSecret(allText(e2))
      expectNoSecret(printed.join('\n'))
    })

    it('an authentication failure names the user, never the password, also when the url holds it', async () => {
      // PostgreSQL here trusts every known role: an unknown role is its authentication failure.
      const user = t.format === 'postgres' ? 'no_such_role_x' : 'root'
      const url = `${t.format}://${user}:${ENCODED}@127.0.0.1:${t.options.port}/test`
      const attempts: Record<string, string>[] = [
        { ...t.options, user, password: SECRET, table: 'x' },
        { url, table: 'x' },
      ]
      for (const options of attempts) {
        const e = await caught(startStream(t, options))
        expect(e.message).toMatch(
          new RegExp(`SQL_AUTH_FAILED: .* refused user '${user}'.*password is not shown`),
        )
        expectNoSecret(allText(e))
        const session = newSession()
        const e2 = await caught(() => session.read.format(t.format).options(options).load())
        expect(e2.message).toMatch(/SQL_AUTH_FAILED/)
        expectNoSecret(allText(e2))
      }
      expectNoSecret(printed.join('\n'))
    })

    if (t.format === 'postgres') {
      it('a query failing mid-stream with the password in its url: no secret in the exception, progress or output', async () => {
        // Trust authentication accepts any password: the connection works and the password is live.
        const table = tableName(t, 'secret')
        await t.sql(`CREATE TABLE ${t.q(table)} (id BIGINT CHECK (id < 10), name TEXT)`)
        const url = `postgres://postgres:${ENCODED}@127.0.0.1:${t.options.port}/test`
        const session = newSession()
        const input = new MemoryStream(session, rows)
        const q = await input
          .toDF()
          .writeStream.format('postgres')
          .options({ url, table })
          .option('checkpointLocation', tempDir())
          .start()
        input.addData([{ id: 1, name: 'a' }])
        await q.processAllAvailable()
        expectNoSecret(JSON.stringify(q.recentProgress))
        input.addData([{ id: 99, name: 'b' }])
        const e = await caught(q.awaitTermination())
        expect(allText(e)).toMatch(/check constraint/)
        expectNoSecret(allText(e))
        expectNoSecret(JSON.stringify(q.recentProgress))
        expectNoSecret(printed.join('\n'))
      })
    }

    it('an unknown database says to create it or fix the option', async () => {
      const e = await caught(startStream(t, { ...t.options, database: 'no_such_db_here', table: 'x' }))
      expect(e.message).toMatch(/SQL_(UNKNOWN_DATABASE|AUTH_FAILED).*no_such_db_here/)
    })

    it('an unknown option is refused with the near match', async () => {
      const e = await caught(startStream(t, { ...t.options, tabel: 'x' }))
      expect(e.message).toMatch(/unknown option 'tabel'\. Did you mean 'table'\?/)
      const e2 = await caught(startStream(t, { ...t.options, table: 'x', keyColumn: 'id' }))
      expect(e2.message).toMatch(/unknown option 'keyColumn'\. Did you mean 'keyColumns'\?/)
      const session = newSession()
      expect(() =>
        session.read.format(t.format).options(t.options).option('qurey', 'SELECT 1').load(),
      ).toThrow(/unknown option 'qurey'\. Did you mean 'query'\?/)
    })

    it('a missing table without autoCreate says to create it or set autoCreate', async () => {
      const table = tableName(t, 'missing')
      const e = await caught(startStream(t, { ...t.options, table, mode: 'upsert', keyColumns: 'id' }))
      expect(e.message).toBe(
        `SQL_TABLE_NOT_FOUND: table ${table} does not exist. Create it, or set .option('autoCreate', true) to create it from the DataFrame's schema with primary key (id).`,
      )
      const session = newSession()
      expect(() => session.read.format(t.format).options(t.options).option('table', table).load()).toThrow(
        /SQL_TABLE_NOT_FOUND: table .* does not exist/,
      )
    })

    it('option mistakes: upsert without keys, a non-boolean delete flag, an unknown mode, table and query together', async () => {
      expect((await caught(startStream(t, { ...t.options, table: 'x', mode: 'upsert' }))).message).toMatch(
        /mode 'upsert' needs option 'keyColumns'/,
      )
      expect(
        (
          await caught(
            startStream(t, { ...t.options, table: 'x', keyColumns: 'id', deleteFlagColumn: 'name' }),
          )
        ).message,
      ).toMatch(/'deleteFlagColumn' names 'name', which is string; it must be a boolean column/)
      expect((await caught(startStream(t, { ...t.options, table: 'x', mode: 'merge' }))).message).toMatch(
        /option 'mode' must be one of 'insert', 'upsert', 'delete', got 'merge'/,
      )
      expect(
        (await caught(startStream(t, { ...t.options, table: 'x', keyColumns: 'idd', mode: 'upsert' })))
          .message,
      ).toMatch(/column 'idd' does not exist\. Did you mean 'id'\?/)
      const session = newSession()
      expect(() =>
        session.read.format(t.format).options(t.options).options({ table: 'x', query: 'SELECT 1' }).load(),
      ).toThrow(/give option 'table' or option 'query', not both/)
      expect(() => session.read.format(t.format).options(t.options).load()).toThrow(
        /option 'table' or option 'query' is required/,
      )
      expect(() =>
        session.readStream.format(t.format).options(t.options).option('table', 'x').load(),
      ).toThrow(/reads a table once \(session\.read\), not as a stream/)
    })

    it('upsert into a table without a matching unique key is refused at start', async () => {
      const table = tableName(t, 'nokey')
      await t.sql(`CREATE TABLE ${t.q(table)} (id BIGINT, name TEXT)`)
      const e = await caught(startStream(t, { ...t.options, table, mode: 'upsert', keyColumns: 'id' }))
      expect(e.message).toMatch(
        /SQL_NO_UNIQUE_KEY: mode 'upsert' with keyColumns id needs a primary key or unique index/,
      )
    })

    it('names are quoted, never spliced: a table name holding quotes and SQL is just a name', async () => {
      const weird = `${tableName(t, 'q')}${t.format === 'postgres' ? '"' : '`'}; DROP TABLE x; --`
      // The option takes the name SQL-quoted (it holds a quote); the dialect quotes it again.
      const quoted =
        t.format === 'postgres' ? `"${weird.replaceAll('"', '""')}"` : `\`${weird.replaceAll('`', '``')}\``
      onCleanup(() => t.sql(`DROP TABLE IF EXISTS ${quoted}`).then(() => {}))
      const session = newSession()
      const df = session.createDataFrame([{ id: 1, name: "O'Brien" }], rows)
      await df.write.format(t.format).options(t.options).option('table', quoted).save()
      expect(await t.sql(`SELECT name FROM ${quoted}`)).toEqual([{ name: "O'Brien" }])
      const bad = session.createDataFrame(
        [{ id: 1, 'na\u0000me': 'x' }],
        schema({ id: 'long', 'na\u0000me': 'string' }),
      )
      await expect(
        bad.write.format(t.format).options(t.options).option('table', tableName(t, 'nul')).save(),
      ).rejects.toThrow(/INVALID_IDENTIFIER: the column name .* contains a control character/)
    })

    if (t.format === 'mysql') {
      it('a table in a non-transactional engine is refused: exactly-once needs rollback', async () => {
        const table = tableName(t, 'myisam')
        await t.sql(`CREATE TABLE ${t.q(table)} (id BIGINT, name TEXT) ENGINE=MyISAM`)
        const e = await caught(startStream(t, { ...t.options, table }))
        expect(e.message).toMatch(
          /SQL_NOT_TRANSACTIONAL: table .* uses the MyISAM storage engine.*ENGINE=InnoDB/,
        )
      })
    }
  })
}
