import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Session, StreamingQuery } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

type Row = { timestamp: number; value: number }

const plain = (rows: readonly Record<string, unknown>[]): Row[] =>
  rows.map((r) => ({ timestamp: (r.timestamp as Date).getTime(), value: r.value as number }))

const source = (session: Session, options: Record<string, string | number> = {}) =>
  session.readStream
    .format('rate-micro-batch')
    .options({ rowsPerBatch: 10, ...options })
    .load()

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Data is always available, so a default-trigger query is stopped once it has done `n` batches. */
async function stopAfterBatches(q: StreamingQuery, n: number): Promise<void> {
  await waitFor(() => (q.lastProgress?.batchId ?? -1) >= n - 1, 10_000, `${n} batches`)
  await q.stop()
}

/** One availableNow start: Spark's rate-micro-batch reads exactly one batch per start. */
async function runOnce(session: Session, checkpoint: string, name: string): Promise<void> {
  const q = await source(session)
    .writeStream.format('memory')
    .queryName(name)
    .option('checkpointLocation', checkpoint)
    .trigger({ availableNow: true })
    .start()
  expect(await q.awaitTermination(10_000)).toBe(true)
}

async function table(session: Session, name: string): Promise<Row[]> {
  return plain((await session.table(name).collect()) as Record<string, unknown>[])
}

describe('rate-micro-batch source', () => {
  it('gives batch b the values [b*rowsPerBatch, (b+1)*rowsPerBatch), all at startTimestamp + b*advance', async () => {
    const session = newSession()
    const batches = new Map<number, Row[]>()
    const q = await source(session, { rowsPerBatch: 7, startTimestamp: 5_000, advanceMillisPerBatch: 250 })
      .writeStream.foreachBatch(async (df, id) => {
        batches.set(id, plain((await df.collect()) as Record<string, unknown>[]))
      })
      .option('checkpointLocation', tempDir())
      .start()
    await stopAfterBatches(q, 4)
    for (const b of [0, 1, 2, 3]) {
      expect(batches.get(b), `batch ${b}`).toEqual(
        Array.from({ length: 7 }, (_, k) => ({ timestamp: 5_000 + b * 250, value: b * 7 + k })),
      )
    }
    expect(q.recentProgress[0].sources[0]).toMatchObject({
      description:
        'RatePerMicroBatchStream[rowsPerBatch=7, numPartitions=default, startTimestamp=5000, advanceMsPerBatch=250]',
      startOffset: 0,
      endOffset: 1,
      numInputRows: 7,
    })
  })

  it('uses Spark defaults: startTimestamp 0 and 1000 ms per batch', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    await runOnce(session, checkpoint, 'defaults')
    await runOnce(session, checkpoint, 'defaults')
    const rows = await table(session, 'defaults')
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(new Set(rows.slice(0, 10).map((r) => r.timestamp))).toEqual(new Set([0]))
    expect(new Set(rows.slice(10).map((r) => r.timestamp))).toEqual(new Set([1000]))
  })

  it('gives the same rows per batch id whether the query ran straight through or was stopped, restarted and crashed', async () => {
    // Straight through.
    const straight = newSession()
    const q = await source(straight)
      .writeStream.format('memory')
      .queryName('straight')
      .option('checkpointLocation', tempDir())
      .start()
    await stopAfterBatches(q, 5)
    const expected = (await table(straight, 'straight')).slice(0, 50)

    // Stopped and restarted after every batch, with a crash before commit along the way.
    const session = newSession()
    const checkpoint = tempDir()
    await runOnce(session, checkpoint, 'restarted')
    await runOnce(session, checkpoint, 'restarted')
    // As if the process died after writing offsets/1 but before commits/1: the next start replays batch 1.
    rmSync(path.join(checkpoint, 'commits', '1'))
    // That start replays batch 1 with its logged offsets, then reads its one new batch, as Spark does.
    await runOnce(session, checkpoint, 'restarted')
    expect((await table(session, 'restarted')).length).toBe(30)
    await runOnce(session, checkpoint, 'restarted')
    await runOnce(session, checkpoint, 'restarted')
    const restarted = await table(session, 'restarted')
    expect(restarted).toEqual(expected)
    expect(restarted.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('ends a once query after one batch', async () => {
    const session = newSession()
    const q = await source(session, { rowsPerBatch: 3 })
      .writeStream.format('memory')
      .queryName('once')
      .trigger({ once: true })
      .start()
    expect(await q.awaitTermination(10_000)).toBe(true)
    expect((await table(session, 'once')).map((r) => r.value)).toEqual([0, 1, 2])
  })

  it('refuses missing or bad options with the way out', () => {
    const session = newSession()
    expect(() => session.readStream.format('rate-micro-batch').load()).toThrow(
      /option 'rowsPerBatch' is required.*\.option\('rowsPerBatch', 100\)/,
    )
    expect(() => source(session, { rowsPerBatch: 0 })).toThrow(/'rowsPerBatch' must be a positive integer/)
    expect(() => source(session, { startTimestamp: -1 })).toThrow(
      /'startTimestamp' must be a non-negative integer/,
    )
    expect(() => source(session, { advanceMillisPerBatch: 1.5 })).toThrow(/'advanceMillisPerBatch'/)
    expect(() => source(session, { numPartitions: 0 })).toThrow(/'numPartitions' must be a positive integer/)
    expect(() => session.read.format('rate-micro-batch').option('rowsPerBatch', 1).load()).toThrow(
      /streaming only/,
    )
  })
})
