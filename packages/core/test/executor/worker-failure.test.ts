/**
 * A worker that throws and a worker that dies each fail the query with the error and where
 * it happened; nothing hangs, no worker is left running, and the restart replays the
 * failed batch exactly once. The failures are injected with the crash-test hook
 * (util/kill-point.ts), which the workers inherit through their environment.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { runningWorkers } from '../../src/executor/worker-pool.js'
import { col, count, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ key: 'string', v: 'long' })
type Event = { key: string; v: number }
const chunk = (n: number, seed: number): Event[] =>
  Array.from({ length: n }, (_, i) => ({ key: `k${(i * 7 + seed) % 13}`, v: i }))

afterEach(() => {
  delete process.env.TRIBUTARY_TEST_KILL_POINT
  delete process.env.TRIBUTARY_TEST_KILL_ACTION
})

async function runFailingThenRestart(
  threads: number,
  killPoint: string,
  action: string,
  expectCode: string | RegExp,
) {
  process.env.TRIBUTARY_TEST_KILL_POINT = killPoint
  process.env.TRIBUTARY_TEST_KILL_ACTION = action
  const session = newSession({
    'tributary.executor.threads': String(threads),
    'tributary.sql.shuffle.partitions': '4',
  })
  const input = new MemoryStream(session, events)
  const checkpoint = tempDir()
  const delivered = new Map<number, number>()
  const start = () =>
    input
      .toDF()
      .groupBy('key')
      .agg(count().alias('n'), F.sum('v').alias('s'))
      .writeStream.outputMode('complete')
      .option('checkpointLocation', checkpoint)
      .foreachBatch(async (df, id) => {
        const rows = (await df.collect()) as { n: number }[]
        delivered.set(
          id,
          rows.reduce((a, r) => a + r.n, 0),
        )
      })
      .start()
  const all = [...chunk(50, 1), ...chunk(40, 2)]
  let q = await start()
  input.addData(chunk(50, 1))
  await q.processAllAvailable()
  input.addData(chunk(40, 2))
  const failure = await q.awaitTermination().then(
    () => null,
    (e: unknown) => e as Error & { code: string },
  )
  expect(failure).not.toBeNull()
  expect(failure!.code).toMatch(expectCode)
  expect(failure!.message).toContain('batch 1')
  expect(q.isActive).toBe(false)
  // The failed pool is gone: no thread of it still runs.
  expect(runningWorkers()).toBeLessThanOrEqual(threads === 2 ? 2 : 0)
  delete process.env.TRIBUTARY_TEST_KILL_POINT
  q = await start()
  await q.processAllAvailable()
  await q.stop()
  // Batch 1 ran again after the restart, and its rows were counted once.
  expect(delivered.get(1)).toBe(all.length)
  await session.stop()
  expect(runningWorkers()).toBe(0)
  return failure!
}

describe('worker failures', () => {
  it('a worker that throws fails the query with the error and the partition, and the restart replays once', async () => {
    const e = await runFailingThenRestart(
      2,
      'workerReduce:1/0',
      'throw',
      /STREAMING_QUERY_FAILED|EXECUTOR_TASK_FAILED/,
    )
    expect(e.message).toContain('TRIBUTARY_TEST_KILL_POINT')
    expect(e.message).toContain('state partition 0')
  })

  it('a worker that dies fails the query, ends the other workers, and the restart replays once', async () => {
    const e = await runFailingThenRestart(3, 'workerMap:1', 'exitThread', 'EXECUTOR_WORKER_DIED')
    expect(e.message).toContain('exited with code 70')
  })

  it('a worker that throws inside a stream-stream join fails the query cleanly, and the restart replays once', async () => {
    const left = schema({ lk: 'string', lt: 'timestamp' })
    const right = schema({ rk: 'string', rt: 'timestamp' })
    const T0 = Date.UTC(2026, 0, 1)
    const lefts = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ lk: `k${i % 7}`, lt: new Date(T0 + (from + i) * 60_000) }))
    const rights = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ rk: `k${i % 5}`, rt: new Date(T0 + (from + i) * 60_000) }))
    const run = async (threads: number, fail: boolean) => {
      // Workers take the environment when they start. Batch 0 has data, batch 1 none (the
      // watermark moved), batch 2 the second data: it fails in state partition 0.
      if (fail) {
        process.env.TRIBUTARY_TEST_KILL_POINT = 'workerReduce:2/0'
        process.env.TRIBUTARY_TEST_KILL_ACTION = 'throw'
      }
      const session = newSession({
        'tributary.executor.threads': String(threads),
        'tributary.sql.shuffle.partitions': '4',
      })
      const ls = new MemoryStream(session, left)
      const rs = new MemoryStream(session, right)
      const checkpoint = tempDir()
      const delivered = new Map<number, string[]>()
      const start = () =>
        ls
          .toDF()
          .withWatermark('lt', '10 minutes')
          .join(
            rs.toDF().withWatermark('rt', '10 minutes'),
            col('lk')
              .eq(col('rk'))
              .and(col('rt').between(col('lt'), col('lt').plus(F.interval('15 minutes')))),
            'left_outer',
          )
          .writeStream.option('checkpointLocation', checkpoint)
          .foreachBatch(async (df, id) => {
            delivered.set(
              id,
              (await df.collect()).map((r) => JSON.stringify(r)),
            )
          })
          .start()
      let q = await start()
      ls.addData(lefts(30, 0))
      rs.addData(rights(20, 5))
      await q.processAllAvailable()
      expect(q.lastProgress?.batchId).toBe(1)
      ls.addData(lefts(30, 40))
      rs.addData(rights(30, 45))
      if (fail) {
        const failure = await q.awaitTermination().then(
          () => null,
          (e: unknown) => e as Error & { code: string },
        )
        expect(failure?.message).toContain('TRIBUTARY_TEST_KILL_POINT')
        expect(failure?.message).toContain('state partition 0')
        expect(failure?.message).toContain('batch 2')
        expect(q.isActive).toBe(false)
        delete process.env.TRIBUTARY_TEST_KILL_POINT
        q = await start()
      }
      await q.processAllAvailable()
      expect(q.lastProgress?.executor?.mode).toBe(threads > 1 ? 'shuffle' : 'inThread')
      await q.stop()
      await session.stop()
      return [...delivered.values()].flat().sort()
    }
    const expected = await run(1, false)
    expect(expected.length).toBeGreaterThan(30)
    expect(await run(2, true)).toEqual(expected)
    expect(runningWorkers()).toBe(0)
  })

  it('a plan with a closure runs on the coordinating thread, and says why', async () => {
    const session = newSession({ 'tributary.executor.threads': '2' })
    const input = new MemoryStream(session, events)
    const q = await input
      .toDF()
      .filter((r) => r.v > 1)
      .writeStream.format('memory')
      .queryName('closure_rows')
      .start()
    input.addData(chunk(10, 0))
    await q.processAllAvailable()
    expect(q.lastProgress?.executor?.mode).toBe('inThread')
    expect(q.lastProgress?.executor?.inThreadReason).toMatch(/JavaScript function/)
    expect(q.explain()).toMatch(/coordinating thread, although 2 threads are configured/)
    expect((await session.table('closure_rows').collect()).length).toBe(8)
    await q.stop()
  })
})
