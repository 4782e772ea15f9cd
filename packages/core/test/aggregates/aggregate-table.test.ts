import { describe, expect, it } from 'vitest'
import { numberVector, objectVector, type Vector, valueAt } from '../../src/batch/vector.js'
import {
  AggregateTable,
  CHUNK,
  CHUNK_KEY_PREFIX,
  type StoredChunk,
} from '../../src/exec/aggregate/aggregate-table.js'
import { accumulatorFor } from '../../src/exec/aggregate/functions.js'
import { MemoryStateStoreProvider } from '../../src/state/memory-provider.js'
import { StateManager } from '../../src/state/state-manager.js'
import { LongType, StringType } from '../../src/types/data-types.js'
import { tempDir } from '../helpers.js'

/** count(*), sum(v), count(DISTINCT v) and collect_list(v) over (window start, key). */
const accumulators = () => [
  accumulatorFor('count', [], {}),
  accumulatorFor('sum', [LongType], {}),
  accumulatorFor('count_distinct', [LongType], {}),
  accumulatorFor('collect_list', [LongType], {}),
]
const keyTypes = [LongType, StringType]
const WINDOW = 10

type Row = [start: number, key: string, v: number]

function rowsOf(table: AggregateTable, ids: Int32Array): unknown[][] {
  const { keys, values } = table.output(ids)
  const at = (v: Vector, i: number) => valueAt(v, i)
  return Array.from(ids, (_, i) => [...keys.map((k) => at(k, i)), ...values.map((v) => at(v, i))])
}

function apply(table: AggregateTable, rows: readonly Row[]): Int32Array {
  const keys = [
    numberVector(
      LongType,
      Float64Array.from(rows, (r) => r[0]),
    ),
    objectVector(
      StringType,
      rows.map((r) => r[1]),
    ),
  ]
  const v = numberVector(
    LongType,
    Float64Array.from(rows, (r) => r[2]),
  )
  const { ids, touched } = table.assign(keys, rows.length)
  table.update(ids, [[], [v], [v], [v]], rows.length)
  return touched
}

/** The reference: every group's [start, key, count, sum, distinct, list] from all rows not evicted. */
function reference(rows: readonly Row[], evictedBelow: number): unknown[][] {
  const groups = new Map<string, { start: number; key: string; vs: number[] }>()
  for (const [start, key, v] of rows) {
    if (start + WINDOW <= evictedBelow) continue
    const id = `${start}|${key}`
    const g = groups.get(id) ?? { start, key, vs: [] }
    g.vs.push(v)
    groups.set(id, g)
  }
  return [...groups.values()]
    .map((g) => [g.start, g.key, g.vs.length, g.vs.reduce((a, b) => a + b, 0), new Set(g.vs).size, g.vs])
    .sort(byKey)
}

const byKey = (a: unknown[], b: unknown[]) =>
  (a[0] as number) - (b[0] as number) || String(a[1]).localeCompare(String(b[1]))

async function openVersion(manager: StateManager, version: number) {
  return manager.openOperator(0, version)
}

describe('AggregateTable', () => {
  it('restores from its chunks exactly what it held, after evictions, compaction and a second restore', async () => {
    const dir = tempDir('aggregate-table')
    const provider = new MemoryStateStoreProvider()
    const manager = new StateManager(provider, dir, 3)
    const eventTime = { keyIndex: 0, rangeMs: WINDOW }
    let table = new AggregateTable(keyTypes, accumulators, eventTime, 0)
    const all: Row[] = []
    let watermark = 0
    // 40 batches, each adding rows to the last few windows, so that evictions leave many
    // unused ids and compaction runs (more than 16 chunks' worth of evicted groups).
    for (let batch = 0; batch < 40; batch++) {
      const state = await openVersion(manager, batch)
      const rows: Row[] = []
      for (let i = 0; i < 3000; i++) {
        const start = (batch + (i % 3)) * WINDOW
        rows.push([start, `k${(i * 7919 + batch) % 1500}`, (i * 31 + batch) % 17])
      }
      all.push(...rows)
      apply(table, rows)
      watermark = batch * WINDOW
      const closed = table.evict(watermark)
      // Closed groups are exactly those with end <= watermark, each once.
      for (const [start] of rowsOf(table, closed) as [number][])
        expect(start + WINDOW).toBeLessThanOrEqual(watermark)
      table.release(closed)
      table.compactIfSparse()
      table.flush(state)
      await manager.commitAll()
      table.version = batch + 1
      expect(rowsOf(table, table.liveIds()).sort(byKey)).toEqual(reference(all, watermark))
    }
    expect(table.compactions).toBeGreaterThan(0)
    // A new table from the store (a restart) holds the same groups, and so does one made
    // after the restored table has rewritten its chunks.
    for (let round = 0; round < 2; round++) {
      const provider2 = new MemoryStateStoreProvider()
      const manager2 = new StateManager(provider2, dir, 3)
      const state = await openVersion(manager2, 40 + round)
      table = await AggregateTable.restore(state, keyTypes, accumulators, eventTime, 40 + round)
      expect(table.size).toBe(reference(all, watermark).length)
      expect(rowsOf(table, table.liveIds()).sort(byKey)).toEqual(reference(all, watermark))
      table.flush(state)
      await manager2.commitAll()
    }
  })

  it('writes only the chunks of touched groups, and removes chunks left empty', async () => {
    const dir = tempDir('aggregate-table-chunks')
    const manager = new StateManager(new MemoryStateStoreProvider(), dir, 1)
    const table = new AggregateTable(keyTypes, accumulators, { keyIndex: 0, rangeMs: WINDOW }, 0)
    let state = await openVersion(manager, 0)
    // Three chunks' worth of groups in window 0, one group in window 100.
    const rows: Row[] = Array.from({ length: 3 * CHUNK }, (_, i) => [0, `k${i}`, i] as Row)
    rows.push([100, 'late', 1])
    apply(table, rows)
    table.flush(state)
    const keysAfter = () => [...state.entries()].map(([k]) => k).sort()
    expect(keysAfter()).toEqual([0, 1, 2, 3].map((c) => `${CHUNK_KEY_PREFIX}${c}`))
    // Number columns are stored as Float64Arrays (bytes to serialize), others as arrays.
    const chunk = state.get(`${CHUNK_KEY_PREFIX}0`) as StoredChunk
    expect(chunk.keys[0]).toBeInstanceOf(Float64Array)
    expect(Array.isArray(chunk.keys[1])).toBe(true)
    expect(chunk.states[0]).toBeInstanceOf(Float64Array)
    expect(Array.from(chunk.states[0] as Float64Array).slice(0, 3)).toEqual([1, 1, 1])
    await manager.commitAll()
    // Touch one group of chunk 1 only: only that chunk is put.
    state = await openVersion(manager, 1)
    apply(table, [[0, `k${CHUNK + 5}`, 7]])
    const puts: string[] = []
    const put = state.put.bind(state)
    state.put = (k, v) => {
      puts.push(k)
      put(k, v)
    }
    table.flush(state)
    expect(puts).toEqual([`${CHUNK_KEY_PREFIX}1`])
    await manager.commitAll()
    // The watermark closes window 0: chunks 0-2 go, the chunk of window 100 stays.
    state = await openVersion(manager, 2)
    expect(table.evict(WINDOW).length).toBe(3 * CHUNK)
    table.flush(state)
    expect(keysAfter()).toEqual([`${CHUNK_KEY_PREFIX}3`])
    expect(table.size).toBe(1)
  })

  it('gives a group whose id comes back after eviction a fresh state', async () => {
    // Without an event-time key nothing is evicted; with one, a key seen again after its
    // window closed (a caller that did not drop late rows) starts from zero, not from the old sums.
    const table = new AggregateTable(keyTypes, accumulators, { keyIndex: 0, rangeMs: WINDOW }, 0)
    apply(table, [
      [0, 'a', 5],
      [0, 'a', 6],
    ])
    table.release(table.evict(WINDOW))
    const touched = apply(table, [[0, 'a', 1]])
    expect(rowsOf(table, touched)).toEqual([[0, 'a', 1, 1, 1, [1]]])
    expect(table.size).toBe(1)
  })

  it('reads groups stored one entry each (the older format) and rewrites them as chunks', async () => {
    const dir = tempDir('aggregate-table-legacy')
    const manager = new StateManager(new MemoryStateStoreProvider(), dir, 2)
    let state = await openVersion(manager, 0)
    state.put('[0,"a"]', { k: [0, 'a'], a: [2, [10, 2], [4, 6], [4, 6]] })
    state.put('[10,"b"]', { k: [10, 'b'], a: [1, [3, 1], [3], [3]] })
    await manager.commitAll()
    state = await openVersion(manager, 1)
    const table = await AggregateTable.restore(state, keyTypes, accumulators, null, 1)
    expect(rowsOf(table, table.liveIds()).sort(byKey)).toEqual([
      [0, 'a', 2, 10, 2, [4, 6]],
      [10, 'b', 1, 3, 1, [3]],
    ])
    table.flush(state)
    expect([...state.entries()].map(([k]) => k)).toEqual([`${CHUNK_KEY_PREFIX}0`])
  })
})
