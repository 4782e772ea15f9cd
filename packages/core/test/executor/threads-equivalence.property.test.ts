/**
 * The executor's first promise: a query gives the same output, batch by batch, on 1, 2 or
 * 4 threads and with any number of state partitions, and a restart may change the thread
 * count. Checked over generated event streams, micro-batch splits and query shapes (one
 * per stage layout: stateless, aggregation, windowed append with a watermark, sliding
 * update, deduplication), and with map-side partial aggregation for every aggregate that
 * has a partial form. Sums and averages of fractional numbers add in another order when
 * aggregated in parts, so they are compared within a relative 1e-9 (docs/parallelism.md).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  col,
  count,
  type DataFrame,
  type ExecutorProgress,
  functions as F,
  MemoryStream,
  type OutputMode,
  schema,
} from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ key: 'string', ts: 'timestamp', v: 'long' })
type Event = { key: string; ts: Date; v: number }
const MINUTE = 60_000
const T0 = Date.UTC(2026, 0, 1)

const eventStream = fc
  .array(
    fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd', 'é', ''),
      step: fc.integer({ min: 0, max: 4 }),
      jitter: fc.integer({ min: 0, max: 15 }),
      v: fc.integer({ min: -5, max: 5 }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((raw) => {
    let clock = 30
    return raw.map((r) => {
      clock += r.step
      return { key: r.key, ts: new Date(T0 + (clock - r.jitter) * MINUTE), v: r.v } as Event
    })
  })

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

type Shape = {
  name: string
  mode: OutputMode
  build: (df: DataFrame<Event>) => Frame
  /** Columns of fractional sums and averages, compared within a relative 1e-9. */
  approx?: readonly string[]
}
type Frame = DataFrame<Record<string, unknown>>
const frame = <R>(df: DataFrame<R>): Frame => df as unknown as Frame

const SHAPES: Shape[] = [
  {
    name: 'stateless select and filter',
    mode: 'append',
    build: (df) =>
      frame(df.where(col('v').gt(-3)).select(col('key'), col('v').multiply(2).alias('w'), col('ts'))),
  },
  {
    name: 'aggregation per key, complete',
    mode: 'complete',
    build: (df) =>
      frame(df.groupBy('key').agg(count().alias('n'), F.sum('v').alias('s'), F.avg('v').alias('a'))),
  },
  {
    name: 'tumbling window with a watermark, append',
    mode: 'append',
    build: (df) =>
      frame(
        df
          .withWatermark('ts', '10 minutes')
          .groupBy(F.window(col('ts'), '10 minutes'), col('key'))
          .agg(count().alias('n'), F.max('v').alias('hi')),
      ),
  },
  {
    name: 'sliding window, update',
    mode: 'update',
    build: (df) =>
      frame(
        df
          .withWatermark('ts', '5 minutes')
          .groupBy(F.window(col('ts'), '10 minutes', '5 minutes'))
          .agg(count().alias('n')),
      ),
  },
  {
    name: 'every aggregate with a partial form, update',
    mode: 'update',
    approx: ['sd', 'ad'],
    build: (df) => frame(df.groupBy('key').agg(...partialAggregates())),
  },
  {
    name: 'dropDuplicates, append',
    mode: 'append',
    build: (df) => frame(df.dropDuplicates(['key', 'v']).where(col('v').gt(-5))),
  },
]

/** One of each aggregate that has a partial form (ties in max_by/min_by: the first row wins). */
function partialAggregates() {
  const d = col('v').multiply(0.1)
  return [
    count().alias('n'),
    count(F.when(col('v').gt(0), 1)).alias('pos'),
    F.sum('v').alias('s'),
    F.avg('v').alias('a'),
    F.sum(d).alias('sd'),
    F.avg(d).alias('ad'),
    F.min('v').alias('lo'),
    F.max('ts').alias('hi'),
    F.max(col('key')).alias('kmax'),
    F.max_by(col('ts'), col('v')).alias('tsOfMax'),
    F.min_by(col('ts'), col('v')).alias('tsOfMin'),
    F.approx_count_distinct(col('v')).alias('adv'),
  ]
}

/** Batch by batch, the same rows; `approx` columns within a relative 1e-9. */
function expectSame(actual: string[][], expected: string[][], approx: readonly string[] = []): void {
  if (approx.length === 0) {
    expect(actual).toEqual(expected)
    return
  }
  const split = (batch: string[]) =>
    batch
      .map((json) => {
        const row = JSON.parse(json) as Record<string, unknown>
        const near: Record<string, unknown> = {}
        for (const c of approx) {
          near[c] = row[c]
          delete row[c]
        }
        return { exact: JSON.stringify(row), near }
      })
      .sort((x, y) => (x.exact < y.exact ? -1 : x.exact > y.exact ? 1 : 0))
  expect(actual.length).toBe(expected.length)
  actual.forEach((batch, b) => {
    const got = split(batch)
    const want = split(expected[b])
    expect(got.map((r) => r.exact)).toEqual(want.map((r) => r.exact))
    got.forEach((r, i) => {
      for (const c of approx) {
        const x = r.near[c] as number | null
        const y = want[i].near[c] as number | null
        if (x === null || y === null) expect(x).toBe(y)
        else expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x), Math.abs(y)))
      }
    })
  })
}

const sortRows = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort()

/** Runs the chunks through the shape, restarting with the next thread count after every second chunk. */
async function run(
  shape: Shape,
  chunks: Event[][],
  threads: readonly number[],
  partitions: number,
  provider = 'memory',
  /** Every batch must have been cut into slices for the workers. */
  sliced = false,
  /** Each batch's executor progress. */
  progress: ExecutorProgress[] = [],
  /** Each batch's rows dropped as late (numRowsDroppedByWatermark). */
  late: number[] = [],
): Promise<string[][]> {
  const checkpoint = tempDir()
  const batches = new Map<number, string[]>()
  const modes = new Set<string>()
  const session = newSession({
    'tributary.sql.shuffle.partitions': String(partitions),
    'tributary.stateStore.provider': provider,
  })
  const input = new MemoryStream(session, events)
  const start = (t: number) => {
    session.conf.set('tributary.executor.threads', String(t))
    return shape
      .build(input.toDF())
      .writeStream.outputMode(shape.mode)
      .option('checkpointLocation', checkpoint)
      .foreachBatch(async (df, id) => {
        batches.set(id, sortRows(await df.collect()))
      })
      .start()
  }
  let t = 0
  let query = await start(threads[0])
  for (let i = 0; i < chunks.length; i++) {
    input.addData(chunks[i])
    await query.processAllAvailable()
    modes.add(`${threads[t]}:${query.lastProgress?.executor?.mode}`)
    if (query.lastProgress?.executor) progress.push(query.lastProgress.executor)
    for (const op of query.lastProgress?.stateOperators ?? []) late.push(op.numRowsDroppedByWatermark)
    if (sliced) expect(query.lastProgress?.executor?.tasks.length).toBeGreaterThan(1)
    if (threads.length > 1 && i % 2 === 1) {
      await query.stop()
      t = (t + 1) % threads.length
      query = await start(threads[t])
    }
  }
  await query.processAllAvailable()
  await query.stop()
  // More than one thread must mean worker threads here: these shapes all split into stages.
  for (const m of modes)
    expect(m.startsWith('1:') ? m : m.replace(/inThread$/, 'FELL BACK')).not.toMatch(/FELL BACK/)
  return [...batches.keys()].sort((a, b) => a - b).map((id) => batches.get(id)!)
}

describe('the same results on any number of threads', () => {
  for (const shape of SHAPES) {
    it(`${shape.name}: 1, 2 and 4 threads, any partitions`, async () => {
      await fc.assert(
        fc.asyncProperty(
          eventStream,
          fc.array(fc.nat(), { maxLength: 4 }),
          fc.constantFrom(1, 2, 3, 5),
          async (rows, cuts, partitions) => {
            const chunks = split(rows, cuts)
            const lateOne: number[] = []
            const one = await run(shape, chunks, [1], partitions, 'memory', false, [], lateOne)
            for (const t of [2, 4]) {
              const late: number[] = []
              expectSame(
                await run(shape, chunks, [t], partitions, 'memory', false, [], late),
                one,
                shape.approx,
              )
              // Rows dropped as late count input rows, also when they came as partial rows.
              expect(late).toEqual(lateOne)
            }
          },
        ),
        { numRuns: 3 },
      )
    })
  }

  it('stateless, batches large enough to be cut into slices for the workers', async () => {
    const shape = SHAPES[0]
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 8_193, max: 12_000 }), { minLength: 1, maxLength: 3 }),
        fc.integer(),
        async (sizes, seed) => {
          const chunks = sizes.map((n, c) =>
            Array.from({ length: n }, (_, i) => ({
              key: ['a', 'é', '', '"q"', '\ud83d'][Math.abs(i * 31 + seed + c) % 5],
              ts: new Date(T0 + i * 1000),
              v: ((i * 7 + seed) % 11) - 5,
            })),
          )
          const one = await run(shape, chunks, [1], 4)
          for (const t of [2, 4]) expect(await run(shape, chunks, [t], 4, 'memory', true)).toEqual(one)
        },
      ),
      { numRuns: 2 },
    )
  })

  it('aggregation in parts: batches cut into slices, one row per key and slice shuffled', async () => {
    const shape = SHAPES.find((s) => s.name.startsWith('every aggregate'))!
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 8_193, max: 12_000 }), { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (sizes, seed) => {
          let clock = 0
          const chunks = sizes.map((n, c) =>
            Array.from({ length: n }, (_, i) => ({
              key: ['a', 'é', '', '"q"', '\ud83d', 'b'][(i * 31 + seed + c) % 6],
              ts: new Date(T0 + clock++ * 1000),
              // Few values: many ties for max_by and min_by, where the first row must win.
              v: ((i * 7 + seed) % 11) - 5,
            })),
          )
          const one = await run(shape, chunks, [1], 4)
          for (const t of [2, 4]) {
            const progress: ExecutorProgress[] = []
            expectSame(await run(shape, chunks, [t], 4, 'memory', true, progress), one, shape.approx)
            for (const p of progress) {
              expect(p.partialAggregation).toBe(true)
              const input = p.tasks.reduce((sum, task) => sum + task.numInputRows, 0)
              // At most one row per key (6) and slice crossed the shuffle, and the partitions
              // still count every input row as the aggregation's input.
              expect(p.tasks.reduce((sum, task) => sum + task.numShuffledRows, 0)).toBeLessThanOrEqual(6 * t)
              expect(p.partitions.reduce((sum, q) => sum + q.numShuffledRows, 0)).toBeLessThanOrEqual(6 * t)
              expect(p.partitions.reduce((sum, q) => sum + q.numInputRows, 0)).toBe(input)
            }
          }
        },
      ),
      { numRuns: 2 },
    )
  })

  it('a restart may change the thread count (2, 4, 3 threads in turn)', async () => {
    const shape = SHAPES[2]
    await fc.assert(
      fc.asyncProperty(
        eventStream,
        fc.array(fc.nat(), { minLength: 3, maxLength: 6 }),
        async (rows, cuts) => {
          const chunks = split(rows, cuts)
          expect(await run(shape, chunks, [2, 4, 3], 4)).toEqual(await run(shape, chunks, [1], 4))
        },
      ),
      { numRuns: 3 },
    )
  })

  it('with a per-key state store (lmdb), a restart may go from 1 thread to 2 and back', async () => {
    const shape = SHAPES[1]
    const rows = fc.sample(eventStream, { numRuns: 1, seed: 7 })[0]
    const chunks = split(rows, [3, 9, 17, 30, 41])
    const one = await run(shape, chunks, [1], 3, 'lmdb')
    expect(await run(shape, chunks, [1, 2, 1], 3, 'lmdb')).toEqual(one)
  })
})
