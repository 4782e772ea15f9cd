/** The state memory budget and the memory metric it relies on. */
import { writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { col, functions as F, MemoryStream, schema } from '../../src/index.js'
import { readMemoryBudget } from '../../src/streaming/state-budget.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ user: 'string', n: 'long' })
const batchOf = (b: number, size: number) =>
  Array.from({ length: size }, (_, i) => ({ user: `user-${b}-${i}`, n: i }))

describe('state memory budget', () => {
  it('fails before the budget is passed, naming the operator and the way out; a restart with more budget goes on exactly', async () => {
    const checkpoint = tempDir()
    const inputDir = tempDir()
    // What the sink received, by batch id: a replayed batch replaces its earlier delivery.
    const byBatch = new Map<number, string[]>()
    const run = async (budget: string) => {
      const session = newSession({ 'tributary.stateStore.memoryBudget': budget })
      const q = await session.readStream
        .format('json')
        .schema(events)
        .option('maxFilesPerTrigger', 1)
        .load(inputDir)
        .dropDuplicates(['user'])
        .writeStream.foreachBatch(async (batch, id) => {
          byBatch.set(
            id,
            ((await batch.collect()) as { user: string }[]).map((r) => r.user),
          )
        })
        .option('checkpointLocation', checkpoint)
        .start()
      await q.processAllAvailable().catch(() => {})
      return q
    }
    // Five files of 2 000 new keys, one per batch: about 0.2 MB more state each.
    for (let b = 0; b < 5; b++) {
      const lines = batchOf(b, 2000).map((r) => JSON.stringify(r))
      await writeFile(path.join(inputDir, `part-${b}.json`), `${lines.join('\n')}\n`)
    }
    const q1 = await run('512k')
    await expect(q1.awaitTermination()).rejects.toThrow(
      /STATE_MEMORY_BUDGET_EXCEEDED: after batch (\d+) the query's state holds about .* over tributary\.stateStore\.memoryBudget \(0\.5 MiB\); most of it is in operator 'dedupe' \(\d+ keys.*add withWatermark/,
    )
    expect(q1.recentProgress.length).toBeLessThan(5)
    // The restart re-runs the failed batch from the state before it: with room, it goes on.
    const q2 = await run('64m')
    await q2.stop()
    const users = [...byBatch.values()].flat()
    expect(users.length).toBe(10_000)
    expect(new Set(users).size).toBe(10_000)
  })

  it('reads sizes and off; refuses what is not a size', () => {
    expect(readMemoryBudget('512k')).toBe(512 * 1024)
    expect(readMemoryBudget('2g')).toBe(2 * 1024 ** 3)
    expect(readMemoryBudget('1000')).toBe(1000)
    expect(readMemoryBudget('off')).toBe(Number.POSITIVE_INFINITY)
    expect(readMemoryBudget(undefined)).toBeGreaterThan(0)
    expect(() => readMemoryBudget('lots')).toThrow(
      /'lots' is not a size; write bytes or a size such as '512m'/,
    )
  })

  it('memoryUsedBytes tracks the heap the state retains (within 2×, measured after gc)', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    for (const kind of ['dropDuplicates', 'groupBy'] as const) {
      const session = newSession()
      const input = new MemoryStream(session, events)
      const df = input.toDF()
      const q = await (kind === 'groupBy'
        ? df
            .groupBy('user')
            .agg(F.count(col('n')).alias('c'))
            .writeStream.outputMode('update')
        : df.dropDuplicates(['user']).writeStream
      )
        .foreachBatch(async () => {})
        .option('checkpointLocation', tempDir())
        .start()
      gc()
      const before = process.memoryUsage().heapUsed
      for (let b = 0; b < 4; b++) {
        input.addData(batchOf(b, 15_000))
        await q.processAllAvailable()
      }
      gc()
      const retained = process.memoryUsage().heapUsed - before
      const metric = q.lastProgress!.stateOperators[0].memoryUsedBytes
      expect(q.lastProgress!.stateOperators[0].numRowsTotal).toBe(60_000)
      expect(metric / retained).toBeGreaterThan(0.5)
      expect(metric / retained).toBeLessThan(2)
      await q.stop()
    }
  })
})
