/**
 * A worker that throws and a worker that dies each fail the query with the error and where
 * it happened; nothing hangs, no worker is left running, and the restart replays the
 * failed batch exactly once. The failures are injected with the crash-test hook
 * (util/kill-point.ts), which the workers inherit through their environment.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { runningWorkers } from '../../src/executor/worker-pool.js'
import { count, functions as F, MemoryStream, schema } from '../../src/index.js'
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
