/**
 * session.read of a table or query into a static DataFrame (schema from the server at
 * load()), and df.write with each save mode.
 */
import { col, schema, sum } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { executeSql } from '../src/index.js'
import { newSession, num, tableName, targets } from './helpers.js'

for (const t of targets) {
  describe.skipIf(!t.check.available)(`${t.label} batch read and write`, () => {
    it('reads a table with its types mapped, at load() and without .schema()', async () => {
      const table = tableName(t, 'read')
      if (t.format === 'postgres') {
        await t.sql(`CREATE TABLE ${t.q(table)} (
          id BIGINT PRIMARY KEY, small SMALLINT, n INTEGER, r REAL, d DOUBLE PRECISION, price NUMERIC(10,2),
          ok BOOLEAN, name VARCHAR(20), body TEXT, at TIMESTAMPTZ, local_at TIMESTAMP, day DATE,
          raw BYTEA, doc JSONB, nums INTEGER[], u UUID)`)
        await t.sql(
          `INSERT INTO ${t.q(table)} VALUES (1, 2, 3, 1.5, 2.25, 9.99, true, 'ann', 'text', '2024-05-06T07:08:09.123Z', '2024-05-06 07:08:09.5', '2024-05-06', '\\x01ff', '{"a": 1}', '{1,2,3}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
                  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
        )
      } else {
        await t.sql(`CREATE TABLE ${t.q(table)} (
          id BIGINT PRIMARY KEY, small SMALLINT, n INT, r FLOAT, d DOUBLE, price DECIMAL(10,2),
          ok BOOLEAN, name VARCHAR(20), body TEXT, at DATETIME(3), local_at TIMESTAMP(1) NULL, day DATE,
          raw VARBINARY(10), doc JSON, nums TEXT, u CHAR(36))`)
        await t.sql(
          `INSERT INTO ${t.q(table)} VALUES (1, 2, 3, 1.5, 2.25, 9.99, true, 'ann', 'text', '2024-05-06 07:08:09.123', '2024-05-06 07:08:09.5', '2024-05-06', X'01ff', '{"a": 1}', '[1,2,3]', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
                  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
        )
      }
      const session = newSession()
      const df = session.read.format(t.format).options(t.options).option('table', table).load()
      expect(df.isStreaming).toBe(false)
      const types = Object.fromEntries(df.schema.fields.map((f) => [f.name, f.type.kind]))
      expect(types).toEqual({
        id: 'long',
        small: 'int',
        n: 'int',
        r: 'float',
        d: 'double',
        price: 'double',
        ok: 'boolean',
        name: 'string',
        body: 'string',
        at: 'timestamp',
        local_at: 'timestamp',
        day: 'date',
        raw: 'binary',
        doc: 'string',
        nums: t.format === 'postgres' ? 'array' : 'string',
        u: 'string',
      })
      const rows = (await df.orderBy('id').collect()) as Record<string, unknown>[]
      expect(rows).toHaveLength(2)
      const [a, b] = rows
      expect(a).toMatchObject({
        id: 1,
        small: 2,
        n: 3,
        r: 1.5,
        d: 2.25,
        price: 9.99,
        ok: true,
        name: 'ann',
        body: 'text',
      })
      expect((a.at as Date).toISOString()).toBe('2024-05-06T07:08:09.123Z')
      // Timestamps without a zone are read as UTC.
      expect((a.local_at as Date).toISOString()).toBe('2024-05-06T07:08:09.500Z')
      expect((a.day as Date).toISOString()).toBe('2024-05-06T00:00:00.000Z')
      expect([...(a.raw as Uint8Array)]).toEqual([1, 255])
      expect(JSON.parse(a.doc as string)).toEqual({ a: 1 })
      if (t.format === 'postgres') expect(a.nums).toEqual([1, 2, 3])
      expect(a.u).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
      expect(Object.values(b).filter((v) => v !== null)).toEqual([2])
    })

    it('reads a query, and works with the DataFrame API on it', async () => {
      const table = tableName(t, 'query')
      await t.sql(`CREATE TABLE ${t.q(table)} (id INT, grp VARCHAR(5), v DOUBLE PRECISION)`)
      await t.sql(`INSERT INTO ${t.q(table)} VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 5), (4, 'c', 7)`)
      const session = newSession()
      const df = session.read
        .format(t.format)
        .options(t.options)
        .option('query', `SELECT grp, v * 2 AS v2 FROM ${t.q(table)} WHERE id < 4;`)
        .load()
      expect(df.schema.names).toEqual(['grp', 'v2'])
      const out = await df.groupBy('grp').agg(sum('v2').alias('total')).orderBy('grp').collect()
      expect(out.map((r) => Object.values(r))).toEqual([
        ['a', 6],
        ['b', 10],
      ])
      expect(await df.where(col('v2').gt(3)).count()).toBe(2)
    })

    it('takes a schema from .schema(...) without asking the server at load()', async () => {
      const table = tableName(t, 'given')
      await t.sql(`CREATE TABLE ${t.q(table)} (id INT, name VARCHAR(10), extra INT)`)
      await t.sql(`INSERT INTO ${t.q(table)} VALUES (1, 'x', 9)`)
      const session = newSession()
      const given = schema({ name: 'string', id: 'long' })
      // A wrong port: load() must not connect when the schema is given.
      const lazy = session.read
        .format(t.format)
        .options(t.options)
        .option('port', 1)
        .schema(given)
        .option('table', table)
        .load()
      expect(lazy.schema.names).toEqual(['name', 'id'])
      const df = session.read.format(t.format).options(t.options).schema(given).option('table', table).load()
      expect(await df.collect()).toEqual([{ name: 'x', id: 1 }])
    })

    it("df.write: creates a missing table; 'errorifexists', 'ignore', 'append', 'overwrite' (recreate and truncate)", async () => {
      const table = tableName(t, 'save')
      const session = newSession()
      const people = schema({ id: 'long', name: 'string' })
      const df = (rows: [number, string][]) =>
        session.createDataFrame(
          rows.map(([id, name]) => ({ id, name })),
          people,
        )
      const write = (rows: [number, string][]) =>
        df(rows).write.format(t.format).options(t.options).option('table', table)
      const names = async () =>
        (await t.sql(`SELECT id, name FROM ${t.q(table)} ORDER BY id`)).map((r) => `${num(r.id)}:${r.name}`)

      await write([[1, 'a']]).save()
      expect(await names()).toEqual(['1:a'])
      await expect(write([[2, 'b']]).save()).rejects.toThrow(
        /SQL_TABLE_EXISTS: table .* already exists.*mode\('append'\)/,
      )
      await write([[2, 'b']])
        .mode('ignore')
        .save()
      expect(await names()).toEqual(['1:a'])
      await write([[2, 'b']])
        .mode('append')
        .save()
      expect(await names()).toEqual(['1:a', '2:b'])

      // A column the DataFrame does not have: recreate drops it, truncate keeps it.
      await t.sql(`ALTER TABLE ${t.q(table)} ADD COLUMN note VARCHAR(10)`)
      await write([[3, 'c']])
        .mode('overwrite')
        .option('truncate', true)
        .save()
      expect(await names()).toEqual(['3:c'])
      expect(Object.keys((await t.sql(`SELECT * FROM ${t.q(table)}`))[0])).toContain('note')
      await write([
        [4, 'd'],
        [5, 'e'],
      ])
        .mode('overwrite')
        .save()
      expect(await names()).toEqual(['4:d', '5:e'])
      expect(Object.keys((await t.sql(`SELECT * FROM ${t.q(table)}`))[0])).not.toContain('note')

      // Upsert works for df.write too, once the table has a key (the recreated one has none).
      const upsert = () =>
        write([
          [5, 'E'],
          [6, 'f'],
        ])
          .mode('append')
          .options({ mode: 'upsert', keyColumns: 'id' })
          .save()
      await expect(upsert()).rejects.toThrow(/SQL_NO_UNIQUE_KEY: .*needs a primary key.*ADD PRIMARY KEY/)
      await t.sql(`ALTER TABLE ${t.q(table)} ADD PRIMARY KEY (id)`)
      await upsert()
      expect(await names()).toEqual(['4:d', '5:E', '6:f'])
    })

    it('executeSql runs one setup statement with bound parameters', async () => {
      const table = tableName(t, 'exec')
      const p = t.format === 'postgres' ? ['$1', '$2'] : ['?', '?']
      await executeSql(t.format, t.options, `CREATE TABLE ${t.q(table)} (id INT, name VARCHAR(20))`)
      const ins = await executeSql(
        t.format,
        t.options,
        `INSERT INTO ${t.q(table)} VALUES (${p[0]}, ${p[1]})`,
        [7, "it's; DROP TABLE x"],
      )
      expect(ins.rowCount).toBe(1)
      const sel = await executeSql(
        t.format,
        t.options,
        `SELECT id, name FROM ${t.q(table)} WHERE id = ${p[0]}`,
        [7],
      )
      expect(sel.rows).toEqual([{ id: 7, name: "it's; DROP TABLE x" }])
      await expect(executeSql(t.format, { ...t.options, tabel: 'x' }, 'SELECT 1')).rejects.toThrow(
        /unknown option 'tabel'/,
      )
    })

    if (t.format === 'postgres') {
      it('a failing overwrite leaves the table as it was (PostgreSQL DDL is transactional)', async () => {
        const table = tableName(t, 'atomic')
        await t.sql(`CREATE TABLE ${t.q(table)} (id BIGINT, name TEXT)`)
        await t.sql(`INSERT INTO ${t.q(table)} VALUES (1, 'kept')`)
        const session = newSession()
        const bad = session.createDataFrame(
          [
            { id: 1, name: 'x' },
            { id: 1, name: 'y' },
          ],
          schema({ id: 'long', name: 'string' }),
        )
        // Recreated with id as primary key, the duplicate id fails the insert after the drop.
        await expect(
          bad.write
            .format('postgres')
            .options(t.options)
            .options({ table, keyColumns: 'id' })
            .mode('overwrite')
            .save(),
        ).rejects.toThrow(/duplicate key/)
        expect(await t.sql(`SELECT name FROM ${t.q(table)}`)).toEqual([{ name: 'kept' }])
      })
    }
  })
}
