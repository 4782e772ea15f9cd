/**
 * Back pressure: with admission control (rate-micro-batch's fixed batches, the file
 * source's maxFilesPerTrigger), a slow sink slows the input down instead of letting it pile
 * up, so resident memory stays flat however long the query runs. Samples RSS over 25
 * batches of a slow foreachBatch (memory retained after a forced collection) and bounds its growth; a deliberately leaking sink shows
 * that the bound would catch a leak of the batches. About leaks, not speed: the bounds are
 * generous for a busy 2-core machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { col, functions as F, lit, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const MB = 2 ** 20
const BATCHES = 25
/** Growth allowed between the early batches (after warm-up) and the last ones. */
const BOUND = 80 * MB

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// What a batch leak leaves behind is memory still reachable after a full collection. Resident
// memory is a noisy proxy: V8 grows its heap lazily over the first dozens of batches (on
// Node 24 by ~7 MB a batch before it levels off), so the samples are the heap and the
// array buffers (Arrow and typed-array columns) right after a forced collection.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void
function retainedBytes(): number {
  collectGarbage()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Growth of retained memory from batches 5-9 to the last five, by medians. */
function growth(samples: number[]): number {
  return median(samples.slice(-5)) - median(samples.slice(5, 10))
}

async function rateQuery(keep: unknown[] | null): Promise<{ samples: number[]; rowsPerBatch: number[] }> {
  const session = newSession()
  const samples: number[] = []
  let finish!: () => void
  const finished = new Promise<void>((r) => {
    finish = r
  })
  const q = await session.readStream
    .format('rate-micro-batch')
    .option('rowsPerBatch', 100_000)
    .load()
    .select(col('value'), F.concat(lit('row-'), col('value').cast('string')).alias('label'))
    .writeStream.foreachBatch(async (batch) => {
      // A slow writer that turns the batch into row objects, as many user functions do.
      const rows = await batch.collect()
      if (keep) keep.push(rows)
      await sleep(30)
      if (samples.length < BATCHES) samples.push(retainedBytes())
      if (samples.length === BATCHES) finish()
    })
    .start()
  await finished
  await q.stop()
  return { samples, rowsPerBatch: q.recentProgress.map((p) => p.numInputRows) }
}

describe('resident memory under back pressure', () => {
  it('rate-micro-batch into a slow foreachBatch: every batch the same size, memory flat', async () => {
    const { samples, rowsPerBatch } = await rateQuery(null)
    expect(new Set(rowsPerBatch)).toEqual(new Set([100_000]))
    expect(
      growth(samples),
      `retained MB per batch: ${samples.map((s) => Math.round(s / MB)).join(' ')}`,
    ).toBeLessThan(BOUND)
  }, 120_000)

  it('the bound is not vacuous: a sink that keeps every batch exceeds it', async () => {
    const kept: unknown[] = []
    const { samples } = await rateQuery(kept)
    expect(growth(samples)).toBeGreaterThan(BOUND)
    kept.length = 0
  }, 120_000)

  it('file source with maxFilesPerTrigger into a slow foreachBatch: files taken one by one, memory flat', async () => {
    const session = newSession()
    const dir = path.join(tempDir(), 'in')
    mkdirSync(dir)
    const lines = (f: number) =>
      Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ id: f * 20_000 + i, name: `n${i}` })).join(
        '\n',
      )
    for (let f = 0; f < BATCHES; f++)
      writeFileSync(path.join(dir, `f${String(f).padStart(3, '0')}.json`), `${lines(f)}\n`)
    const samples: number[] = []
    const q = await session.readStream
      .schema(schema({ id: 'long', name: 'string' }))
      .option('maxFilesPerTrigger', 1)
      .json(dir)
      .writeStream.foreachBatch(async (batch) => {
        await batch.collect()
        await sleep(30)
        samples.push(retainedBytes())
      })
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination()
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual(Array(BATCHES).fill(20_000))
    expect(
      growth(samples),
      `retained MB per batch: ${samples.map((s) => Math.round(s / MB)).join(' ')}`,
    ).toBeLessThan(BOUND)
  }, 120_000)
})
