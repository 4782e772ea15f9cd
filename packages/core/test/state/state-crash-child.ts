/**
 * A streaming aggregation in a child process, killed with SIGKILL right after one state
 * store partition committed its version for a batch, before the rest of the batch (the
 * other partitions, the commit log) got done.
 *
 * argv: <checkpoint> <out> <provider: memory|lmdb|level> <kill: none | <batch>:<partition>>
 */
import * as path from 'node:path'
import {
  atomicWrite,
  ColumnarBatch,
  count,
  functions as F,
  type Offset,
  type Schema,
  Session,
  type SourceProvider,
  schema,
} from '../../src/index.js'
import { LevelStateStoreProvider } from '../../src/state/level-provider.js'
import { LmdbStateStoreProvider } from '../../src/state/lmdb-provider.js'
import { MemoryStateStoreProvider } from '../../src/state/memory-provider.js'
import { registerStateStoreProvider } from '../../src/state/providers.js'
import type { StateStore, StateStoreProvider } from '../../src/state/state-store.js'

const [checkpoint, out, inner, kill] = process.argv.slice(2)
const [killBatch, killPartition] = kill === 'none' ? [-1, -1] : kill.split(':').map(Number)
const total = 60
const perBatch = 10

/** Wraps a provider: its stores die with the process once the chosen one has committed. */
function crashable(p: StateStoreProvider): StateStoreProvider {
  return {
    name: 'crashable',
    maintain: (dir, min) => p.maintain(dir, min),
    close: () => p.close?.() ?? Promise.resolve(),
    async load(dir, op, partition, version): Promise<StateStore> {
      const store = await p.load(dir, op, partition, version)
      return {
        operatorId: op,
        partition,
        version,
        get: (k) => store.get(k),
        put: (k, v) => store.put(k, v),
        remove: (k) => store.remove(k),
        prefix: (k) => store.prefix(k),
        ...(store.scan ? { scan: (k: string) => store.scan!(k) } : {}),
        abort: () => store.abort(),
        metrics: () => store.metrics(),
        async commit() {
          const next = await store.commit()
          if (version === killBatch && partition === killPartition) process.kill(process.pid, 'SIGKILL')
          return next
        },
      }
    },
  }
}
registerStateStoreProvider('crashable', () =>
  crashable(
    inner === 'lmdb'
      ? new LmdbStateStoreProvider()
      : inner === 'level'
        ? new LevelStateStoreProvider()
        : new MemoryStateStoreProvider(),
  ),
)

const rowsSchema = schema({ id: 'long', group: 'string', amount: 'double' })
const source: SourceProvider = {
  name: 'counting',
  schemaOf: () => rowsSchema as Schema<unknown>,
  createSource: () => ({
    schema: rowsSchema as Schema<unknown>,
    description: `Counting[${total}]`,
    replayable: true,
    initialOffset: async () => 0,
    latestOffset: async (start: Offset) => Math.min(total, (start as number) + perBatch),
    getBatch: async (start: Offset, end: Offset) => {
      const rows = []
      for (let id = start as number; id < (end as number); id++)
        rows.push({ id, group: `g${id % 7}`, amount: id * 1.5 })
      return { data: ColumnarBatch.fromRows(rowsSchema as Schema<unknown>, rows) }
    },
    commit: async () => {},
    stop: async () => {},
  }),
}

const session = Session.builder()
  .appName('state-crash-child')
  .config('tributary.stateStore.provider', 'crashable')
  .create()
const query = await session.readStream
  .format(source)
  .schema(rowsSchema)
  .load()
  .groupBy('group')
  .agg(count().alias('n'), F.sum('amount').alias('total'))
  .writeStream.outputMode('complete')
  .option('checkpointLocation', checkpoint)
  .trigger({ availableNow: true })
  .foreachBatch(async (batch, batchId) => {
    const rows = (await batch.collect()) as { group: string }[]
    rows.sort((a, b) => (a.group < b.group ? -1 : 1))
    await atomicWrite(path.join(out, `batch-${batchId}.json`), JSON.stringify(rows))
  })
  .start()
await query.awaitTermination()
await session.stop()
process.exit(0)
