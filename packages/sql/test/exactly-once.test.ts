/**
 * Exactly once per micro-batch, against the real servers: a replayed batch id writes
 * nothing (called twice directly, and replayed by the engine after commits/N is removed);
 * a batch that fails half-way leaves no row behind and the corrected restart writes it
 * once; a process killed inside a batch transaction leaves no partial batch, and the
 * restart ends with every row exactly once.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ColumnarBatch, MemoryStream, Options, type Sink, type SinkContext, schema } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { mysqlDialect, postgresDialect, sqlSinkProvider } from '../src/index.js'
import { newSession, num, onCleanup, type Target, tableName, targets, tempDir } from './helpers.js'

const rows = schema({ id: 'long', payload: 'string' })
const batchOf = (ids: number[]) =>
  ColumnarBatch.fromRows(
    rows,
    ids.map((id) => ({ id, payload: `p${id}` })),
  )

async function openSink(t: Target, options: Record<string, string>, queryId: string): Promise<Sink> {
  const provider = sqlSinkProvider(t.format === 'postgres' ? postgresDialect : mysqlDialect, t.format)
  const ctx: SinkContext = {
    options: new Options({ ...t.options, ...options }, `sink '${t.format}'`),
    schema: rows,
    outputMode: 'append',
    partitionBy: [],
    queryName: undefined,
    queryId,
    path: undefined,
    session: newSession(),
    bounded: false,
  }
  const sink = await provider.createSink(ctx)
  onCleanup(() => sink.stop?.())
  return sink
}

async function ids(t: Target, table: string): Promise<number[]> {
  return (await t.sql(`SELECT id FROM ${t.q(table)} ORDER BY id`)).map((r) => num(r.id))
}

async function loggedBatch(t: Target, table: string): Promise<number[]> {
  return (await t.sql(`SELECT batch_id FROM ${t.q('_tributary_batches')} WHERE table_name = ?`, [table])).map(
    (r) => num(r.batch_id),
  )
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

for (const t of targets) {
  describe.skipIf(!t.check.available)(`${t.label} exactly once`, () => {
    it('a batch id given twice is written once, also by a new sink instance of the same query', async () => {
      const table = tableName(t, 'replay')
      const sink = await openSink(t, { table, autoCreate: 'true' }, 'query-a')
      await sink.addBatch(0, batchOf([1, 2, 3]))
      await sink.addBatch(0, batchOf([1, 2, 3]))
      await sink.addBatch(1, batchOf([4]))
      expect(await ids(t, table)).toEqual([1, 2, 3, 4])
      expect(sink.metrics?.()).toMatchObject({ rowsInserted: 4, batchesCommitted: 2, batchesSkipped: 1 })

      // A restarted process: a new sink, the same query id.
      const restarted = await openSink(t, { table }, 'query-a')
      await restarted.addBatch(1, batchOf([4]))
      await restarted.addBatch(2, batchOf([5]))
      expect(await ids(t, table)).toEqual([1, 2, 3, 4, 5])
      expect(restarted.metrics?.()).toMatchObject({ rowsInserted: 1, batchesSkipped: 1, lastBatchId: 2 })
      expect(await loggedBatch(t, table)).toEqual([2])

      // Another query (a new checkpoint) is another identity: its batch 0 is new data.
      const other = await openSink(t, { table }, 'query-b')
      await other.addBatch(0, batchOf([6]))
      expect(await ids(t, table)).toEqual([1, 2, 3, 4, 5, 6])
    })

    it('the engine replays a batch whose commit file is gone; the sink skips it', async () => {
      const table = tableName(t, 'commit')
      const checkpoint = tempDir()
      const session = newSession()
      const input = new MemoryStream(session, rows)
      const start = () =>
        input
          .toDF()
          .writeStream.format(t.format)
          .options(t.options)
          .options({ table, autoCreate: true })
          .option('checkpointLocation', checkpoint)
          .start()
      const q = await start()
      input.addData([{ id: 1, payload: 'a' }])
      await q.processAllAvailable()
      input.addData([{ id: 2, payload: 'b' }])
      await q.processAllAvailable()
      await q.stop()

      // As if the process died after the database commit and before commits/1.
      const commit = path.join(checkpoint, 'commits', '1')
      expect(existsSync(commit)).toBe(true)
      rmSync(commit)
      const q2 = await start()
      await q2.processAllAvailable()
      input.addData([{ id: 3, payload: 'c' }])
      await q2.processAllAvailable()
      await q2.stop()
      expect(await ids(t, table)).toEqual([1, 2, 3])
      expect(q2.recentProgress.map((p) => p.batchId)).toEqual([1, 2])
      expect(q2.recentProgress[0].sink.metrics).toMatchObject({ batchesSkipped: 1, rowsInserted: 0 })
      expect(q2.lastProgress!.sink.metrics).toMatchObject({
        batchesSkipped: 1,
        batchesCommitted: 1,
        rowsInserted: 1,
      })
    })

    it('a batch failing half-way leaves none of its rows; the corrected restart writes it exactly once', async () => {
      const table = tableName(t, 'half')
      // No key: a batch written twice would show as duplicate ids.
      await t.sql(
        `CREATE TABLE ${t.q(table)} (id BIGINT, payload TEXT, CONSTRAINT small_ids CHECK (id < 100))`,
      )
      const checkpoint = tempDir()
      const session = newSession()
      const input = new MemoryStream(session, rows)
      const start = () =>
        input
          .toDF()
          .writeStream.format(t.format)
          .options(t.options)
          // Two rows per statement: the first statements of batch 1 succeed before one fails.
          .options({ table, batchSize: 2 })
          .option('checkpointLocation', checkpoint)
          .start()
      const q = await start()
      input.addData(range(1, 6).map((id) => ({ id, payload: `p${id}` })))
      await q.processAllAvailable()
      input.addData([6, 7, 8, 9, 150, 10].map((id) => ({ id, payload: `p${id}` })))
      await expect(q.processAllAvailable()).rejects.toThrow()
      await expect(q.awaitTermination()).rejects.toThrow(/SQL_STATEMENT_FAILED.*writing batch 1/)
      expect(await ids(t, table)).toEqual([1, 2, 3, 4, 5])
      expect(await loggedBatch(t, table)).toEqual([0])

      // The fix: allow the row. The restart replays batch 1 from the checkpoint.
      await t.sql(`ALTER TABLE ${t.q(table)} DROP CONSTRAINT small_ids`)
      const q2 = await start()
      await q2.processAllAvailable()
      await q2.stop()
      expect(await ids(t, table)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 150])
      expect(await loggedBatch(t, table)).toEqual([1])
      expect(q2.lastProgress!.sink.metrics).toMatchObject({
        batchesCommitted: 1,
        batchesSkipped: 0,
        rowsInserted: 6,
      })
    })

    it('a process killed inside a batch transaction leaves no partial batch; the restart completes exactly once', async () => {
      const table = tableName(t, 'kill')
      await t.sql(`CREATE TABLE ${t.q(table)} (id BIGINT, payload TEXT)`)
      // Row 15 blocks inside batch 1's transaction, in its second statement (four rows each),
      // after the first statement inserted rows 10-13.
      const trigger = `${table}_hang`
      if (t.format === 'postgres') {
        await t.sql(
          `CREATE FUNCTION ${t.q(trigger)}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 15 THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$`,
        )
        await t.sql(
          `CREATE TRIGGER ${t.q(trigger)} BEFORE INSERT ON ${t.q(table)} FOR EACH ROW EXECUTE FUNCTION ${t.q(trigger)}()`,
        )
        onCleanup(() => t.sql(`DROP FUNCTION IF EXISTS ${t.q(trigger)}() CASCADE`).then(() => {}))
      } else {
        await t.sql(
          `CREATE TRIGGER ${t.q(trigger)} BEFORE INSERT ON ${t.q(table)} FOR EACH ROW BEGIN IF NEW.id = 15 THEN DO SLEEP(60); END IF; END`,
        )
      }
      const checkpoint = tempDir()
      const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
      const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
      const run = (preload: number) => {
        const p = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            child,
            t.format,
            table,
            checkpoint,
            '3',
            String(preload),
            JSON.stringify(t.options),
          ],
          { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
        )
        onCleanup(() => {
          if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
        })
        let out = ''
        p.stdout.on('data', (d) => {
          out += d
        })
        p.stderr.on('data', (d) => {
          out += d
        })
        const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>(
          (resolve) => p.on('exit', (code, signal) => resolve({ code, signal, out })),
        )
        return { p, done }
      }

      const first = run(0)
      // Wait until the child's batch 1 transaction sits in the trigger's sleep.
      const sleeping = async (): Promise<number | undefined> => {
        const r =
          t.format === 'postgres'
            ? await t.sql(
                `SELECT pid AS id FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE ?`,
                [`%${table}%`],
              )
            : await t.sql(
                // The process list shows the trigger's statement, not the INSERT.
                `SELECT id FROM information_schema.processlist WHERE state = 'User sleep' AND info LIKE 'DO SLEEP(60)%'`,
              )
        return r.length > 0 ? num(r[0].id) : undefined
      }
      let backend: number | undefined
      const deadline = Date.now() + 40_000
      while (backend === undefined && Date.now() < deadline) {
        backend = await sleeping()
        if (backend === undefined) await new Promise((r) => setTimeout(r, 100))
      }
      expect(backend, 'the child never reached the blocking row').toBeDefined()
      first.p.kill('SIGKILL')
      const killed = await first.done
      expect(killed.signal).toBe('SIGKILL')
      // The server notices a vanished client only when the statement ends; end it now.
      await t.sql(
        t.format === 'postgres' ? 'SELECT pg_terminate_backend(?)' : `KILL ${backend}`,
        t.format === 'postgres' ? [backend] : [],
      )

      // Batch 0 is in; nothing of batch 1 (rows 10-13 were inserted inside its transaction).
      expect(await ids(t, table)).toEqual(range(0, 10))
      expect(await loggedBatch(t, table)).toEqual([0])
      expect(readdirSync(path.join(checkpoint, 'offsets')).filter((f) => /^\d+$/.test(f))).toEqual(['0', '1'])
      expect(existsSync(path.join(checkpoint, 'commits', '1'))).toBe(false)

      await t.sql(`DROP TRIGGER ${t.q(trigger)}${t.format === 'postgres' ? ` ON ${t.q(table)}` : ''}`)
      const second = run(2)
      const finished = await second.done
      expect(finished.code, finished.out).toBe(0)
      expect(await ids(t, table)).toEqual(range(0, 30))
      expect(await loggedBatch(t, table)).toEqual([2])
      expect(JSON.parse(finished.out.trim().split('\n').pop()!)).toMatchObject({
        batchesCommitted: 2,
        batchesSkipped: 0,
        rowsInserted: 20,
      })
    }, 90_000)
  })
}
