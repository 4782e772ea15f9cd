/**
 * Streaming dropDuplicates and dropDuplicatesWithinWatermark: which values are one key,
 * state across restarts, late rows and expiry, the same answers on every state store
 * provider (the memory provider keeps keys in the operator's DedupTable and writes chunks;
 * the others keep one entry per key text), and the table's chunks read back after a
 * restart, including state written one entry per key by earlier versions.
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { numberVector, objectVector, type Vector } from '../../src/batch/vector.js'
import { keyTextOf, numberKeyText } from '../../src/exec/dedup-key.js'
import { DEDUP_CHUNK, DEDUP_CHUNK_PREFIX, DedupTable } from '../../src/exec/dedup-table.js'
import { type DataFrame, MemoryStream, schema } from '../../src/index.js'
import { MemoryStateStoreProvider } from '../../src/state/memory-provider.js'
import { OperatorState } from '../../src/state/state-manager.js'
import type { StateStore } from '../../src/state/state-store.js'
import { DoubleType, LongType, StringType } from '../../src/types/data-types.js'
import { newSession, tempDir } from '../helpers.js'

const PROVIDERS = ['memory', 'lmdb', 'level'] as const

interface Run {
  batches: Record<string, unknown>[][]
  late: Record<string, unknown>[]
  stateRows: number[]
  removed: number[]
}

/** Adds each chunk as a batch (restarting where asked) and collects every batch's output. */
async function runBatches<R>(
  input: MemoryStream<R>,
  build: (df: DataFrame<R>) => DataFrame<unknown>,
  chunks: R[][],
  restartAfter: (i: number) => boolean = () => false,
): Promise<Run> {
  const checkpoint = tempDir()
  const out = new Map<number, Record<string, unknown>[]>()
  const run: Run = { batches: [], late: [], stateRows: [], removed: [] }
  const start = () =>
    build(input.toDF())
      .writeStream.outputMode('append')
      .option('checkpointLocation', checkpoint)
      .withLateRows((rows) => {
        run.late.push(...(rows as Record<string, unknown>[]))
      })
      .foreachBatch(async (df, id) => {
        out.set(id, (await df.collect()) as Record<string, unknown>[])
      })
      .start()
  let q = await start()
  for (let i = 0; i < chunks.length; i++) {
    input.addData(chunks[i])
    await q.processAllAvailable()
    const p = q.lastProgress!.stateOperators[0]
    run.stateRows.push(p.numRowsTotal)
    run.removed.push(p.numRowsRemoved)
    if (restartAfter(i)) {
      await q.stop()
      q = await start()
    }
  }
  await q.stop()
  run.batches = [...out.keys()].sort((a, b) => a - b).map((id) => out.get(id)!)
  return run
}

describe('dedup key text (stores with one entry per key)', () => {
  const text = (cols: Vector[], i = 0) => keyTextOf(cols)(i)
  const dbl = (...xs: number[]) => numberVector(DoubleType, Float64Array.from(xs))
  const str = (...xs: (string | null)[]) => objectVector(StringType, xs)

  it('is the JSON text of the key values, as stored state has it', () => {
    const cols = [
      dbl(1.5, -3, 1e21),
      str('a"b', null, 'é\n'),
      numberVector(LongType, Float64Array.of(7, 8, 9)),
    ]
    for (let i = 0; i < 3; i++) {
      const values = cols.map((c) => (c.kind === 'object' ? c.values[i] : c.values[i]))
      expect(text(cols, i)).toBe(JSON.stringify(values))
    }
    const nested = objectVector(StringType, [{ a: [1, 'x'], b: new Date(0) }])
    expect(text([nested])).toBe(JSON.stringify([{ a: [1, 'x'], b: new Date(0) }]))
    const withNull = numberVector(DoubleType, Float64Array.of(1, 2), Uint8Array.of(1, 0))
    expect([text([withNull], 0), text([withNull], 1)]).toEqual(['[1]', '[null]'])
  })

  it('tells apart values that JSON or a loose encoding would merge', () => {
    // 1 and "1", null and "null": by the JSON type of each column's value.
    expect(text([dbl(1)])).not.toBe(text([str('1')]))
    expect(text([str(null)])).not.toBe(text([str('null')]))
    // NaN, Infinity, -Infinity and null were all `null` in JSON: four keys now.
    const special = [text([dbl(Number.NaN)]), text([dbl(Number.POSITIVE_INFINITY)]), text([dbl(-Infinity)])]
    const nulls = text([numberVector(DoubleType, Float64Array.of(0), Uint8Array.of(0))])
    expect(new Set([...special, nulls]).size).toBe(4)
    // -0 is 0, and every NaN is one key.
    expect(text([dbl(-0)])).toBe(text([dbl(0)]))
    expect(numberKeyText(Number.NaN)).toBe(numberKeyText(0 / 0))
    // Columns do not run into each other.
    expect(text([str('a,b'), str('c')])).not.toBe(text([str('a'), str('b,c')]))
  })
})

describe.each(PROVIDERS)('streaming dropDuplicates on the %s state store', (provider) => {
  const conf = { 'tributary.stateStore.provider': provider }

  it('keeps the first row of each key; NaN, null, ±Infinity, 1 and "1", null and "null" are different keys', async () => {
    const session = newSession(conf)
    const s = schema({ x: 'double', s: 'string', n: 'long' })
    type Row = { x: number | null; s: string | null; n: number }
    const input = new MemoryStream(session, s)
    const rows: [number | null, string | null][] = [
      [1, '1'],
      [1, '1'],
      [Number.NaN, 'a'],
      [Number.NaN, 'a'],
      [null, 'a'],
      [Number.POSITIVE_INFINITY, 'a'],
      [Number.NEGATIVE_INFINITY, 'a'],
      [0, 'a'],
      [-0, 'a'],
      [null, null],
      [null, 'null'],
      [1, null],
    ]
    const first = rows.map(([x, str], n) => ({ x, s: str, n }) as Row)
    // The second batch repeats every key (and -0 for 0) and adds one.
    const second = [
      ...first.map((r) => ({ ...r, x: Object.is(r.x, 0) ? -0 : r.x, n: r.n + 100 })),
      { x: 2, s: 'x', n: 200 },
    ]
    const run = await runBatches(
      input as unknown as MemoryStream<Row>,
      (df) => df.dropDuplicates(['x', 's']) as DataFrame<unknown>,
      [first, second],
      (i) => i === 0,
    )
    expect(run.batches[0].map((r) => r.n)).toEqual([0, 2, 4, 5, 6, 7, 9, 10, 11])
    expect(run.batches[1].map((r) => r.n)).toEqual([200])
    expect(run.stateRows).toEqual([9, 10])
  })

  it('drops late rows and forgets keys whose event time the watermark passed', async () => {
    const session = newSession(conf)
    const s = schema({ k: 'string', ts: 'timestamp' })
    const at = (k: string, sec: number) => ({ k, ts: new Date(Date.UTC(2026, 0, 1, 12, 0, sec)) })
    const input = new MemoryStream(session, s)
    const run = await runBatches(
      input,
      (df) => df.withWatermark('ts', '10 seconds').dropDuplicates(['k', 'ts']) as DataFrame<unknown>,
      [
        [at('a', 0), at('a', 0), at('b', 5), at('a', 20)],
        // Watermark 12:00:10: (a, 0) and (b, 5) left the state (in a batch without data
        // when the watermark moved); (b, 5) again is late.
        [at('b', 5), at('a', 20), at('c', 30)],
        [at('c', 30), at('a', 25)],
      ],
      (i) => i === 1,
    )
    const keys = (b: Record<string, unknown>[]) => b.map((r) => `${r.k}@${(r.ts as Date).getUTCSeconds()}`)
    expect(run.batches.filter((b) => b.length > 0).map(keys)).toEqual([
      ['a@0', 'b@5', 'a@20'],
      ['c@30'],
      ['a@25'],
    ])
    expect(run.late.map((r) => r.k)).toEqual(['b'])
    // After each step: (a, 20); (a, 20) and (c, 30), then the watermark 12:00:20 drops (a, 20); (c, 30) and (a, 25).
    expect(run.stateRows).toEqual([1, 1, 2])
  })

  it('dropDuplicatesWithinWatermark keeps a key until its first event time plus the delay', async () => {
    const session = newSession(conf)
    const s = schema({ k: 'string', ts: 'timestamp', n: 'long' })
    const at = (k: string, sec: number, n: number) => ({
      k,
      ts: new Date(Date.UTC(2026, 0, 1, 12, 0, sec)),
      n,
    })
    const input = new MemoryStream(session, s)
    const run = await runBatches(
      input,
      (df) => df.withWatermark('ts', '10 seconds').dropDuplicatesWithinWatermark(['k']) as DataFrame<unknown>,
      [
        [at('a', 0, 1), at('b', 1, 2), at('a', 5, 3)],
        // A batch evicts with the watermark of the batches before it: 11:59:55, then
        // 12:00:05 here, so a (expires at 12:00:10) and b (12:00:11) are still kept.
        [at('a', 15, 4), at('b', 9, 5)],
        [at('a', 30, 6), at('b', 21, 7), at('c', 22, 8)],
        // The watermark 12:00:20 has dropped a and b: a comes again.
        [at('a', 31, 9)],
      ],
      (i) => i % 2 === 0,
    )
    expect(run.batches.flat().map((r) => r.n)).toEqual([1, 2, 8, 9])
    expect(run.stateRows).toEqual([2, 2, 1, 2])
  })
})

describe('dropDuplicates gives the same answer on every state store', () => {
  it('over many keys (several chunks), expiry and restarts', async () => {
    const s = schema({ k: 'long', g: 'string', ts: 'timestamp' })
    type Row = { k: number; g: string; ts: Date }
    let seed = 42
    // mulberry32
    const rnd = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n
    }
    const chunks: Row[][] = []
    for (let b = 0; b < 6; b++) {
      const rows: Row[] = []
      for (let i = 0; i < 4000; i++) {
        const k = Math.floor(rnd(3 * DEDUP_CHUNK))
        rows.push({
          k,
          g: k % 3 === 0 ? 'x' : 'y',
          ts: new Date(Date.UTC(2026, 0, 1) + (b * 20 + Math.floor(rnd(15))) * 1000),
        })
      }
      chunks.push(rows)
    }
    const answers: Run[] = []
    for (const provider of PROVIDERS) {
      const session = newSession({ 'tributary.stateStore.provider': provider })
      const input = new MemoryStream(session, s)
      answers.push(
        await runBatches(
          input,
          (df) =>
            df
              .withWatermark('ts', '30 seconds')
              .dropDuplicatesWithinWatermark(['k', 'g']) as DataFrame<unknown>,
          chunks,
          (i) => i % 2 === 1,
        ),
      )
    }
    const summary = (r: Run) => ({
      rows: r.batches.map((b) => b.map((x) => `${x.k}/${x.g}/${(x.ts as Date).getTime()}`)),
      late: r.late.length,
      stateRows: r.stateRows,
      removed: r.removed,
    })
    // Several chunks of keys, and keys leaving the state.
    const rows = answers[0].stateRows
    expect(Math.max(...rows)).toBeGreaterThan(DEDUP_CHUNK)
    expect(rows.some((n, i) => i > 0 && n < rows[i - 1])).toBe(true)
    expect(summary(answers[1])).toEqual(summary(answers[0]))
    expect(summary(answers[2])).toEqual(summary(answers[0]))
  })
})

describe('DedupTable', () => {
  const keyTypes = [LongType, StringType]
  const keys = (ks: number[], gs: string[]): Vector[] => [
    numberVector(LongType, Float64Array.from(ks)),
    objectVector(StringType, gs),
  ]

  async function stores(dir: string, version: number): Promise<{ state: OperatorState; list: StateStore[] }> {
    const provider = new MemoryStateStoreProvider(0)
    const list = [await provider.load(dir, 0, 0, version), await provider.load(dir, 0, 1, version)]
    return { state: new OperatorState(0, list), list }
  }

  it('reads back keys stored one entry per key (older Tributary), and rewrites them as chunks', async () => {
    const dir = path.join(tempDir(), 'state')
    const before = await stores(dir, 0)
    const text = keyTextOf(keys([1, 2, 3], ['a', 'b', 'c']))
    before.state.put(text(0), 0)
    before.state.put(text(1), 0)
    // With an expiry: kept until the watermark passes it.
    before.state.put(text(2), 5000)
    for (const s of before.list) await s.commit()

    const after = await stores(dir, 1)
    const table = await DedupTable.restore(after.state, keyTypes, true, 1)
    expect(table.size).toBe(3)
    expect(table.admit(keys([1, 3, 4, 4], ['a', 'c', 'd', 'd']), 4, () => 9000)).toEqual([2])
    expect(table.evict(6000)).toBe(1)
    table.flush(after.state)
    const entries = [...after.state.entries()].map(([k]) => k)
    expect(entries.every((k) => k.startsWith(DEDUP_CHUNK_PREFIX))).toBe(true)
    for (const s of after.list) await s.commit()

    const again = await DedupTable.restore((await stores(dir, 2)).state, keyTypes, true, 2)
    expect(again.size).toBe(3)
    expect(again.admit(keys([1, 2, 3, 4], ['a', 'b', 'c', 'd']), 4, () => 9000)).toEqual([2])
  })

  it('renumbers once most ids are unused, and its chunks still read back the live keys', async () => {
    const dir = path.join(tempDir(), 'state')
    const first = await stores(dir, 0)
    const table = new DedupTable(keyTypes, true, 0)
    const n = 6 * DEDUP_CHUNK
    const ks = Array.from({ length: n }, (_, i) => i)
    const lasting = ks.filter((i) => i % 100 === 0).length
    expect(
      table.admit(
        keys(
          ks,
          ks.map(() => 'g'),
        ),
        n,
        (i) => (i % 100 === 0 ? 10_000 : 1000),
      ).length,
    ).toBe(n)
    expect(table.evict(5000)).toBe(n - lasting)
    table.compactIfSparse()
    table.flush(first.state)
    expect([...first.state.entries()].length).toBe(1)
    for (const s of first.list) await s.commit()

    const restored = await DedupTable.restore((await stores(dir, 1)).state, keyTypes, true, 1)
    expect(restored.size).toBe(lasting)
    const probe = [0, 1, 100, 250, 300]
    expect(
      restored.admit(
        keys(
          probe,
          probe.map(() => 'g'),
        ),
        probe.length,
        () => 20_000,
      ),
    ).toEqual([1, 3])
  })
})

describe.each(PROVIDERS)('dropDuplicates on a window of the event time (%s store)', (provider) => {
  it("evicts a key once the watermark passes its window's end, and drops rows of closed windows as late", async () => {
    const session = newSession({ 'tributary.stateStore.provider': provider })
    const s = schema({ ts: 'timestamp', user: 'string' })
    type Row = { ts: Date; user: string }
    const input = new MemoryStream(session, s)
    const at = (sec: number, user: string): Row => ({ ts: new Date(sec * 1000), user })
    const { functions: F } = await import('../../src/index.js')
    const run = await runBatches(
      input as unknown as MemoryStream<Row>,
      (df) =>
        df
          .withWatermark('ts', '10 seconds')
          .withColumn('w', F.window('ts', '1 minute'))
          .dropDuplicates(['user', 'w'])
          .select('user', 'ts') as DataFrame<unknown>,
      [
        // Window [0, 60): a and b once each; a again is a duplicate.
        [at(1, 'a'), at(2, 'b'), at(30, 'a')],
        // Window [60, 120) opens; the watermark becomes 125 - 10 = 115 s after this batch.
        [at(61, 'a'), at(125, 'c')],
        // The watermark (115 s) is past the end of [0, 60) and [60, 120): those keys are gone,
        // and a row of the closed window [0, 60) is late, not a new key.
        [at(5, 'z'), at(126, 'c'), at(130, 'd')],
      ],
      (i) => i === 1,
    )
    const withRows = run.batches.filter((b) => b.length > 0)
    expect(withRows.map((b) => b.map((r) => r.user))).toEqual([['a', 'b'], ['a', 'c'], ['d']])
    expect(run.late.map((r) => r.user)).toEqual(['z'])
    // a and b of [0, 60) go when the watermark reaches 115 s, a of [60, 120) when it reaches
    // 120 s; c and d of [120, 180) stay. Without the window as event time, all five stay.
    expect(run.stateRows).toEqual([2, 2, 2])
    expect(run.removed.reduce((x, y) => x + y, 0)).toBe(3)
  })
})
