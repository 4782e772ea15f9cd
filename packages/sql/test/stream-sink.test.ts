/**
 * writeStream into real PostgreSQL and MariaDB: plain inserts, upserts that update the same
 * keys, deletes by flag, table creation and evolution, and the sink's progress metrics.
 */
import { MemoryStream, schema } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { newSession, num, tableName, targets, tempDir } from './helpers.js'

const events = schema({ id: 'long', name: 'string', amount: 'double', at: 'timestamp' })
type Event = { id: number; name: string; amount: number; at: Date }
const ev = (id: number, name = `n${id}`, amount = id * 1.5): Event => ({
  id,
  name,
  amount,
  at: new Date(Date.UTC(2024, 0, 1, 0, 0, id)),
})

for (const t of targets) {
  describe.skipIf(!t.check.available)(`${t.label} stream sink`, () => {
    it('inserts every batch of a stream end to end', async () => {
      const table = tableName(t, 'ins')
      await t.sql(
        `CREATE TABLE ${t.q(table)} (id BIGINT PRIMARY KEY, name TEXT, amount DOUBLE PRECISION, at ${t.format === 'postgres' ? 'TIMESTAMPTZ' : 'DATETIME(3)'})`,
      )
      const session = newSession()
      const input = new MemoryStream(session, events)
      const q = await input
        .toDF()
        .writeStream.format(t.format)
        .options(t.options)
        .option('table', table)
        .option('checkpointLocation', tempDir())
        .start()
      input.addData([ev(1), ev(2), ev(3)])
      await q.processAllAvailable()
      input.addData([ev(4)])
      await q.processAllAvailable()
      await q.stop()

      const rows = await t.sql(`SELECT id, name, amount, at FROM ${t.q(table)} ORDER BY id`)
      expect(rows.map((r) => num(r.id))).toEqual([1, 2, 3, 4])
      expect(rows.map((r) => r.name)).toEqual(['n1', 'n2', 'n3', 'n4'])
      expect(rows.map((r) => num(r.amount))).toEqual([1.5, 3, 4.5, 6])
      expect(rows.map((r) => new Date(r.at as Date).toISOString())).toEqual([
        '2024-01-01T00:00:01.000Z',
        '2024-01-01T00:00:02.000Z',
        '2024-01-01T00:00:03.000Z',
        '2024-01-01T00:00:04.000Z',
      ])
      const sink = q.lastProgress!.sink
      expect(sink.description).toContain(table)
      expect(sink.metrics).toMatchObject({
        rowsInserted: 4,
        batchesCommitted: 2,
        batchesSkipped: 0,
        lastBatchId: 1,
      })
    })

    it('upserts: later rows for a key update it, within a batch and across batches', async () => {
      const table = tableName(t, 'ups')
      const session = newSession()
      const input = new MemoryStream(session, events)
      const q = await input
        .toDF()
        .writeStream.format(t.format)
        .options(t.options)
        .options({ table, mode: 'upsert', keyColumns: 'id', autoCreate: true })
        .option('checkpointLocation', tempDir())
        .start()
      input.addData([ev(1, 'a'), ev(2, 'b'), ev(1, 'a2')])
      await q.processAllAvailable()
      expect(q.lastProgress!.sink.metrics).toMatchObject({ rowsInserted: 2, rowsUpdated: 0 })
      input.addData([ev(2, 'b2', 100), ev(3, 'c')])
      await q.processAllAvailable()
      await q.stop()
      const rows = await t.sql(`SELECT id, name, amount FROM ${t.q(table)} ORDER BY id`)
      expect(rows.map((r) => [num(r.id), r.name, num(r.amount)])).toEqual([
        [1, 'a2', 1.5],
        [2, 'b2', 100],
        [3, 'c', 4.5],
      ])
      expect(q.lastProgress!.sink.metrics).toMatchObject({
        rowsInserted: 3,
        rowsUpdated: 1,
        batchesCommitted: 2,
      })
    })

    it('deletes the key of a row whose delete flag is true (upsert mode)', async () => {
      const table = tableName(t, 'del')
      const changes = schema({ id: 'long', name: 'string', deleted: 'boolean' })
      const session = newSession()
      const input = new MemoryStream(session, changes)
      const q = await input
        .toDF()
        .writeStream.format(t.format)
        .options(t.options)
        .options({ table, mode: 'upsert', keyColumns: 'id', deleteFlagColumn: 'deleted', autoCreate: true })
        .option('checkpointLocation', tempDir())
        .start()
      input.addData([
        { id: 1, name: 'a', deleted: false },
        { id: 2, name: 'b', deleted: false },
        { id: 3, name: 'c', deleted: false },
      ])
      await q.processAllAvailable()
      input.addData([
        { id: 2, name: 'b', deleted: true },
        // Inserted and deleted in one batch: never appears.
        { id: 4, name: 'd', deleted: false },
        { id: 4, name: 'd', deleted: true },
        // Deleted, then written again in the same batch: present with the new value.
        { id: 3, name: 'gone', deleted: true },
        { id: 3, name: 'c2', deleted: null as unknown as boolean },
      ])
      await q.processAllAvailable()
      await q.stop()
      const rows = await t.sql(`SELECT * FROM ${t.q(table)} ORDER BY id`)
      // The flag column controls the write; it is not a column of the table.
      expect(rows).toEqual([
        { id: t.format === 'postgres' ? '1' : 1, name: 'a' },
        { id: t.format === 'postgres' ? '3' : 3, name: 'c2' },
      ])
      expect(q.lastProgress!.sink.metrics).toMatchObject({ rowsInserted: 3, rowsUpdated: 1, rowsDeleted: 1 })
    })

    it("mode 'delete' deletes every key it receives", async () => {
      const table = tableName(t, 'mdel')
      await t.sql(`CREATE TABLE ${t.q(table)} (a INT, b VARCHAR(10), v TEXT, PRIMARY KEY (a, b))`)
      await t.sql(
        `INSERT INTO ${t.q(table)} (a, b, v) VALUES (1, 'x', 'keep'), (1, 'y', 'drop'), (2, 'x', 'drop')`,
      )
      const keys = schema({ a: 'int', b: 'string' })
      const session = newSession()
      const input = new MemoryStream(session, keys)
      const q = await input
        .toDF()
        .writeStream.format(t.format)
        .options(t.options)
        .options({ table, mode: 'delete', keyColumns: 'a, b' })
        .option('checkpointLocation', tempDir())
        .start()
      input.addData([
        { a: 1, b: 'y' },
        { a: 2, b: 'x' },
        { a: 9, b: 'z' },
      ])
      await q.processAllAvailable()
      await q.stop()
      const rows = await t.sql(`SELECT v FROM ${t.q(table)}`)
      expect(rows.map((r) => r.v)).toEqual(['keep'])
      expect(q.lastProgress!.sink.metrics).toMatchObject({ rowsDeleted: 2 })
    })

    it('autoCreate makes the table with typed columns and the key as primary key; autoEvolve adds columns', async () => {
      const table = tableName(t, 'auto')
      const wide = schema({
        id: 'long',
        label: 'string',
        ok: 'boolean',
        n: 'int',
        ratio: 'float',
        at: 'timestamp',
        day: 'date',
        raw: 'binary',
        tags: { array: 'string' },
      })
      const session = newSession()
      const input = new MemoryStream(session, wide)
      const checkpoint = tempDir()
      const q = await input
        .toDF()
        .writeStream.format(t.format)
        .options(t.options)
        .options({ table, mode: 'upsert', keyColumns: 'id', autoCreate: true })
        .option('checkpointLocation', checkpoint)
        .start()
      input.addData([
        {
          id: 1,
          label: 'x',
          ok: true,
          n: 7,
          ratio: 0.5,
          at: new Date('2024-05-06T07:08:09.123Z'),
          day: new Date('2024-05-06T00:00:00Z'),
          raw: new Uint8Array([1, 2, 255]),
          tags: ['a', 'b'],
        },
      ])
      await q.processAllAvailable()
      await q.stop()

      if (t.format === 'postgres') {
        const cols = await t.sql(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`,
          [table],
        )
        expect(cols.map((c) => `${c.column_name}:${c.data_type}`)).toEqual([
          'id:bigint',
          'label:text',
          'ok:boolean',
          'n:integer',
          'ratio:real',
          'at:timestamp with time zone',
          'day:date',
          'raw:bytea',
          'tags:jsonb',
        ])
        const pk = await t.sql(
          `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary`,
          [`"${table}"`],
        )
        expect(pk.map((r) => r.attname)).toEqual(['id'])
      } else {
        const cols = await t.sql(
          `SELECT column_name AS c, column_type AS t, column_key AS k FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`,
          [table],
        )
        expect(cols.map((c) => `${c.c}:${c.t}${c.k === 'PRI' ? ':PRI' : ''}`)).toEqual([
          'id:bigint(20):PRI',
          'label:text',
          'ok:tinyint(1)',
          'n:int(11)',
          'ratio:float',
          'at:datetime(3)',
          'day:date',
          'raw:longblob',
          'tags:longtext',
        ])
      }

      // A second query with one more column: refused without autoEvolve, added with it.
      const wider = schema({ id: 'long', label: 'string', extra: 'double' })
      const input2 = new MemoryStream(session, wider)
      const start = (evolve: boolean) =>
        input2
          .toDF()
          .writeStream.format(t.format)
          .options(t.options)
          .options({ table, mode: 'upsert', keyColumns: 'id', autoEvolve: evolve })
          .option('checkpointLocation', tempDir())
          .start()
      await expect(start(false)).rejects.toThrow(
        /SQL_MISSING_COLUMNS: table .* has no column 'extra'.*autoEvolve/,
      )
      const q2 = await start(true)
      input2.addData([{ id: 1, label: 'y', extra: 2.5 }])
      await q2.processAllAvailable()
      await q2.stop()
      const rows = await t.sql(`SELECT id, label, n, extra FROM ${t.q(table)}`)
      expect(rows.map((r) => [num(r.id), r.label, num(r.n), num(r.extra)])).toEqual([[1, 'y', 7, 2.5]])
    })

    it('splits a batch into statements of batchSize rows', async () => {
      const table = tableName(t, 'bs')
      const session = newSession()
      const input = new MemoryStream(session, events)
      const q = await input
        .toDF()
        .writeStream.format(t.format)
        .options(t.options)
        .options({ table, autoCreate: true, batchSize: 7 })
        .option('checkpointLocation', tempDir())
        .start()
      input.addData(Array.from({ length: 50 }, (_, i) => ev(i)))
      await q.processAllAvailable()
      await q.stop()
      const [{ c }] = await t.sql(`SELECT COUNT(*) AS c FROM ${t.q(table)}`)
      expect(num(c)).toBe(50)
    })
  })
}
