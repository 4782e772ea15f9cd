/**
 * The state store providers under test, with what each needs to simulate a restart and
 * damage: the contract suites run the same checks against every entry of `providerCases`.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { LevelStateStoreProvider } from '../../src/state/level-provider.js'
import { LEVEL_DIR } from '../../src/state/level-store-env.js'
import { LmdbStateStoreProvider } from '../../src/state/lmdb-provider.js'
import { STATE_FILE } from '../../src/state/lmdb-store-env.js'
import { MemoryStateStoreProvider } from '../../src/state/memory-provider.js'
import type { StateStore, StateStoreProvider } from '../../src/state/state-store.js'

export interface ProviderCase {
  readonly name: string
  create(): StateStoreProvider
  /**
   * Damages the files of a store that has committed versions 1 and 2 so that loading
   * version 2 in a new process must fail; returns the path the error must name.
   */
  corrupt(storeDir: string): Promise<string>
  /** Deletes what a store needs to load version 2; returns the path the error must name. */
  lose(storeDir: string): Promise<string>
}

const lmdbCase: ProviderCase = {
  name: 'lmdb',
  create: () => new LmdbStateStoreProvider(),
  async corrupt(storeDir) {
    const file = path.join(storeDir, STATE_FILE)
    const { size } = await fs.stat(file)
    await fs.writeFile(file, Buffer.alloc(size, 0x5a))
    return file
  },
  async lose(storeDir) {
    await fs.rm(path.join(storeDir, `${STATE_FILE}-lock`), { force: true })
    const file = path.join(storeDir, STATE_FILE)
    await fs.rm(file)
    return file
  },
}

export const providerCases: readonly ProviderCase[] = [
  {
    name: 'memory',
    // A snapshot every 2 versions, so that maintain() has files to delete.
    create: () => new MemoryStateStoreProvider(2),
    async corrupt(storeDir) {
      const file = path.join(storeDir, '2.snapshot')
      await fs.writeFile(file, 'not a state file')
      return file
    },
    async lose(storeDir) {
      await fs.rm(path.join(storeDir, '2.snapshot'))
      const file = path.join(storeDir, '2.delta')
      await fs.rm(file)
      return file
    },
  },
  lmdbCase,
  {
    name: 'level',
    create: () => new LevelStateStoreProvider(),
    async corrupt(storeDir) {
      // CURRENT names the manifest LevelDB opens; garbage in it is a store that cannot be opened.
      const dir = path.join(storeDir, LEVEL_DIR)
      await fs.writeFile(path.join(dir, 'CURRENT'), 'not a manifest name\n')
      return dir
    },
    async lose(storeDir) {
      const dir = path.join(storeDir, LEVEL_DIR)
      await fs.rm(dir, { recursive: true })
      return dir
    },
  },
  {
    name: 'lmdb, remapped at every load',
    create: () => new LmdbStateStoreProvider({ mapBudgetBytes: 0 }),
    corrupt: (storeDir) => lmdbCase.corrupt(storeDir),
    lose: (storeDir) => lmdbCase.lose(storeDir),
  },
]

/** Every entry of a store, sorted by key, for comparisons. */
export async function entriesOf(store: StateStore, prefix = ''): Promise<[string, unknown][]> {
  const all: [string, unknown][] = []
  if (store.scan) for await (const e of store.scan(prefix)) all.push(e)
  else all.push(...store.prefix(prefix))
  return all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** A provider that can be replaced by a new instance, as a restarted process would be. */
export class Restartable {
  provider: StateStoreProvider
  constructor(private readonly c: ProviderCase) {
    this.provider = c.create()
  }
  async restart(): Promise<void> {
    await this.provider.close?.()
    this.provider = this.c.create()
  }
  close(): Promise<void> {
    return this.provider.close?.() ?? Promise.resolve()
  }
}
