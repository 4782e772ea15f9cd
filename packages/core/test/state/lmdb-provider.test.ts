/** What only the on-disk provider has: its files, keys LMDB cannot hold as they are, undo records, conflicts. */
import { existsSync, promises as fs } from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CheckpointError } from '../../src/index.js'
import { LmdbStateStoreProvider } from '../../src/state/lmdb-provider.js'
import { isPlainKey, STATE_FILE } from '../../src/state/lmdb-store-env.js'
import { MemoryStateStoreProvider } from '../../src/state/memory-provider.js'
import { stateStoreProvider } from '../../src/state/providers.js'
import { tempDir } from '../helpers.js'
import { entriesOf } from './providers.js'

const providers: LmdbStateStoreProvider[] = []
function provider(): LmdbStateStoreProvider {
  const p = new LmdbStateStoreProvider()
  providers.push(p)
  return p
}
afterEach(async () => {
  while (providers.length) await providers.pop()!.close()
})

const errorOf = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: Error) => e,
  )

describe('lmdb state store provider', () => {
  it('is registered as lmdb; memory stays the default', () => {
    expect(stateStoreProvider((k) => (k === 'tributary.stateStore.provider' ? 'LMDB' : undefined)).name).toBe(
      'lmdb',
    )
    expect(stateStoreProvider(() => undefined).name).toBe('memory')
  })

  it('keeps each store in <dir>/<operator>/<partition>/state.mdb', async () => {
    const dir = tempDir()
    const s = await provider().load(dir, 3, 1, 0)
    s.put('k', 1)
    await s.commit()
    expect(existsSync(path.join(dir, '3', '1', STATE_FILE))).toBe(true)
  })

  it('holds keys LMDB cannot take as they are: empty, long, lone surrogates, control characters', async () => {
    const dir = tempDir()
    const long = `["${'x'.repeat(3000)}"]`
    const longUnicode = `p${'é'.repeat(1000)}`
    const keys = [
      '',
      long,
      longUnicode,
      'p\ud800',
      'p\udc00x',
      'p\u0000',
      'p\u0001\u0004',
      '\u0000',
      '🌊',
      'p🌊',
      'pa',
    ]
    expect(keys.filter((k) => !isPlainKey(k))).toEqual(['', long, longUnicode, 'p\ud800', 'p\udc00x'])
    let p = provider()
    const s0 = await p.load(dir, 0, 0, 0)
    for (const [i, k] of keys.entries()) s0.put(k, i)
    await s0.commit()
    const s1 = await p.load(dir, 0, 0, 1)
    for (const [i, k] of keys.entries()) expect(s1.get(k), JSON.stringify(k)).toBe(i)
    expect((await entriesOf(s1)).length).toBe(keys.length)
    const withP = keys.filter((k) => k.startsWith('p')).sort()
    expect((await entriesOf(s1, 'p')).map(([k]) => k)).toEqual(withP)
    s1.remove(long)
    s1.put('p\ud800', 'changed')
    await s1.commit()
    // Roll back over the wide keys too.
    await p.close()
    p = provider()
    const back = await p.load(dir, 0, 0, 1)
    for (const [i, k] of keys.entries()) expect(back.get(k), JSON.stringify(k)).toBe(i)
    expect(back.metrics().numKeys).toBe(keys.length)
  })

  it('rolls back a state commit whose batch was not committed (crash before commits/N)', async () => {
    const dir = tempDir()
    let p = provider()
    const s0 = await p.load(dir, 0, 0, 0)
    s0.put('a', 1)
    s0.put('b', 1)
    await s0.commit()
    const s1 = await p.load(dir, 0, 0, 1)
    s1.put('a', 2)
    s1.remove('b')
    s1.put('c', 2)
    await s1.commit()
    // The process dies here; the restarted query replays batch 1 from state version 1.
    await p.close()
    p = provider()
    const replay = await p.load(dir, 0, 0, 1)
    expect(await entriesOf(replay)).toEqual([
      ['a', 1],
      ['b', 1],
    ])
    expect(replay.metrics().numKeys).toBe(2)
    replay.put('a', 3)
    expect(await replay.commit()).toBe(2)
    expect(await entriesOf(await p.load(dir, 0, 0, 2))).toEqual([
      ['a', 3],
      ['b', 1],
    ])
  })

  it('maintain() drops undo records: versions below minVersion can no longer be loaded', async () => {
    const dir = tempDir()
    const p = provider()
    for (let v = 0; v < 6; v++) {
      const s = await p.load(dir, 0, 0, v)
      s.put(`k${v}`, v)
      await s.commit()
    }
    await p.maintain(dir, 4)
    const e = await errorOf(p.load(dir, 0, 0, 3))
    expect(e).toBeInstanceOf(CheckpointError)
    expect(e.message).toContain(path.join(dir, '0', '0'))
    expect(e.message).toMatch(/STATE_VERSION_UNAVAILABLE.*minBatchesToRetain/)
    expect((await entriesOf(await p.load(dir, 0, 0, 4))).map(([k]) => k)).toEqual(['k0', 'k1', 'k2', 'k3'])
  })

  it('refuses a store older than the version asked for (files restored from an older backup)', async () => {
    const dir = tempDir()
    const storeDir = path.join(dir, '0', '0')
    let p = provider()
    const s0 = await p.load(dir, 0, 0, 0)
    s0.put('a', 1)
    await s0.commit()
    await p.close()
    await fs.cp(storeDir, `${storeDir}.bak`, { recursive: true })
    p = provider()
    const s1 = await p.load(dir, 0, 0, 1)
    s1.put('a', 2)
    await s1.commit()
    await p.close()
    await fs.rm(storeDir, { recursive: true })
    await fs.rename(`${storeDir}.bak`, storeDir)
    p = provider()
    const e = await errorOf(p.load(dir, 0, 0, 2))
    expect(e).toBeInstanceOf(CheckpointError)
    expect(e.message).toMatch(
      /STATE_VERSION_MISSING: state store .* is at version 1 but the checkpoint needs version 2/,
    )
    expect(e.message).toContain(storeDir)
  })

  it('names the memory provider when its files are found instead', async () => {
    const dir = tempDir()
    const memory = new MemoryStateStoreProvider()
    const s = await memory.load(dir, 0, 0, 0)
    s.put('a', 1)
    await s.commit()
    const e = await errorOf(provider().load(dir, 0, 0, 1))
    expect(e).toBeInstanceOf(CheckpointError)
    expect(e.message).toMatch(/STATE_STORE_MISSING.*tributary.stateStore.provider=memory/)
  })

  it('refuses a truncated file before LMDB reads it', async () => {
    const dir = tempDir()
    let p = provider()
    const s = await p.load(dir, 0, 0, 0)
    for (let i = 0; i < 2000; i++) s.put(`key-${i}`, 'v'.repeat(50))
    await s.commit()
    await p.close()
    const file = path.join(dir, '0', '0', STATE_FILE)
    // The meta pages survive; the trees they point to do not.
    await fs.truncate(file, 3 * 4096)
    p = provider()
    const e = await errorOf(p.load(dir, 0, 0, 1))
    expect(e).toBeInstanceOf(CheckpointError)
    expect(e.message).toContain(`${file} is ${3 * 4096} bytes, but its B-tree starts at page`)
  })

  it('a second store loaded at the same version cannot commit over the first, and changes nothing', async () => {
    const dir = tempDir()
    const p = provider()
    const a = await p.load(dir, 0, 0, 0)
    const b = await p.load(dir, 0, 0, 0)
    a.put('a', 1)
    b.put('b', 1)
    await a.commit()
    const e = await errorOf(b.commit())
    expect(e).toBeInstanceOf(CheckpointError)
    expect(e.message).toMatch(/STATE_STORE_CONFLICT/)
    expect(await entriesOf(await p.load(dir, 0, 0, 1))).toEqual([['a', 1]])
  })

  it('reopens its stores after close()', async () => {
    const dir = tempDir()
    const p = provider()
    const s = await p.load(dir, 0, 0, 0)
    s.put('a', 1)
    await s.commit()
    await p.close()
    expect((await p.load(dir, 0, 0, 1)).get('a')).toBe(1)
  })

  it('reports the bytes the store takes on disk', async () => {
    const dir = tempDir()
    const p = provider()
    const s = await p.load(dir, 0, 0, 0)
    for (let i = 0; i < 5000; i++) s.put(`key-${i}`, { k: [i], a: [i, i * 1.5] })
    await s.commit()
    const m = (await p.load(dir, 0, 0, 1)).metrics()
    expect(m.numKeys).toBe(5000)
    expect(m.memoryUsedBytes).toBeGreaterThan(5000 * 20)
    expect(m.memoryUsedBytes).toBeLessThanOrEqual((await fs.stat(path.join(dir, '0', '0', STATE_FILE))).size)
  })
})
