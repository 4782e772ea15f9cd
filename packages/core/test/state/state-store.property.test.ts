/**
 * Random sequences of put, remove, commit, abort, reload at an older version, restart and
 * maintain, checked after every step against a model: a map per committed version plus
 * the batch's pending changes. The same sequences run against every provider.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { StateStore } from '../../src/state/state-store.js'
import { tempDir } from '../helpers.js'
import { entriesOf, providerCases, Restartable } from './providers.js'

/** Keys with prefix relations, plus keys the lmdb provider keeps apart (empty, long, lone surrogate). */
const KEYS = ['a', 'ab', 'abc', 'b', 'é', '🌊', '', 'a\ud800', `a${'x'.repeat(2100)}`]

const valueArb = fc.oneof(
  fc.integer(),
  fc.double().map((x) => (Object.is(x, -0) ? 0 : x)),
  fc.string(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.record({
    k: fc.array(fc.string(), { maxLength: 2 }),
    a: fc.array(fc.oneof(fc.integer(), fc.date({ noInvalidDate: true }), fc.constant(null)), {
      maxLength: 3,
    }),
  }),
)

type Op =
  | { kind: 'put'; key: string; value: unknown }
  | { kind: 'remove'; key: string }
  | { kind: 'commit' }
  | { kind: 'abort' }
  | { kind: 'reload'; back: number; restart: boolean }
  | { kind: 'maintain'; back: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      key: fc.constantFrom(...KEYS),
      value: valueArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('remove' as const), key: fc.constantFrom(...KEYS) }),
  },
  { weight: 5, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'abort' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('reload' as const), back: fc.nat(3), restart: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('maintain' as const), back: fc.nat(3) }) },
)

type Pending = Map<string, { value: unknown } | null>

function view(committed: Map<string, unknown>, pending: Pending): Map<string, unknown> {
  const m = new Map(committed)
  for (const [k, c] of pending) {
    if (c) m.set(k, c.value)
    else m.delete(k)
  }
  return m
}

const sorted = (m: Map<string, unknown>): [string, unknown][] =>
  [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

describe.each(providerCases)('state store against a model: $name provider', (c) => {
  it('random put/remove/commit/abort/reload/maintain sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60 }), async (ops) => {
        const dir = tempDir('tributary-state-prop-')
        const p = new Restartable(c)
        try {
          const versions = new Map<number, Map<string, unknown>>([[0, new Map()]])
          let minLoadable = 0
          let store: StateStore = await p.provider.load(dir, 0, 0, 0)
          let pending: Pending = new Map()
          const check = async (what: string) => {
            const expected = view(versions.get(store.version)!, pending)
            for (const k of KEYS)
              expect(store.get(k), `${what}: get(${JSON.stringify(k).slice(0, 20)})`).toEqual(expected.get(k))
            expect(await entriesOf(store), what).toEqual(sorted(expected))
            const withA = new Map([...expected].filter(([k]) => k.startsWith('a')))
            expect(await entriesOf(store, 'a'), `${what}: prefix a`).toEqual(sorted(withA))
          }
          for (const op of ops) {
            const latest = Math.max(...versions.keys())
            switch (op.kind) {
              case 'put':
                store.put(op.key, op.value)
                pending.set(op.key, { value: op.value })
                break
              case 'remove':
                store.remove(op.key)
                pending.set(op.key, null)
                break
              case 'commit': {
                const next = await store.commit()
                expect(next).toBe(store.version + 1)
                versions.set(next, view(versions.get(store.version)!, pending))
                pending = new Map()
                store = await p.provider.load(dir, 0, 0, next)
                expect(store.metrics().numKeys).toBe(versions.get(next)!.size)
                break
              }
              case 'abort':
                store.abort()
                pending = new Map()
                break
              case 'reload': {
                const target = Math.max(minLoadable, latest - op.back)
                // A replay goes on from the older version; what came after it is written again.
                for (const v of versions.keys()) if (v > target) versions.delete(v)
                if (op.restart) await p.restart()
                store = await p.provider.load(dir, 0, 0, target)
                pending = new Map()
                expect(store.metrics().numKeys).toBe(versions.get(target)!.size)
                break
              }
              case 'maintain': {
                const min = Math.max(minLoadable, store.version - op.back)
                await p.provider.maintain(dir, min)
                minLoadable = min
                break
              }
            }
            await check(JSON.stringify(op).slice(0, 80))
          }
        } finally {
          await p.close()
        }
      }),
      { numRuns: 40 },
    )
  })
})
