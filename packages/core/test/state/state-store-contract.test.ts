/**
 * The StateStore contract, checked against every provider: what a stateful operator may
 * rely on, whichever provider the query is configured with.
 */
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CheckpointError } from '../../src/index.js'
import type { StateStore } from '../../src/state/state-store.js'
import { tempDir } from '../helpers.js'
import { entriesOf, providerCases, Restartable } from './providers.js'

describe.each(providerCases)('state store contract: $name provider', (c) => {
  let p: Restartable
  let dir: string
  const open: Restartable[] = []
  const fresh = () => {
    p = new Restartable(c)
    open.push(p)
    dir = tempDir('tributary-state-')
  }
  afterEach(async () => {
    while (open.length) await open.pop()!.close()
  })
  const load = (version: number, partition = 0): Promise<StateStore> =>
    p.provider.load(dir, 0, partition, version)

  /** Commits versions 1..n; version v puts k<i> = i * v for i < 5 and removes k<v-1>. */
  async function commitVersions(n: number): Promise<void> {
    for (let v = 1; v <= n; v++) {
      const s = await load(v - 1)
      for (let i = 0; i < 5; i++) s.put(`k${i}`, i * v)
      s.remove(`k${v - 2}`)
      s.put(`v${v}`, { v, at: new Date(v * 1000) })
      expect(await s.commit()).toBe(v)
    }
  }
  const expectedAt = (v: number): [string, unknown][] => {
    const m = new Map<string, unknown>()
    for (let w = 1; w <= v; w++) {
      for (let i = 0; i < 5; i++) m.set(`k${i}`, i * w)
      m.delete(`k${w - 2}`)
      m.set(`v${w}`, { v: w, at: new Date(w * 1000) })
    }
    return [...m].sort(([a], [b]) => (a < b ? -1 : 1))
  }

  it('get, put, remove and prefix see this batch’s changes over the committed state', async () => {
    fresh()
    const s0 = await load(0)
    expect(s0.version).toBe(0)
    expect(s0.get('a')).toBeUndefined()
    expect(await entriesOf(s0)).toEqual([])
    s0.put('a/1', 1)
    s0.put('a/2', 2)
    s0.put('b/1', 'x')
    s0.put('gone', true)
    s0.remove('gone')
    s0.remove('never-there')
    expect(s0.get('a/1')).toBe(1)
    expect(s0.get('gone')).toBeUndefined()
    expect(await entriesOf(s0)).toEqual([
      ['a/1', 1],
      ['a/2', 2],
      ['b/1', 'x'],
    ])
    expect(await s0.commit()).toBe(1)

    const s1 = await load(1)
    s1.put('a/1', 10)
    s1.remove('a/2')
    s1.put('a/3', [3])
    expect(s1.get('a/1')).toBe(10)
    expect(s1.get('a/2')).toBeUndefined()
    expect(await entriesOf(s1, 'a/')).toEqual([
      ['a/1', 10],
      ['a/3', [3]],
    ])
    expect(await entriesOf(s1, 'b')).toEqual([['b/1', 'x']])
    expect(await entriesOf(s1, 'c')).toEqual([])
    expect(await entriesOf(s1)).toEqual([
      ['a/1', 10],
      ['a/3', [3]],
      ['b/1', 'x'],
    ])
  })

  it('round-trips the values accumulators store, also after a restart', async () => {
    fresh()
    const values: Record<string, unknown> = {
      int: 42,
      double: 1.5,
      big: 2 ** 53 - 1,
      neg: -7.25,
      nan: Number.NaN,
      str: 'naïve 🌊',
      empty: '',
      nil: null,
      bool: false,
      list: [1, 'two', null, [3, [4]]],
      group: { k: ['user-1', 1_700_000_000_000], a: [3, [1.5, 2], { v: null }] },
      dates: [new Date('2026-01-01T00:00:00Z'), new Date(-1), new Date(0)],
      nested: { a: { b: { c: [new Date(5), { d: 'e' }] } } },
      set: new Set([1, 'a']),
      map: new Map<unknown, unknown>([['x', 1]]),
      bigint: 12345678901234567890n,
    }
    const s = await load(0)
    for (const [k, v] of Object.entries(values)) s.put(k, v)
    await s.commit()
    const check = async (t: StateStore) => {
      for (const [k, v] of Object.entries(values)) expect(t.get(k), k).toEqual(v)
      expect(Object.fromEntries(await entriesOf(t))).toEqual(values)
    }
    await check(await load(1))
    await p.restart()
    await check(await load(1))
  })

  it('commit makes version+1 durable and counts the keys', async () => {
    fresh()
    const s = await load(0)
    s.put('a', 1)
    s.put('b', 2)
    expect(await s.commit()).toBe(1)
    expect(s.metrics().numKeys).toBe(2)
    const s1 = await load(1)
    expect(s1.version).toBe(1)
    s1.remove('a')
    s1.remove('zzz')
    s1.put('c', 3)
    expect(await s1.commit()).toBe(2)
    const m = (await load(2)).metrics()
    expect(m.numKeys).toBe(2)
    expect(m.memoryUsedBytes).toBeGreaterThan(0)
    expect(m.commitTimeMs).toBeGreaterThanOrEqual(0)
    await p.restart()
    const again = await load(2)
    expect(await entriesOf(again)).toEqual([
      ['b', 2],
      ['c', 3],
    ])
    expect(again.metrics().numKeys).toBe(2)
  })

  it('abort discards the uncommitted changes', async () => {
    fresh()
    const s = await load(0)
    s.put('kept', 1)
    await s.commit()
    const s1 = await load(1)
    s1.put('kept', 2)
    s1.put('new', 3)
    s1.remove('kept')
    s1.abort()
    expect(s1.get('kept')).toBe(1)
    expect(s1.get('new')).toBeUndefined()
    expect(await entriesOf(s1)).toEqual([['kept', 1]])
    const again = await load(1)
    expect(await entriesOf(again)).toEqual([['kept', 1]])
    await p.restart()
    expect(await entriesOf(await load(1))).toEqual([['kept', 1]])
  })

  it('loads an older version after later commits (a replayed batch), then goes on from it', async () => {
    fresh()
    await commitVersions(4)
    const s2 = await load(2)
    expect(await entriesOf(s2)).toEqual(expectedAt(2))
    expect(s2.metrics().numKeys).toBe(expectedAt(2).length)
    s2.put('replayed', true)
    expect(await s2.commit()).toBe(3)
    const s3 = await load(3)
    expect(await entriesOf(s3)).toEqual(
      [...expectedAt(2), ['replayed', true] as [string, unknown]].sort(([a], [b]) => (a < b ? -1 : 1)),
    )
    const at3 = await entriesOf(s3)
    await p.restart()
    expect(await entriesOf(await load(3))).toEqual(at3)
  })

  it('after a restart (a new provider instance), loads the last version and older ones', async () => {
    fresh()
    await commitVersions(5)
    await p.restart()
    expect(await entriesOf(await load(5))).toEqual(expectedAt(5))
    await p.restart()
    expect(await entriesOf(await load(4))).toEqual(expectedAt(4))
  })

  it('keeps partitions and operators apart', async () => {
    fresh()
    const a = await p.provider.load(dir, 0, 0, 0)
    const b = await p.provider.load(dir, 0, 1, 0)
    const op = await p.provider.load(dir, 1, 0, 0)
    a.put('k', 'a')
    b.put('k', 'b')
    op.put('k', 'op')
    await a.commit()
    await b.commit()
    await op.commit()
    expect((await p.provider.load(dir, 0, 0, 1)).get('k')).toBe('a')
    expect((await p.provider.load(dir, 0, 1, 1)).get('k')).toBe('b')
    expect((await p.provider.load(dir, 1, 0, 1)).get('k')).toBe('op')
  })

  it('maintain(minVersion) keeps every version from minVersion up loadable', async () => {
    fresh()
    await commitVersions(8)
    await load(8)
    await p.provider.maintain(dir, 6)
    await p.restart()
    expect(await entriesOf(await load(8))).toEqual(expectedAt(8))
    await p.restart()
    expect(await entriesOf(await load(7))).toEqual(expectedAt(7))
    await p.restart()
    expect(await entriesOf(await load(6))).toEqual(expectedAt(6))
  })

  it('refuses to load a store whose files are damaged, naming the file', async () => {
    fresh()
    await commitVersions(2)
    await p.restart()
    const file = await c.corrupt(path.join(dir, '0', '0'))
    const error = await load(2).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CheckpointError)
    expect((error as Error).message).toContain(file)
  })

  it('refuses to load a store whose files are missing, naming the file, never starting empty', async () => {
    fresh()
    await commitVersions(2)
    await p.restart()
    const file = await c.lose(path.join(dir, '0', '0'))
    const error = await load(2).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CheckpointError)
    expect((error as Error).message).toContain(file)
  })
})
