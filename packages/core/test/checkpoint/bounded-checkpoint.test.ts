/**
 * Every folder of a stateful query's checkpoint stays bounded however many batches run
 * (issue #19): offsets/ and commits/ keep minBatchesToRetain batches, state/<op>/<part>/
 * keeps the deltas and snapshots a restart needs, and no state file grows with the number of
 * groups or keys that have come and gone. Each query runs enough batches to clean up several
 * times, the folder sizes of the second half of the run must not outgrow those of the first,
 * and the query then restarts on the cleaned checkpoint and goes on exactly. (The file
 * source and file sink logs have their own tests in compactible-log.test.ts.)
 */
import { readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { diskUsage as usage } from '../../../bench/src/disk-usage.js'
import { col, type DataFrame, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ ts: 'timestamp', k: 'string' })
type Event = { ts: Date; k: string }

/** Keys per round: each round opens new groups (a new window) and the watermark closes old ones. */
const KEYS = 32
const ROUND_MS = 10_000
/** Rows of round r: every key twice, in window r. */
const roundRows = (r: number): Event[] =>
  Array.from({ length: 2 * KEYS }, (_, i) => ({ ts: new Date(r * ROUND_MS + 1000), k: `k${i % KEYS}` }))

interface Usage {
  bytes: number
  files: number
}

/** The checkpoint's folders, measured one by one: each top-level folder and each state store. */
function folders(checkpoint: string): Map<string, Usage> {
  const out = new Map<string, Usage>()
  for (const top of readdirSync(checkpoint)) {
    const p = path.join(checkpoint, top)
    if (top === 'state') {
      for (const op of readdirSync(p)) {
        const opDir = path.join(p, op)
        if (!statSync(opDir).isDirectory()) {
          out.set(`state/${op}`, usage(opDir))
          continue
        }
        for (const part of readdirSync(opDir)) out.set(`state/${op}/${part}`, usage(path.join(opDir, part)))
      }
    } else {
      out.set(top, usage(p))
    }
  }
  return out
}

/** Per folder, the largest size seen in each half of the run. */
function peaks(samples: readonly Map<string, Usage>[]): Map<string, { first: Usage; second: Usage }> {
  const half = Math.floor(samples.length / 2)
  const out = new Map<string, { first: Usage; second: Usage }>()
  samples.forEach((sample, i) => {
    for (const [name, u] of sample) {
      const p = out.get(name) ?? { first: { bytes: 0, files: 0 }, second: { bytes: 0, files: 0 } }
      const side = i < half ? p.first : p.second
      side.bytes = Math.max(side.bytes, u.bytes)
      side.files = Math.max(side.files, u.files)
      out.set(name, p)
    }
  })
  return out
}

function expectBounded(samples: readonly Map<string, Usage>[], expectedFolders: readonly string[]): void {
  const p = peaks(samples)
  for (const name of expectedFolders) expect([...p.keys()], 'checkpoint folders').toContain(name)
  for (const [name, { first, second }] of p) {
    // A folder that grows with the batches run is about twice as large in the second half.
    expect(second.files, `${name}: files`).toBeLessThanOrEqual(first.files + 2)
    expect(second.bytes, `${name}: bytes (first half peaked at ${first.bytes})`).toBeLessThanOrEqual(
      first.bytes * 1.25 + 1024,
    )
  }
}

interface Run {
  /** The folders' sizes after each round. */
  readonly samples: Map<string, Usage>[]
  /** The memory sink's rows. */
  table(): Promise<Record<string, unknown>[]>
  /** A new run on the cleaned checkpoint (its state read back from the files) takes round r. */
  restartRound(r: number): Promise<void>
}

const RETAIN = 5
const ROUNDS = 40

async function runRounds<T>(
  provider: string,
  build: (input: DataFrame<Event>) => DataFrame<T>,
  outputMode: 'append',
): Promise<Run> {
  const session = newSession({
    'tributary.sql.streaming.minBatchesToRetain': String(RETAIN),
    'tributary.sql.shuffle.partitions': '2',
    'tributary.stateStore.provider': provider,
  })
  const checkpoint = path.join(tempDir(), 'ckpt')
  const input = new MemoryStream(session, events)
  const start = () =>
    build(input.toDF())
      .writeStream.format('memory')
      .queryName('bounded')
      .outputMode(outputMode)
      .option('checkpointLocation', checkpoint)
      .start()
  const q = await start()
  const samples: Map<string, Usage>[] = []
  for (let r = 0; r < ROUNDS; r++) {
    input.addData(roundRows(r))
    await q.processAllAvailable()
    samples.push(folders(checkpoint))
  }
  await q.stop()
  expect(q.exception).toBeNull()
  return {
    samples,
    table: async () => (await session.table('bounded').collect()) as Record<string, unknown>[],
    restartRound: async (r: number) => {
      const again = await start()
      input.addData(roundRows(r))
      await again.processAllAvailable()
      await again.stop()
      expect(again.exception).toBeNull()
    },
  }
}

describe('every checkpoint folder stays bounded', () => {
  // The level provider's folder is bounded by LevelDB's own compaction: its write-ahead log
  // grows to the 16 MiB write buffer before it becomes a table, more than a test writes.
  for (const provider of ['memory', 'lmdb']) {
    it(`windowed count, ${provider} state: offsets, commits, metadata and each state store`, async () => {
      const run = await runRounds(
        provider,
        (df) =>
          df
            .withWatermark('ts', '10 seconds')
            .groupBy(F.window('ts', '10 seconds'), col('k'))
            .agg(F.count().alias('n')),
        'append',
      )
      expectBounded(run.samples, ['offsets', 'commits', 'metadata', 'state/0/0', 'state/0/1'])
      const files = run.samples.at(-1)!
      expect(files.get('offsets')!.files).toBeLessThanOrEqual(RETAIN + 10)
      expect(files.get('commits')!.files).toBeLessThanOrEqual(RETAIN + 10)
      // Restart on the cleaned checkpoint: round ROUNDS - 1's window is still open, and its
      // state comes back from the files: a third row per key makes its count 3.
      await run.restartRound(ROUNDS - 1)
      await run.restartRound(ROUNDS + 1)
      const rows = await run.table()
      const byWindow = new Map<number, number[]>()
      for (const row of rows) {
        const start = (row.window as { start: Date }).start.getTime() / ROUND_MS
        byWindow.set(start, [...(byWindow.get(start) ?? []), row.n as number])
      }
      // Windows 0 … ROUNDS - 1 closed (ROUNDS + 1 closes ROUNDS - 1), each key once.
      expect([...byWindow.keys()].sort((a, b) => a - b)).toEqual([...Array(ROUNDS).keys()])
      for (const [w, counts] of byWindow) {
        expect(counts, `window ${w}`).toEqual(Array(KEYS).fill(w === ROUNDS - 1 ? 4 : 2))
      }
    }, 120_000)
  }

  for (const provider of ['memory', 'lmdb']) {
    it(`dropDuplicates within a watermark, ${provider} state: each state store`, async () => {
      // Keys are (k, ts): every round brings KEYS new keys, twice; the watermark expires old ones.
      const run = await runRounds(
        provider,
        (df) => df.withWatermark('ts', '10 seconds').dropDuplicates(['k', 'ts']).select('ts', 'k'),
        'append',
      )
      expectBounded(run.samples, ['offsets', 'commits', 'state/0/0', 'state/0/1'])
      // Round ROUNDS - 1's keys are still remembered after the restart: nothing new is kept.
      await run.restartRound(ROUNDS - 1)
      const rows = await run.table()
      expect(rows).toHaveLength(ROUNDS * KEYS)
      expect(new Set(rows.map((r) => `${(r.ts as Date).getTime()} ${r.k}`)).size).toBe(ROUNDS * KEYS)
    }, 120_000)
  }
})

const right = schema({ rts: 'timestamp', rk: 'string' })

describe('a stream-stream join checkpoint stays bounded', () => {
  for (const provider of ['memory', 'lmdb']) {
    it(`inner join within a time range, ${provider} state: both sides' state stores`, async () => {
      const session = newSession({
        'tributary.sql.streaming.minBatchesToRetain': String(RETAIN),
        'tributary.sql.shuffle.partitions': '2',
        'tributary.stateStore.provider': provider,
      })
      const checkpoint = path.join(tempDir(), 'ckpt')
      const left = new MemoryStream(session, events)
      const rightInput = new MemoryStream(session, right)
      const start = () =>
        left
          .toDF()
          .withWatermark('ts', '10 seconds')
          .join(
            rightInput.toDF().withWatermark('rts', '10 seconds'),
            col('rk')
              .eq(col('k'))
              .and(col('rts').geq(col('ts')))
              .and(col('rts').leq(col('ts').plus(F.interval('5 seconds')))),
          )
          .writeStream.format('memory')
          .queryName('joined')
          .option('checkpointLocation', checkpoint)
          .start()
      const rightRows = (r: number, offsetMs: number) =>
        Array.from({ length: KEYS }, (_, i) => ({ rts: new Date(r * ROUND_MS + offsetMs), rk: `k${i}` }))
      const q = await start()
      const samples: Map<string, Usage>[] = []
      for (let r = 0; r < ROUNDS; r++) {
        left.addData(roundRows(r).slice(0, KEYS))
        rightInput.addData(rightRows(r, 2000))
        await q.processAllAvailable()
        samples.push(folders(checkpoint))
      }
      await q.stop()
      expect(q.exception).toBeNull()
      expectBounded(samples, ['offsets', 'commits'])
      expect([...samples.at(-1)!.keys()].filter((n) => n.startsWith('state/')).length).toBeGreaterThan(0)
      // The last round's left rows come back from the cleaned state and meet new right rows.
      const again = await start()
      rightInput.addData(rightRows(ROUNDS - 1, 3000))
      await again.processAllAvailable()
      await again.stop()
      expect(again.exception).toBeNull()
      const rows = (await session.table('joined').collect()) as Record<string, unknown>[]
      expect(rows).toHaveLength((ROUNDS + 1) * KEYS)
    }, 120_000)
  }
})
