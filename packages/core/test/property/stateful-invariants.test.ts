/**
 * Invariants of stateful streaming, checked over generated event streams with random
 * disorder, random splits into micro-batches and random restarts:
 * complete mode equals the batch groupBy over all data; update mode's last value per key
 * equals it; append mode with a watermark larger than the disorder equals it, each window
 * emitted once; the rows dropped as late are exactly those whose window the watermark had
 * closed when they arrived.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  col,
  count,
  type DataFrame,
  functions as F,
  MemoryStream,
  type OutputMode,
  type Session,
  schema,
} from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ key: 'string', ts: 'timestamp', v: 'long' })
type Event = { key: string; ts: Date; v: number }
const MINUTE = 60_000
const T0 = Date.UTC(2026, 0, 1)

/** Events whose times advance with bounded disorder: ts = position * step - jitter, jitter <= maxDisorder. */
function eventStream(maxDisorderMin: number) {
  return fc
    .array(
      fc.record({
        key: fc.constantFrom('a', 'b', 'c', 'd'),
        step: fc.integer({ min: 0, max: 3 }),
        jitter: fc.integer({ min: 0, max: maxDisorderMin }),
        v: fc.integer({ min: -100, max: 100 }),
      }),
      { minLength: 1, maxLength: 50 },
    )
    .map((raw) => {
      let clock = 30
      return raw.map((r) => {
        clock += r.step
        return { key: r.key, ts: new Date(T0 + (clock - r.jitter) * MINUTE), v: r.v } as Event
      })
    })
}

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

const sortRows = (rows: unknown[]) => [...rows].map((r) => JSON.stringify(r)).sort()

/** Runs a query chunk by chunk with restarts; returns every batch's output rows and the late rows. */
async function runStream(
  session: Session,
  build: (df: DataFrame<Event>) => DataFrame<Record<string, unknown>>,
  mode: OutputMode,
  chunks: Event[][],
  restartAfter: boolean[],
) {
  const input = new MemoryStream(session, events)
  const checkpoint = tempDir()
  const batches = new Map<number, Record<string, unknown>[]>()
  const late: Record<string, unknown>[] = []
  const start = () =>
    build(input.toDF())
      .writeStream.outputMode(mode)
      .option('checkpointLocation', checkpoint)
      .withLateRows((rows) => {
        late.push(...rows)
      })
      .foreachBatch(async (df, id) => {
        batches.set(id, await df.collect())
      })
      .start()
  let q = await start()
  for (let i = 0; i < chunks.length; i++) {
    input.addData(chunks[i])
    await q.processAllAvailable()
    if (restartAfter[i % restartAfter.length]) {
      await q.stop()
      q = await start()
    }
  }
  await q.processAllAvailable()
  await q.stop()
  const ids = [...batches.keys()].sort((a, b) => a - b)
  return { batches: ids.map((id) => batches.get(id)!), late }
}

const perKey = (df: DataFrame<Event>) =>
  df
    .groupBy('key')
    .agg(
      count().alias('n'),
      F.sum('v').alias('total'),
      F.min('v').alias('lo'),
      F.max('v').alias('hi'),
    ) as unknown as DataFrame<Record<string, unknown>>

describe('stateful streaming invariants', () => {
  it('complete mode equals the batch aggregation, whatever the splits and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventStream(20),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        async (rows, cuts, restarts) => {
          const session = newSession()
          const { batches } = await runStream(session, perKey, 'complete', split(rows, cuts), restarts)
          const expected = await perKey(session.createDataFrame(rows, events)).collect()
          expect(sortRows(batches[batches.length - 1])).toEqual(sortRows(expected))
          await session.stop()
        },
      ),
      { numRuns: 25 },
    )
  })

  it("update mode's last value per key equals the batch aggregation", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventStream(20),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        async (rows, cuts, restarts) => {
          const session = newSession()
          const { batches } = await runStream(session, perKey, 'update', split(rows, cuts), restarts)
          const lastPerKey = new Map<unknown, unknown>()
          for (const b of batches) for (const r of b) lastPerKey.set(r.key, r)
          const expected = await perKey(session.createDataFrame(rows, events)).collect()
          expect(sortRows([...lastPerKey.values()])).toEqual(sortRows(expected))
          await session.stop()
        },
      ),
      { numRuns: 25 },
    )
  })

  it('append mode with a watermark above the disorder emits each closed window once, with the batch answer', async () => {
    const windowed = (df: DataFrame<Event>) =>
      df
        .withWatermark('ts', '15 minutes')
        .groupBy(F.window(col('ts'), '10 minutes'), 'key')
        .agg(count().alias('n'), F.sum('v').alias('total')) as unknown as DataFrame<Record<string, unknown>>
    await fc.assert(
      fc.asyncProperty(
        eventStream(15),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        async (rows, cuts, restarts) => {
          const session = newSession()
          const { batches, late } = await runStream(session, windowed, 'append', split(rows, cuts), restarts)
          expect(late).toEqual([])
          const finalWatermark = Math.max(...rows.map((r) => r.ts.getTime())) - 15 * MINUTE
          const emitted = batches.flat()
          const expected = (await windowed(session.createDataFrame(rows, events)).collect()).filter(
            (r) => (r.window as { end: Date }).end.getTime() <= finalWatermark,
          )
          expect(sortRows(emitted)).toEqual(sortRows(expected))
          await session.stop()
        },
      ),
      { numRuns: 25 },
    )
  })

  it('late rows are exactly those whose window the watermark had closed when they arrived', async () => {
    const delayMin = 5
    const windowed = (df: DataFrame<Event>) =>
      df
        .withWatermark('ts', `${delayMin} minutes`)
        .groupBy(F.window(col('ts'), '10 minutes'), 'key')
        .agg(count().alias('n')) as unknown as DataFrame<Record<string, unknown>>
    await fc.assert(
      fc.asyncProperty(
        eventStream(40),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        async (rows, cuts, restarts) => {
          const session = newSession()
          const chunks = split(rows, cuts)
          const { late, batches } = await runStream(session, windowed, 'append', chunks, restarts)
          // Simulate the watermark: before each batch, the max event time of earlier batches minus the delay.
          const expectedLate: Event[] = []
          const kept: Event[] = []
          let maxSeen = Number.NEGATIVE_INFINITY
          for (const chunk of chunks) {
            const watermark = Math.max(0, maxSeen - delayMin * MINUTE)
            for (const r of chunk) {
              const end = Math.floor(r.ts.getTime() / (10 * MINUTE)) * 10 * MINUTE + 10 * MINUTE
              if (watermark > 0 && end <= watermark) expectedLate.push(r)
              else kept.push(r)
            }
            maxSeen = Math.max(maxSeen, ...chunk.map((r) => r.ts.getTime()))
          }
          expect(sortRows(late)).toEqual(sortRows(expectedLate))
          const finalWatermark = maxSeen - delayMin * MINUTE
          const expected = (await windowed(session.createDataFrame(kept, events)).collect()).filter(
            (r) => (r.window as { end: Date }).end.getTime() <= finalWatermark,
          )
          expect(sortRows(batches.flat())).toEqual(sortRows(expected))
          await session.stop()
        },
      ),
      { numRuns: 25 },
    )
  })
})
