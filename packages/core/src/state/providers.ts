/**
 * State store providers by name (`tributary.stateStore.provider`). The in-memory provider
 * is the default; the on-disk provider registers itself here.
 */
import { OptionError } from '../util/errors.js'
import { LevelStateStoreProvider } from './level-provider.js'
import { LmdbStateStoreProvider } from './lmdb-provider.js'
import { MemoryStateStoreProvider } from './memory-provider.js'
import type { StateStoreProvider } from './state-store.js'

type Factory = (conf: (key: string) => string | undefined) => StateStoreProvider

const factories = new Map<string, Factory>([
  [
    'memory',
    (conf) => new MemoryStateStoreProvider(Number(conf('tributary.stateStore.minDeltasForSnapshot') ?? '10')),
  ],
])

export function registerStateStoreProvider(name: string, factory: Factory): void {
  factories.set(name.toLowerCase(), factory)
}

export function stateStoreProvider(conf: (key: string) => string | undefined): StateStoreProvider {
  const name = (conf('tributary.stateStore.provider') ?? 'memory').toLowerCase()
  const factory = factories.get(name)
  if (!factory) {
    throw new OptionError(
      `tributary.stateStore.provider: unknown provider '${name}'. Known: ${[...factories.keys()].join(', ')}.`,
      'INVALID_OPTION',
    )
  }
  return factory(conf)
}

// The on-disk provider for state larger than memory (lmdb loads only when a query uses it).
registerStateStoreProvider('lmdb', (conf) => {
  const v = conf('tributary.stateStore.lmdb.minFreeBytes')
  const minFreeBytes = v === undefined ? undefined : Number(v)
  if (minFreeBytes !== undefined && !(Number.isFinite(minFreeBytes) && minFreeBytes >= 0)) {
    throw new OptionError(
      `INVALID_OPTION: tributary.stateStore.lmdb.minFreeBytes is '${v}'; it takes a number of bytes (0 or more, default ${64 * 2 ** 20}).`,
      'INVALID_OPTION',
    )
  }
  return new LmdbStateStoreProvider({ minFreeBytes })
})

// The on-disk provider whose resident memory stays bounded however large the state (LevelDB, no memory map).
registerStateStoreProvider('level', () => new LevelStateStoreProvider())
