/**
 * The two invariants of the Structured Streaming model for stateless queries:
 * the output does not depend on how the input is split into micro-batches, and a query
 * stopped at any batch boundary (or crashed before its commit) and restarted writes every
 * output row exactly once.
 */
import { rmSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { col, type DataFrame, functions as F, MemoryStream, type Session, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ id: 'long', user: 'string', amount: 'double', tags: { array: 'string' } })
type Event = { id: number; user: string; amount: number; tags: string[] }

const eventArb = fc.record({
  user: fc.constantFrom('ann', 'bob', 'cid', 'Dee', ''),
  amount: fc.oneof(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.integer({ min: -5, max: 5 })),
  tags: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
})
const streamArb = fc
  .array(eventArb, { maxLength: 60 })
  .map((es) => es.map((e, id) => ({ id, ...e }) as Event))

/** Splits rows into consecutive non-empty chunks at the given cut points. */
function split<T>(rows: T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (rows.length + 1)))].sort((a, b) => a - b)
  const chunks: T[][] = []
  let from = 0
  for (const p of [...points, rows.length]) {
    if (p > from) chunks.push(rows.slice(from, p))
    from = Math.max(from, p)
  }
  return chunks
}

/** The query under test: filter, computed columns, a typed predicate and a generator. */
function query(df: DataFrame<Event>) {
  return df
    .where(col('amount').geq(0).or(col('user').eqNullSafe('bob')))
    .withColumn('fee', col('amount').multiply(0.1))
    .where((r) => r.id % 7 !== 3)
    .select('id', 'user', 'fee', F.explode_outer(col('tags')).alias('tag'))
}

async function batchAnswer(session: Session, rows: Event[]) {
  return query(session.createDataFrame(rows, events)).collect()
}

describe('stateless streaming invariants', () => {
  it('gives the batch answer however the input is split into micro-batches', async () => {
    await fc.assert(
      fc.asyncProperty(streamArb, fc.array(fc.nat(), { maxLength: 8 }), async (rows, cuts) => {
        const session = newSession()
        const input = new MemoryStream(session, events)
        const q = await query(input.toDF()).writeStream.format('memory').queryName('split').start()
        for (const chunk of split(rows, cuts)) {
          input.addData(chunk)
          if (chunk.length % 2 === 0) await q.processAllAvailable()
        }
        await q.processAllAvailable()
        await q.stop()
        expect(await session.table('split').collect()).toEqual(await batchAnswer(session, rows))
        await session.stop()
      }),
      { numRuns: 40 },
    )
  })

  it('writes each row exactly once when stopped at any batch boundary, or crashed before a commit, and restarted', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamArb,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        async (rows, cuts, stopAfter, dropCommit) => {
          const session = newSession()
          const checkpoint = tempDir()
          const input = new MemoryStream(session, events)
          const written = new Map<number, unknown[]>()
          const deliveries: number[] = []
          const start = () =>
            query(input.toDF())
              .writeStream.option('checkpointLocation', checkpoint)
              .foreachBatch(async (df, batchId) => {
                deliveries.push(batchId)
                // An idempotent writer: a replayed batch id replaces what it wrote.
                written.set(batchId, await df.collect())
              })
              .start()
          let q = await start()
          const chunks = split(rows, cuts)
          for (let i = 0; i < chunks.length; i++) {
            input.addData(chunks[i])
            await q.processAllAvailable()
            if (stopAfter[i % 8]) {
              await q.stop()
              const last = q.lastProgress?.batchId
              // Simulate a crash between the sink write and the commit log.
              if (dropCommit[i % 8] && last !== undefined)
                rmSync(path.join(checkpoint, 'commits', String(last)))
              q = await start()
            }
          }
          await q.processAllAvailable()
          await q.stop()
          const ids = [...written.keys()].sort((a, b) => a - b)
          expect(ids).toEqual(ids.map((_, i) => i))
          const output = ids.flatMap((id) => written.get(id)!)
          expect(output).toEqual(await batchAnswer(session, rows))
          // Every batch id but a replayed one is delivered once.
          const replays = deliveries.length - new Set(deliveries).size
          expect(replays).toBeLessThanOrEqual(dropCommit.filter(Boolean).length)
          await session.stop()
        },
      ),
      { numRuns: 30 },
    )
  })
})
