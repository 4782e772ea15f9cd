/** What only the 'level' provider has: its folder, any key string, undo records, async range reads, conflicts. */
import { existsSync, promises as fs } from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CheckpointError } from '../../src/index.js'
import { LevelStateStoreProvider } from '../../src/state/level-provider.js'
import { LEVEL_DIR } from '../../src/state/level-store-env.js'
import { stateStoreProvider } from '../../src/state/providers.js'
import { OperatorState } from '../../src/state/state-manager.js'
import { tempDir } from '../helpers.js'
import { entriesOf } from './providers.js'

const providers: LevelStateStoreProvider[] = []
function provider(): LevelStateStoreProvider {
  const p = new LevelStateStoreProvider()
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

describe('level state store provider', () => {
  it('is registered as level', () => {
    expect(
      stateStoreProvider((k) => (k === 'tributary.stateStore.provider' ? 'Level' : undefined)).name,
    ).toBe('level')
  })

  it('keeps each store in <dir>/<operator>/<partition>/level/', async () => {
    const dir = tempDir()
    const s = await provider().load(dir, 3, 1, 0)
    s.put('k', 1)
    await s.commit()
    expect(existsSync(path.join(dir, '3', '1', LEVEL_DIR, 'CURRENT'))).toBe(true)
  })

  it('holds any key string (empty, long, lone surrogates) and rolls them back', async () => {
    const dir = tempDir()
    const keys = [
      '',
      `["${'x'.repeat(3000)}"]`,
      'p\ud800',
      'p\udc00x',
      'p\u0000',
      '\u0000',
      '🌊',
      'p🌊',
      'pa',
    ]
    let p = provider()
    const s0 = await p.load(dir, 0, 0, 0)
    for (const [i, k] of keys.entries()) s0.put(k, i)
    await s0.commit()
    const s1 = await p.load(dir, 0, 0, 1)
    for (const [i, k] of keys.entries()) expect(s1.get(k), JSON.stringify(k)).toBe(i)
    expect((await entriesOf(s1)).length).toBe(keys.length)
    expect((await entriesOf(s1, 'p')).map(([k]) => k)).toEqual(keys.filter((k) => k.startsWith('p')).sort())
    s1.remove(keys[1])
    s1.put('p\ud800', 'changed')
    s1.put('new', -0)
    await s1.commit()
    await p.close()
    p = provider()
    const back = await p.load(dir, 0, 0, 1)
    for (const [i, k] of keys.entries()) expect(back.get(k), JSON.stringify(k)).toBe(i)
    expect(back.get('new')).toBeUndefined()
    expect(back.metrics().numKeys).toBe(keys.length)
  })

  it('rolls back several versions in one load, each key to its oldest before-image', async () => {
    const dir = tempDir()
    let p = provider()
    for (let v = 0; v < 4; v++) {
      const s = await p.load(dir, 0, 0, v)
      s.put('a', v)
      if (v === 2) s.remove('b')
      else s.put('b', `b${v}`)
      await s.commit()
    }
    await p.close()
    p = provider()
    const s1 = await p.load(dir, 0, 0, 1)
    expect(await entriesOf(s1)).toEqual([
      ['a', 0],
      ['b', 'b0'],
    ])
    expect(s1.metrics().numKeys).toBe(2)
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
    expect(e.message).toContain(path.join(dir, '0', '0', LEVEL_DIR))
    expect(e.message).toMatch(/STATE_VERSION_UNAVAILABLE.*minBatchesToRetain/)
    expect((await entriesOf(await p.load(dir, 0, 0, 4))).map(([k]) => k)).toEqual(['k0', 'k1', 'k2', 'k3'])
  })

  it('refuses a store older than the version asked for, naming the folder and the fix', async () => {
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
    expect(e.message).toContain(path.join(storeDir, LEVEL_DIR))
    expect(e.message).toMatch(
      /STATE_VERSION_MISSING: .* is at version 1 but the checkpoint needs version 2.*Restore/,
    )
  })

  it('prefix() names the problem; scan() and OperatorState.entriesAsync() stream the entries', async () => {
    const dir = tempDir()
    const p = provider()
    const a = await p.load(dir, 0, 0, 0)
    const b = await p.load(dir, 0, 1, 0)
    for (let i = 0; i < 2500; i++) (i % 2 ? a : b).put(`k${i}`, i)
    await a.commit()
    await b.commit()
    const s0 = await p.load(dir, 0, 0, 1)
    const s1 = await p.load(dir, 0, 1, 1)
    expect(() => s0.prefix('')).toThrow(/STATE_STORE_ASYNC_SCAN/)
    s0.remove('k1')
    s0.put('k1', 'x')
    s0.remove('k3')
    s1.put('new', true)
    const seen = new Map<string, unknown>()
    for await (const [k, v] of new OperatorState(0, [s0, s1]).entriesAsync()) {
      expect(seen.has(k), k).toBe(false)
      seen.set(k, v)
    }
    expect(seen.size).toBe(2500)
    expect(seen.get('k1')).toBe('x')
    expect(seen.has('k3')).toBe(false)
    expect(seen.get('new')).toBe(true)
  })

  it('a second store loaded at the same version cannot commit over the first', async () => {
    const dir = tempDir()
    const p = provider()
    const s0 = await p.load(dir, 0, 0, 0)
    s0.put('a', 1)
    await s0.commit()
    const first = await p.load(dir, 0, 0, 1)
    const second = await p.load(dir, 0, 0, 1)
    first.put('a', 2)
    await first.commit()
    second.put('a', 3)
    const e = await errorOf(second.commit())
    expect(e).toBeInstanceOf(CheckpointError)
    expect(e.message).toMatch(/STATE_STORE_CONFLICT/)
    expect((await p.load(dir, 0, 0, 2)).get('a')).toBe(2)
  })
})
