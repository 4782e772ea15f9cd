/**
 * The stream-stream join's state structures: the eviction index (eviction visits only the
 * buckets the watermark closes), the key text (JSON's, without JSON.stringify per row, and
 * NaN and ±Infinity told apart), and the live state kept between batches with the memory
 * provider (rows written once per batch as segments, buckets of the older one-entry-per-
 * bucket form read back), checked on each provider across restarts.
 */
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AddData,
  AssertNumStateRows,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { numberVector, objectVector, type Vector } from '../../src/batch/vector.js'
import { EvictionIndex } from '../../src/exec/join/eviction-index.js'
import { joinKeyTextOf } from '../../src/exec/join/join-key.js'
import { type Bucket, LiveJoinState, type StoredRow } from '../../src/exec/join/join-state.js'
import { col, functions as F, MemoryStream, schema } from '../../src/index.js'
import { MemoryStateStoreProvider } from '../../src/state/memory-provider.js'
import { OperatorState } from '../../src/state/state-manager.js'
import type { StateStore } from '../../src/state/state-store.js'
import { DoubleType, StringType, structOf, TimestampType } from '../../src/types/data-types.js'
import { newSession, tempDir } from '../helpers.js'

describe('EvictionIndex', () => {
  it('takes exactly the keys with an entry at or below the watermark, each once, and forgets them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            adds: fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 100 })), {
              maxLength: 30,
            }),
            sealSorted: fc.boolean(),
            at: fc.integer({ min: -5, max: 110 }),
          }),
          { maxLength: 12 },
        ),
        (steps) => {
          const index = new EvictionIndex()
          let pending: [string, number][] = []
          for (const step of steps) {
            for (const [k, t] of step.adds) {
              index.add(`k${k}`, t)
              pending.push([`k${k}`, t])
            }
            if (step.sealSorted) index.seal(true)
            const expected = new Set(pending.filter(([, t]) => t <= step.at).map(([k]) => k))
            expect(index.take(step.at)).toEqual(expected)
            pending = pending.filter(([, t]) => t > step.at)
            expect(index.size).toBe(pending.length)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('join key text', () => {
  const dbl = (...xs: number[]) => numberVector(DoubleType, Float64Array.from(xs))
  const str = (...xs: (string | null)[]) => objectVector(StringType, xs)
  const windowType = structOf([
    { name: 'start', type: TimestampType, nullable: true },
    { name: 'end', type: TimestampType, nullable: true },
  ])
  const win = (...xs: unknown[]) => objectVector(windowType, xs)
  const texts = (cols: Vector[]) => {
    const f = joinKeyTextOf(cols)
    return Array.from({ length: cols[0].length }, (_, i) => f(i))
  }

  it('is the JSON text of the key values that stored state has, windows included', () => {
    const w = (s: number, e: number) => ({ start: new Date(s), end: new Date(e) })
    const windows = [
      w(0, 10),
      w(0, 10),
      w(0, 20),
      w(10, 20),
      w(0, 10),
      { end: new Date(10), start: new Date(0) },
    ]
    const ids = [1.5, -3, 1e21, 7, 2 ** 53, 0]
    const cols = [dbl(...ids), win(...windows)]
    expect(texts(cols)).toEqual(ids.map((id, i) => JSON.stringify([id, windows[i]])))
    // Not a plain record of Dates: JSON as before.
    const odd = [
      { start: 1, end: 2 },
      { start: new Date(Number.NaN), end: new Date(0) },
      { start: new Date(0) },
    ]
    expect(texts([win(...odd)])).toEqual(odd.map((x) => JSON.stringify([x])))
    const strings = ['a"b', 'é\n', '\u2028', '']
    expect(texts([str(...strings), dbl(1, 2, 3, 4)])).toEqual(
      strings.map((s, i) => JSON.stringify([s, i + 1])),
    )
  })

  it('tells apart NaN, Infinity, -Infinity, 1 and "1"; -0 is 0', () => {
    const special = texts([dbl(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1)])
    expect(new Set([...special, ...texts([str('1')])]).size).toBe(5)
    expect(texts([dbl(-0, 0)])).toEqual(['[0]', '[0]'])
    expect(texts([dbl(Number.NaN, 0 / 0)])).toEqual(['["NaN"]', '["NaN"]'])
  })

  it('a stream-stream join matches NaN with NaN only, as the batch join does', async () => {
    const session = newSession()
    const a = new MemoryStream(session, schema({ k: 'double', a: 'string' }))
    const b = new MemoryStream(session, schema({ k: 'double', b: 'string' }))
    const joined = a.toDF().join(b.toDF(), 'k')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(a, { k: Number.NaN, a: 'nan' }, { k: Number.POSITIVE_INFINITY, a: 'inf' }, { k: 0, a: 'zero' }),
      AddData(b, { k: Number.NEGATIVE_INFINITY, b: '-inf' }, { k: Number.NaN, b: 'nan' }, { k: -0, b: '-0' }),
      CheckNewAnswer({ k: Number.NaN, a: 'nan', b: 'nan' }, { k: 0, a: 'zero', b: '-0' }),
      AddData(b, { k: Number.POSITIVE_INFINITY, b: 'inf' }),
      CheckNewAnswer({ k: Number.POSITIVE_INFINITY, a: 'inf', b: 'inf' }),
    )
  })
})

describe('LiveJoinState', () => {
  async function stores(dir: string, version: number): Promise<{ state: OperatorState; list: StateStore[] }> {
    const provider = new MemoryStateStoreProvider(0)
    const list = [await provider.load(dir, 0, 0, version), await provider.load(dir, 0, 1, version)]
    return { state: new OperatorState(0, list), list }
  }
  const keysOf = async (state: OperatorState) => {
    const keys: string[] = []
    for await (const [k] of state.entriesAsync()) keys.push(k)
    return keys.sort()
  }
  const rowsOf = (live: LiveJoinState) =>
    Object.fromEntries(
      [...live.buckets].map(([k, b]) => [k, { t: b.t, rows: b.rows.map((r) => ({ v: r.v, m: r.m })) }]),
    )

  it('reads buckets stored one entry each (older Tributary), and rewrites them as segments', async () => {
    const dir = path.join(tempDir(), 'state')
    const v0 = await stores(dir, 0)
    const row = (v: unknown[], m = false): StoredRow => ({ v, m })
    const legacy: Record<string, Bucket> = {
      'L[1]': { rows: [row([1, 'a', 100]), row([1, null, 150], true)], t: 100 },
      'R[1]': { rows: [row([1, 1.5])], t: null },
      'R[2]': { rows: [row([2, Number.NaN]), row([2, null])], t: null },
    }
    for (const [k, b] of Object.entries(legacy)) v0.state.put(k, b)
    v0.state.put('#meta', { l: 2, r: 3, el: 0, er: 0 })
    for (const s of v0.list) await s.commit()

    const v1 = await stores(dir, 1)
    const live = await LiveJoinState.restore(v1.state, 1, { L: 3, R: 2 })
    expect(rowsOf(live)).toEqual(legacy)
    // Batch 1 adds a row to a bucket, marks one matched, removes one; its flush writes segments.
    live.add('R[1]', null, row([1, 2.5]))
    live.matched('L[1]', live.get('L[1]')!.rows[0])
    live.get('L[1]')!.rows[0].m = true
    expect(live.removeWhere('R[2]', (r) => r.v[1] === null)).toBe(1)
    live.flush(v1.state)
    for (const s of v1.list) await s.commit()
    const v2 = await stores(dir, 2)
    expect(await keysOf(v2.state)).toEqual(['#meta', 'SL1', 'SR1', 'TL1', 'TR1'])
    const again = await LiveJoinState.restore(v2.state, 2, { L: 3, R: 2 })
    expect(rowsOf(again)).toEqual(rowsOf(live))
    expect(rowsOf(again)['L[1]'].rows.map((r) => r.m)).toEqual([true, true])

    // Batch 2 appends to R[1]: a new segment; R[1]'s earlier rows are not written again.
    again.batchId = 2
    again.add('R[1]', null, row([1, 3.5]))
    again.flush(v2.state)
    expect(v2.list.reduce((n, s) => n + (s as unknown as { numChanges: number }).numChanges, 0)).toBe(2)
    for (const s of v2.list) await s.commit()
    // Batch 3 removes every row of batch 1's right segment: its entries go.
    const v3 = await stores(dir, 3)
    const third = await LiveJoinState.restore(v3.state, 3, { L: 3, R: 2 })
    expect(third.get('R[1]')!.rows.map((r) => r.v[1])).toEqual([1.5, 2.5, 3.5])
    third.batchId = 3
    third.removeWhere('R[1]', (r) => (r.v[1] as number) < 3)
    third.removeWhere('R[2]', () => true)
    third.flush(v3.state)
    for (const s of v3.list) await s.commit()
    const v4 = await stores(dir, 4)
    expect(await keysOf(v4.state)).toEqual(['#meta', 'SL1', 'SR2', 'TL1', 'TR2'])
    expect(rowsOf(await LiveJoinState.restore(v4.state, 4, { L: 3, R: 2 }))).toEqual(rowsOf(third))
  })
})

describe.each(['memory', 'lmdb', 'level'])(
  'a windowed stream-stream join on the %s state store',
  (provider) => {
    it('evicts closed windows, and restarts mid-stream with the same output and state rows', async () => {
      const session = newSession({ 'tributary.stateStore.provider': provider })
      const at = (hhmm: string) => new Date(`2026-04-01T${hhmm}:00Z`)
      const temps = new MemoryStream(
        session,
        schema({ sensor: 'string', ts: 'timestamp', celsius: 'double' }),
      )
      const hums = new MemoryStream(
        session,
        schema({ sensor: 'string', hts: 'timestamp', humidity: 'double' }),
      )
      const t = temps
        .toDF()
        .withWatermark('ts', '10 minutes')
        .select('sensor', F.window(col('ts'), '15 minutes').alias('w'), 'celsius', 'ts')
      const h = hums
        .toDF()
        .withWatermark('hts', '10 minutes')
        .select('sensor', F.window(col('hts'), '15 minutes').alias('w'), 'humidity', 'hts')
      const joined = t.join(h, ['sensor', 'w'], 'left').select('sensor', 'w', 'celsius', 'humidity')
      const w = (from: string, to: string) => ({ start: at(from), end: at(to) })
      await testStream(
        joined,
        { outputMode: 'append' },
        AddData(
          temps,
          { sensor: 's1', ts: at('10:01'), celsius: 20 },
          { sensor: 's2', ts: at('10:02'), celsius: 25 },
          { sensor: 's3', ts: at('10:33'), celsius: 30 },
        ),
        AddData(hums, { sensor: 's1', hts: at('10:14'), humidity: 50 }),
        CheckNewAnswer({ sensor: 's1', w: w('10:00', '10:15'), celsius: 20, humidity: 50 }),
        AssertNumStateRows(4),
        StopStream,
        StartStream(),
        AddData(hums, { sensor: 's1', hts: at('10:05'), humidity: 52 }),
        CheckNewAnswer({ sensor: 's1', w: w('10:00', '10:15'), celsius: 20, humidity: 52 }),
        AddData(temps, { sensor: 's1', ts: at('10:40'), celsius: 21 }),
        AddData(hums, { sensor: 's4', hts: at('10:40'), humidity: 0 }),
        // Watermark 10:30 closes 10:00-10:15 (s2 unmatched), not 10:30-10:45.
        CheckNewAnswer({ sensor: 's2', w: w('10:00', '10:15'), celsius: 25, humidity: null }),
        AssertNumStateRows(3),
        StopStream,
        StartStream(),
        AddData(
          hums,
          { sensor: 's3', hts: at('10:44'), humidity: 60 },
          { sensor: 's1', hts: at('10:44'), humidity: 51 },
        ),
        CheckNewAnswer(
          { sensor: 's3', w: w('10:30', '10:45'), celsius: 30, humidity: 60 },
          { sensor: 's1', w: w('10:30', '10:45'), celsius: 21, humidity: 51 },
        ),
        AssertNumStateRows(5),
        AddData(temps, { sensor: 's9', ts: at('11:30'), celsius: 1 }),
        AddData(hums, { sensor: 's9', hts: at('11:31'), humidity: 2 }),
        // Watermark 11:20 closes 10:30-10:45: its rows leave, all matched but s4's (a right row).
        CheckNewAnswer({ sensor: 's9', w: w('11:30', '11:45'), celsius: 1, humidity: 2 }),
        AssertNumStateRows(2),
      )
    })
  },
)
