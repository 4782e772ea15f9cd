/**
 * The user-function rule: a function given by module reference (moduleFunction) runs on
 * worker threads, a plain closure on the coordinating thread; a reference that does not
 * name the function itself is refused at start, with any thread count.
 */
import { describe, expect, it } from 'vitest'
import { runningWorkers } from '../../src/executor/worker-pool.js'
import { col, functions as F, MemoryStream, moduleFunction, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'
import { fns, keyOf, notTheExport } from './fixtures/module-functions.js'

const events = schema({ key: 'string', ts: 'timestamp', v: 'long' })
const T0 = Date.UTC(2026, 0, 1)
const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `k${i % 5}`, ts: new Date(T0 + i * 1000), v: i }))

describe('module functions', () => {
  it('a udf and groupByKey given by module reference run on workers, with the same rows', async () => {
    const results: string[][] = []
    for (const threads of [1, 2]) {
      const session = newSession({
        'tributary.executor.threads': String(threads),
        'tributary.sql.shuffle.partitions': '3',
      })
      const input = new MemoryStream(session, events)
      const scaled = F.udf(fns.scaled, 'long')
      const q = await input
        .toDF()
        .withWatermark('ts', '1 minute')
        .select(col('key'), col('ts'), scaled(col('v'), F.lit(2)).alias('v'))
        .groupByKey(fns.keyOf)
        .flatMapGroupsWithState(
          'update',
          'EventTimeTimeout',
          fns.sessionize,
          schema({ key: 'string', n: 'long', s: 'long', expired: 'boolean' }),
        )
        .writeStream.outputMode('update')
        .format('memory')
        .queryName(`sessions_${threads}`)
        .start()
      input.addData(rows(40))
      await q.processAllAvailable()
      input.addData(rows(12))
      await q.processAllAvailable()
      expect(q.lastProgress?.executor?.mode).toBe(threads === 1 ? 'inThread' : 'shuffle')
      if (threads > 1) expect(q.explain()).toMatch(/Executor: 2 worker threads/)
      results.push(
        (await session.table(`sessions_${threads}`).collect()).map((r) => JSON.stringify(r)).sort(),
      )
      await q.stop()
      await session.stop()
    }
    expect(results[0].length).toBeGreaterThan(5)
    expect(results[1]).toEqual(results[0])
    expect(runningWorkers()).toBe(0)
  })

  it('a plain closure keeps the query on the coordinating thread, and explain says how to move it', async () => {
    const session = newSession({ 'tributary.executor.threads': '2' })
    const input = new MemoryStream(session, events)
    const q = await input
      .toDF()
      .groupByKey((r) => r.key)
      .mapGroupsWithState(
        'NoTimeout',
        (key: string, rs: unknown[]) => ({ key, n: rs.length }),
        schema({ key: 'string', n: 'long' }),
      )
      .writeStream.outputMode('update')
      .format('memory')
      .queryName('closure_groups')
      .start()
    input.addData(rows(10))
    await q.processAllAvailable()
    expect(q.lastProgress?.executor?.mode).toBe('inThread')
    expect(q.explain()).toMatch(
      /closure cannot move to a worker thread; give it by module reference, moduleFunction/,
    )
    await q.stop()
  })

  it('a reference that is not the module export is refused at start, on one thread too', async () => {
    for (const threads of [1, 2]) {
      const session = newSession({ 'tributary.executor.threads': String(threads) })
      const input = new MemoryStream(session, events)
      const start = input
        .toDF()
        .groupByKey(notTheExport)
        .mapGroupsWithState('NoTimeout', fns.sessionize as never, schema({ key: 'string' }))
        .writeStream.outputMode('update')
        .format('memory')
        .queryName(`wrong_ref_${threads}`)
        .start()
      await expect(start).rejects.toMatchObject({
        code: 'BAD_MODULE_FUNCTION',
        message: expect.stringMatching(/fn is not the module's export "keyOf"/),
      })
    }
  })

  it('moduleFunction checks its arguments', () => {
    expect(() => moduleFunction('celsius.ts', 'keyOf', keyOf)).toThrow(
      /needs the module's URL \(pass import.meta.url\)/,
    )
    expect(() => moduleFunction(import.meta.url, 'other', keyOf)).toThrow(/already marked as keyOf/)
  })
})
