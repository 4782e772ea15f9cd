/**
 * The memory sink across restarts inside one process: a query fails at each step of the
 * micro-batch protocol (TRIBUTARY_TEST_KILL_POINT with TRIBUTARY_TEST_KILL_ACTION=throw)
 * and is started again in the same session on the same checkpoint. The memory table must
 * hold every row once (append) or the batch answer (update: last value per key;
 * complete: the last batch), because a replayed batch id is ignored (Spark's MemorySink).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { count, MemoryStream, type OutputMode, schema, sum } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const steps = [
  'beforeOffsetLog',
  'afterOffsetLog',
  'beforeSink',
  'afterSink',
  'beforeCommitLog',
  'afterCommitLog',
  'tempWritten',
] as const

afterEach(() => {
  delete process.env.TRIBUTARY_TEST_KILL_POINT
  delete process.env.TRIBUTARY_TEST_KILL_ACTION
})

const rowsSchema = schema({ id: 'long', k: 'string', v: 'long' })
const row = (id: number) => ({ id, k: `k${id % 3}`, v: id })

async function runWithFailures(mode: OutputMode, aggregate: boolean) {
  const session = newSession()
  const checkpoint = tempDir()
  const input = new MemoryStream(session, rowsSchema)
  const df = aggregate
    ? input.toDF().groupBy('k').agg(count().alias('n'), sum('v').alias('total'))
    : input.toDF().select('id', 'k')
  const start = () =>
    df.writeStream
      .format('memory')
      .queryName('t')
      .outputMode(mode)
      .option('checkpointLocation', checkpoint)
      .start()
  let id = 0
  process.env.TRIBUTARY_TEST_KILL_ACTION = 'throw'
  for (const step of steps) {
    // Each step fails once, in the second batch of a run: one batch commits first.
    process.env.TRIBUTARY_TEST_KILL_POINT = `${step}#2`
    let q = await start()
    for (let b = 0; b < 2; b++) {
      input.addData([row(id++), row(id++)])
      await q.processAllAvailable().catch(() => {})
    }
    expect(q.exception?.message, `${step} should have failed the query`).toMatch(/TRIBUTARY_TEST_KILL_POINT/)
    delete process.env.TRIBUTARY_TEST_KILL_POINT
    q = await start()
    await q.processAllAvailable()
    await q.stop()
    expect(q.exception).toBeNull()
  }
  return { session, total: id }
}

describe('memory sink: restarts in the same process after a failure at each protocol step', () => {
  it('append: every row exactly once', async () => {
    const { session, total } = await runWithFailures('append', false)
    const ids = (await session.table('t').collect()).map((r) => r.id as number).sort((a, b) => a - b)
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i))
  })

  const answer = (total: number) => {
    const out = new Map<string, { n: number; total: number }>()
    for (let i = 0; i < total; i++) {
      const r = row(i)
      const prev = out.get(r.k) ?? { n: 0, total: 0 }
      out.set(r.k, { n: prev.n + 1, total: prev.total + r.v })
    }
    return [...out].map(([k, v]) => ({ k, ...v })).sort((a, b) => a.k.localeCompare(b.k))
  }

  it('complete: the table is the batch answer', async () => {
    const { session, total } = await runWithFailures('complete', true)
    const rows = (await session.table('t').collect()) as { k: string; n: number; total: number }[]
    expect(rows.sort((a, b) => a.k.localeCompare(b.k))).toEqual(answer(total))
  })

  it('update: the last value of each key is the batch answer', async () => {
    const { session, total } = await runWithFailures('update', true)
    const last = new Map<string, { k: string; n: number; total: number }>()
    for (const r of (await session.table('t').collect()) as { k: string; n: number; total: number }[])
      last.set(r.k, r)
    expect([...last.values()].sort((a, b) => a.k.localeCompare(b.k))).toEqual(answer(total))
  })
})
