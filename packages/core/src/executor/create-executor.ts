/**
 * Chooses how a query runs: on the coordinating thread (one thread, or a plan shape the
 * workers cannot run yet, with the reason), or on worker threads.
 */
import { existsSync, promises as fs } from 'node:fs'
import * as path from 'node:path'
import { atomicWrite } from '../checkpoint/atomic-file.js'
import type { PhysicalOperator } from '../exec/operator.js'
import { statefulOperators } from '../exec/operator.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import { stateStoreProvider } from '../state/providers.js'
import { StateManager } from '../state/state-manager.js'
import { CheckpointError } from '../util/errors.js'
import { columnsRead } from './columns-read.js'
import type { BatchExecutor } from './executor.js'
import { InThreadExecutor } from './executor.js'
import { ParallelExecutor } from './parallel-executor.js'
import { encodePlan, UntransferablePlan } from './plan-codec.js'
import { splitStages } from './stage-split.js'
import { executorThreads, minSplitBytes, minWorkerReadBytes } from './threads.js'
import { workerEntryProblem } from './worker-pool.js'

/** State store providers a worker can make by name (a provider registered in user code is not there). */
const WORKER_PROVIDERS = new Set(['memory', 'lmdb', 'level'])

/**
 * Written into the checkpoint's state folder once workers have written state. Providers
 * that keep state in memory let operators store it in chunks of many keys; on workers each
 * partition's operator writes its own chunks into its own store, which the coordinating
 * thread's operator (one operator over all partitions) cannot read back, and vice versa.
 */
const LAYOUT_FILE = 'executor-layout'
const PER_PARTITION = 'per-partition-operators'

export interface ExecutorOptions {
  readonly plan: LogicalPlan
  readonly operator: PhysicalOperator
  readonly conf: (key: string) => string | undefined
  readonly stateDir: string
  readonly partitions: number
  /** withLateRows is delivered on the coordinating thread. */
  readonly lateRows: boolean
}

async function storedLayout(stateDir: string): Promise<'perPartition' | 'shared' | 'none'> {
  if (existsSync(path.join(stateDir, LAYOUT_FILE))) return 'perPartition'
  // Temporary files (.name.uuid.tmp) are what a crash in the middle of atomicWrite leaves.
  const entries = (await fs.readdir(stateDir).catch(() => [] as string[])).filter((e) => !e.startsWith('.'))
  return entries.length > 0 ? 'shared' : 'none'
}

export async function createExecutor(o: ExecutorOptions): Promise<BatchExecutor> {
  const threads = executorThreads(o.conf)
  const minReadBytes = minWorkerReadBytes(o.conf)
  const splitBytes = minSplitBytes(o.conf)
  const stateful = statefulOperators(o.operator).length > 0
  const inMemory = stateful && stateStoreProvider(o.conf).holdsStateInMemory === true
  const layout = inMemory ? await storedLayout(o.stateDir) : 'none'
  const inThread = (reason: string | null): BatchExecutor => {
    if (layout === 'perPartition') {
      throw new CheckpointError(
        `INCOMPATIBLE_CHECKPOINT: the state in ${o.stateDir} was written by worker threads (one operator per state partition), and this run would use the coordinating thread${reason ? ` (${reason})` : ''}. Run the query with master('local[N]'), N > 1, as it ran before, or start with a new checkpointLocation.`,
        'INCOMPATIBLE_CHECKPOINT',
      )
    }
    const state = stateful ? new StateManager(stateStoreProvider(o.conf), o.stateDir, o.partitions) : null
    return new InThreadExecutor(o.operator, state, reason, threads)
  }
  // One thread: the coordinating thread, unless the state was written by workers (then one worker).
  if (threads === 1 && layout !== 'perPartition') return inThread(null)
  let plan: unknown
  try {
    plan = encodePlan(o.plan)
  } catch (e) {
    if (e instanceof UntransferablePlan) return inThread(e.message)
    throw e
  }
  const split = splitStages(o.operator)
  if (split.kind === 'inThread') return inThread(split.reason)
  const noEntry = workerEntryProblem()
  if (noEntry) return inThread(noEntry)
  if (o.lateRows && stateful) return inThread('withLateRows delivers late rows on the coordinating thread')
  const providerName = (o.conf('tributary.stateStore.provider') ?? 'memory').toLowerCase()
  if (stateful && !WORKER_PROVIDERS.has(providerName)) {
    return inThread(`state store provider '${providerName}' is registered on this thread only`)
  }
  if (layout === 'shared') {
    return inThread(
      'the checkpoint holds state written on the coordinating thread in the memory provider’s shared chunks',
    )
  }
  if (inMemory && layout === 'none') {
    await atomicWrite(path.join(o.stateDir, LAYOUT_FILE), `${PER_PARTITION}\n`)
  }
  const stateConf: Record<string, string> = {}
  for (const k of ['tributary.stateStore.provider', 'tributary.stateStore.minDeltasForSnapshot']) {
    const v = o.conf(k)
    if (v !== undefined) stateConf[k] = v
  }
  const operators = statefulOperators(o.operator)
  return new ParallelExecutor({
    threads,
    partitions: o.partitions,
    schema: o.operator.schema,
    setup: {
      plan,
      statefulOperatorId: split.kind === 'shuffle' ? split.operator.operatorId : null,
      partitions: o.partitions,
      stateDir: o.stateDir,
      stateConf,
    },
    initialStateProgress: operators.map((op) => op.progress()),
    local: o.operator,
    holdsStateInMemory: inMemory,
    sourceColumnsRead:
      split.kind === 'shuffle' && split.operator.name === 'StreamingAggregate' ? columnsRead(o.plan) : null,
    partialAggregation: split.kind === 'shuffle' && (split.operator.mapSidePartial?.() ?? null) !== null,
    minWorkerReadBytes: minReadBytes,
    minSplitBytes: splitBytes,
  })
}
