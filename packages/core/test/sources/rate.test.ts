import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { col, type DataFrame, rateRows, type Session, valueAtSecond } from '../../src/index.js'
import { RATE_START_FILE } from '../../src/sources/rate.js'
import { newSession, tempDir } from '../helpers.js'

/** Spark's RateStreamProvider.valueAtSecond, transcribed with Scala Long (BigInt) arithmetic. */
function sparkValueAtSecond(seconds: bigint, rowsPerSecond: bigint, rampUpTimeSeconds: bigint): bigint {
  const speedDeltaPerSecond = rowsPerSecond / (rampUpTimeSeconds + 1n)
  if (seconds <= rampUpTimeSeconds) {
    return seconds % 2n === 1n
      ? ((seconds + 1n) / 2n) * speedDeltaPerSecond * seconds
      : (seconds / 2n) * speedDeltaPerSecond * (seconds + 1n)
  }
  const rampUpPart = sparkValueAtSecond(rampUpTimeSeconds, rowsPerSecond, rampUpTimeSeconds)
  return rampUpPart + (seconds - rampUpTimeSeconds) * rowsPerSecond
}

type RateRow = { timestamp: Date; value: number }

const plain = (rows: readonly Record<string, unknown>[]) =>
  rows.map((r) => ({ timestamp: (r.timestamp as Date).getTime(), value: r.value as number }))

function expectedRows(startMs: number, from: number, to: number, rps: number, ramp: number) {
  const { timestamps, values } = rateRows(startMs, from, to, rps, ramp)
  return [...values].map((v, i) => ({ timestamp: timestamps[i], value: v }))
}

/** Pretends the source first started at `startMs`, as an earlier run would have recorded. */
function seedStartTime(checkpoint: string, startMs: number): void {
  const dir = path.join(checkpoint, 'sources', '0')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, RATE_START_FILE), JSON.stringify({ version: 1, startTimeMs: startMs }))
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Runs `df` with foreachBatch, keeping each batch's rows by batch id (a replay overwrites). */
async function startCollecting(df: DataFrame<RateRow>, checkpoint: string) {
  const batches = new Map<number, { timestamp: number; value: number }[]>()
  const query = await df.writeStream
    .foreachBatch(async (batch, id) => {
      batches.set(id, plain((await batch.collect()) as Record<string, unknown>[]))
    })
    .option('checkpointLocation', checkpoint)
    .start()
  return { query, batches }
}

const rate = (session: Session, options: Record<string, string | number>) =>
  session.readStream.format('rate').options(options).load() as unknown as DataFrame<RateRow>

describe('rate source: the row formula', () => {
  it("matches Spark's valueAtSecond examples, ramp-up included", () => {
    // The table in Spark's comment (rampUpTimeSeconds = 4, rowsPerSecond = 10).
    expect([0, 1, 2, 3, 4, 5, 6].map((s) => valueAtSecond(s, 10, 4))).toEqual([0, 2, 6, 12, 20, 30, 40])
    // RateStreamProviderSuite's valueAtSecond cases.
    expect([0, 1].map((s) => valueAtSecond(s, 5, 0))).toEqual([0, 5])
    expect([0, 1, 2, 3].map((s) => valueAtSecond(s, 5, 2))).toEqual([0, 1, 3, 8])
  })

  it("equals Spark's formula (Long arithmetic) over a grid, including integer-division quirks", () => {
    for (const rps of [1, 2, 3, 5, 7, 10, 100, 1000]) {
      for (const ramp of [0, 1, 2, 3, 4, 9, 10, 30]) {
        for (let s = 0; s <= 45; s++) {
          const ours = valueAtSecond(s, rps, ramp)
          const spark = sparkValueAtSecond(BigInt(s), BigInt(rps), BigInt(ramp))
          expect(ours, `seconds=${s} rowsPerSecond=${rps} rampUp=${ramp}`).toBe(Number(spark))
        }
      }
    }
    // rowsPerSecond below rampUp + 1: Spark's speed delta is 0, so no rows until ramp-up ends.
    expect([0, 2, 4, 5, 6].map((s) => valueAtSecond(s, 3, 4))).toEqual([0, 0, 0, 3, 6])
  })

  it("spreads a range's timestamps evenly, rounded as Spark's reader does", () => {
    // Spark's ramp-up stream test: rowsPerSecond 10, rampUpTime 4 s, manual clock at 0.
    expect(expectedRows(0, 0, 1, 10, 4)).toEqual([
      { timestamp: 0, value: 0 },
      { timestamp: 500, value: 1 },
    ])
    expect(expectedRows(0, 1, 2, 10, 4)).toEqual(
      [2, 3, 4, 5].map((v, i) => ({ timestamp: 1000 + 250 * i, value: v })),
    )
    // 6 values over 1000 ms: 166.67 ms apart, Math.round like Scala's math.round.
    expect(expectedRows(0, 2, 3, 10, 4).map((r) => r.timestamp)).toEqual([2000, 2167, 2333, 2500, 2667, 2833])
    // A range of several seconds shares its milliseconds among all its values.
    expect(expectedRows(1_000_000, 0, 2, 2, 0)).toEqual([
      { timestamp: 1_000_000, value: 0 },
      { timestamp: 1_000_500, value: 1 },
      { timestamp: 1_001_000, value: 2 },
      { timestamp: 1_001_500, value: 3 },
    ])
    expect(rateRows(0, 3, 3, 10, 0).values).toHaveLength(0)
  })

  it('refuses ranges past 2^53 with a clear error', () => {
    expect(() => rateRows(0, 0, Number.MAX_SAFE_INTEGER, 2, 0)).toThrow(/rowsPerSecond=2/)
  })
})

describe('rate source in a query', () => {
  it('reads the rows of the elapsed seconds since the recorded start time, and availableNow ends', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const startMs = Date.now() - 3_500
    seedStartTime(checkpoint, startMs)
    const q = await rate(session, { rowsPerSecond: 10, rampUpTime: '2s' })
      .writeStream.format('memory')
      .queryName('rate_seeded')
      .option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true })
      .start()
    expect(await q.awaitTermination(10_000)).toBe(true)
    const end = q.lastProgress!.sources[0].endOffset as number
    expect(end).toBeGreaterThanOrEqual(3)
    const rows = plain((await session.table('rate_seeded').collect()) as Record<string, unknown>[])
    expect(rows).toEqual(expectedRows(startMs, 0, end, 10, 2))
    // Ramp-up over 2 s at 10/s: 3 per second during it (10 / 3 rounded down), then 10.
    expect(rows.length).toBe(valueAtSecond(end, 10, 2))
    expect(valueAtSecond(3, 10, 2)).toBe(19)
    expect(q.lastProgress!.sources[0].description).toBe(
      'RateStreamV2[rowsPerSecond=10, rampUpTimeSeconds=2, numPartitions=default]',
    )
  })

  it('ends an availableNow query on a new source with no rows (second 0 has none)', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const q = await rate(session, { rowsPerSecond: 100 })
      .writeStream.format('memory')
      .queryName('rate_fresh')
      .option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true })
      .start()
    expect(await q.awaitTermination(5_000)).toBe(true)
    expect(await session.table('rate_fresh').count()).toBe(0)
    // The start time is recorded on first start, for the runs that follow.
    const recorded = JSON.parse(readFileSync(path.join(checkpoint, 'sources', '0', RATE_START_FILE), 'utf8'))
    expect(recorded.version).toBe(1)
    expect(Math.abs(recorded.startTimeMs - Date.now())).toBeLessThan(5_000)
  })

  it('replays a batch after a restart with identical values and timestamps', async () => {
    const checkpoint = tempDir()
    const first = await startCollecting(
      rate(newSession(), { rowsPerSecond: 20, numPartitions: 3 }),
      checkpoint,
    )
    await waitFor(() => [...first.batches.values()].some((b) => b.length > 0), 10_000, 'a batch with rows')
    await first.query.stop()
    const ids = [...first.batches.keys()].sort((a, b) => a - b)
    const last = ids[ids.length - 1]
    const original = first.batches.get(last)!
    expect(original.length).toBeGreaterThan(0)
    // Values count up from 0 in order, whatever numPartitions says.
    const all = ids.flatMap((id) => first.batches.get(id)!.map((r) => r.value))
    expect(all).toEqual(all.map((_, i) => i))

    // As if the process died after writing offsets/N but before commits/N.
    rmSync(path.join(checkpoint, 'commits', String(last)))
    const second = await startCollecting(
      rate(newSession(), { rowsPerSecond: 20, numPartitions: 3 }),
      checkpoint,
    )
    await waitFor(() => second.batches.has(last), 10_000, `the replay of batch ${last}`)
    await second.query.stop()
    expect(second.batches.get(last)).toEqual(original)
    // Later batches go on from where the replayed one ended.
    const next = second.batches.get(last + 1)
    if (next && next.length > 0) expect(next[0].value).toBe(original[original.length - 1].value + 1)
  })

  it('works with expressions over its columns', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const startMs = Date.now() - 2_200
    seedStartTime(checkpoint, startMs)
    const q = await rate(session, { rowsPerSecond: 4 })
      .where(col('value').gt(2))
      .select(col('value').multiply(10).alias('tens'))
      .writeStream.format('memory')
      .queryName('rate_expr')
      .option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination(10_000)
    const rows = await session.table('rate_expr').collect()
    expect(rows.slice(0, 3)).toEqual([{ tens: 30 }, { tens: 40 }, { tens: 50 }])
  })
})

describe('rate source options', () => {
  it('refuses bad options at load() with the way out', () => {
    const session = newSession()
    expect(() => session.readStream.format('rate').option('rowsPerSecond', 0).load()).toThrow(
      /option 'rowsPerSecond' must be a positive integer, got '0'/,
    )
    expect(() => session.readStream.format('rate').option('rowPerSecond', 5).load()).toThrow(
      /unknown option 'rowPerSecond'. Did you mean 'rowsPerSecond'/,
    )
    expect(() => session.readStream.format('rate').option('rampUpTime', 'soon').load()).toThrow(/rampUpTime/)
    expect(() => session.read.format('rate').load()).toThrow(
      /streaming only: use session.readStream.format\('rate'\)/,
    )
  })

  it('reads rampUpTime as Spark does: a bare number is seconds', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    seedStartTime(checkpoint, Date.now() - 1_500)
    const q = await rate(session, { rowsPerSecond: 10, rampUpTime: 5 })
      .writeStream.format('memory')
      .queryName('rate_ramp')
      .option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination(10_000)
    expect(q.lastProgress!.sources[0].description).toContain('rampUpTimeSeconds=5')
  })

  it('says which file is corrupt when the recorded start time cannot be read', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    mkdirSync(path.join(checkpoint, 'sources', '0'), { recursive: true })
    writeFileSync(path.join(checkpoint, 'sources', '0', RATE_START_FILE), 'not json')
    await expect(
      rate(session, {})
        .writeStream.format('memory')
        .queryName('rate_corrupt')
        .option('checkpointLocation', checkpoint)
        .start(),
    ).rejects.toThrow(/CORRUPT_CHECKPOINT: .*rate-start\.json/)
  })
})
