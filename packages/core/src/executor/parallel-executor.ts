/**
 * Runs a batch on worker threads. Stage 1 (map): the batch's rows are cut into one slice
 * per worker, and each worker runs the stateless operators over its slice; for a stateful
 * plan it splits the result by state partition (partitionOf of the operator's state key).
 * Stage 2 (reduce): each worker runs the stateful operator and what is above it for every
 * state partition it owns (partition % threads), with that partition's store. The outputs
 * come back in partition order and go to the sink as one batch. State commits (step 6)
 * happen in the workers, before the micro-batch loop writes commits/N.
 */

import { randomUUID } from 'node:crypto'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { PhysicalOperator } from '../exec/operator.js'
import type {
  ExecutorProgress,
  PartitionProgress,
  StateOperatorProgress,
  TaskProgress,
} from '../streaming/progress.js'
import type { Schema } from '../types/schema.js'
import { decodeBatch, type EncodedBatch, encodeBatch, transferList } from './batch-codec.js'
import type { BatchContext, BatchExecutor, BatchIo, BatchIoResult } from './executor.js'
import {
  combineSummaries,
  contiguousRuns,
  readSourcePartitions,
  readSummary,
  type SourceReadSummary,
  splitForWorkers,
} from './io-tasks.js'
import type { BatchParams, MapResult, ReduceResult, WorkerSetup } from './protocol.js'
import { acquirePool, type WorkerPool } from './worker-pool.js'

/** Below this many rows per slice, fewer slices: a message round trip costs more than the rows. */
const MIN_SLICE_ROWS = 4096

export interface ParallelPlan {
  readonly threads: number
  readonly partitions: number
  readonly schema: Schema<unknown>
  /** For workers: everything but the worker's number. */
  readonly setup: Omit<WorkerSetup, 'worker' | 'threads'>
  /** The stateful operator's progress before any batch ran (names and zeros). */
  readonly initialStateProgress: readonly StateOperatorProgress[]
  /**
   * The physical plan on the coordinating thread: a stateless plan runs a batch too small to
   * cut into slices here, which gives the same rows without a round trip to a worker.
   */
  readonly local: PhysicalOperator
  /** The state provider keeps state in memory (the state memory budget applies to its sums). */
  readonly holdsStateInMemory: boolean
  /** The source columns stage 1 reads (columns-read.ts); null = all. */
  readonly sourceColumnsRead: ReadonlySet<string> | null
  /** Stage 1 aggregates its slice per key (the stateful operator's mapSidePartial) before the shuffle. */
  readonly partialAggregation: boolean
  /** Source partitions weighing less than this (bytes) are read on the coordinating thread. */
  readonly minWorkerReadBytes: number
  /** Files are cut into splits no smaller than this (bytes) when a batch has fewer files than threads. */
  readonly minSplitBytes: number
}

export class ParallelExecutor implements BatchExecutor {
  private pool: WorkerPool | null = null
  /** This run's name in the workers (they serve every query of the process). */
  private readonly query = randomUUID()
  private closed = false
  private ready: Promise<unknown> | null = null
  private lastTasks: TaskProgress[] = []
  private lastPartitions: PartitionProgress[] = []
  private lastState: StateOperatorProgress[]

  constructor(private readonly plan: ParallelPlan) {
    this.lastState = [...plan.initialStateProgress]
    // A stateful query needs its workers from the first batch on: start them now. A stateless
    // one starts them at its first batch large enough to cut into slices, if it ever has one.
    if (this.stateful) void this.start()
  }

  /** Takes a pool and sets this query up in its workers (once). */
  private start(): Promise<unknown> {
    if (this.ready) return this.ready
    const pool = acquirePool(this.plan.threads)
    this.pool = pool
    this.ready = pool.all(
      this.query,
      (worker) => ({ type: 'setup', setup: { ...this.plan.setup, worker, threads: this.plan.threads } }),
      'setup',
    )
    // A setup error surfaces from the first batch; until then nobody awaits it.
    this.ready.catch(() => undefined)
    return this.ready
  }

  get threads(): number {
    return this.plan.threads
  }

  get stateful(): boolean {
    return this.plan.setup.statefulOperatorId !== null
  }

  get holdsStateInMemory(): boolean {
    return this.plan.holdsStateInMemory
  }

  describe(): string {
    return this.stateful
      ? `Executor: ${this.threads} worker threads; stage 1 over slices of the batch, shuffle by state key into ${this.plan.partitions} partitions, stage 2 per partition (partition % ${this.threads} = worker)`
      : `Executor: ${this.threads} worker threads; one stage over slices of the batch`
  }

  async execute(ctx: BatchContext): Promise<ColumnarBatch<unknown>> {
    return (await this.run(ctx, null)).output
  }

  /**
   * The batch with the sources in io.reads read by the workers themselves (each a run of
   * neighbouring partitions, so that worker order is the source's order), and, for a
   * stateless plan, its output written by them through the sink's task. A batch whose
   * partitions weigh less than minWorkerReadBytes is read here instead, as the source would.
   */
  async executeWithIo(ctx: BatchContext, io: BatchIo): Promise<BatchIoResult> {
    let weight = 0
    for (const parts of io.reads.values()) for (const p of parts) weight += p.weight
    if (weight >= this.plan.minWorkerReadBytes) return this.run(ctx, io)
    const inputs = new Map(ctx.inputs)
    const reads = new Map<number, SourceReadSummary>()
    for (const [source, parts] of io.reads) {
      const got = await readSourcePartitions(parts)
      inputs.set(source, got.data)
      reads.set(source, readSummary(got))
    }
    const output = await this.execute({ ...ctx, inputs })
    return { output, outputRows: output.numRows, written: null, reads }
  }

  private async run(ctx: BatchContext, io: BatchIo | null): Promise<BatchIoResult> {
    const params: BatchParams = {
      batchId: ctx.batchId,
      eval: ctx.eval,
      watermarkMs: ctx.watermarkMs,
      previousWatermarkMs: ctx.previousWatermarkMs,
      outputMode: ctx.outputMode,
    }
    if (io === null && !this.stateful && this.rowsOf(ctx.inputs) < MIN_SLICE_ROWS) {
      this.lastTasks = []
      this.lastPartitions = []
      const output = await this.plan.local.execute({ ...ctx, state: null })
      return { output, outputRows: output.numRows, written: null, reads: new Map() }
    }
    await this.start()
    const pool = this.pool!
    const slices = this.slices(ctx.inputs)
    const runs = [...(io?.reads ?? [])].map(
      ([source, parts]) =>
        [
          source,
          contiguousRuns(splitForWorkers(parts, this.threads, this.plan.minSplitBytes), this.threads),
        ] as const,
    )
    const tasks = Math.max(slices.length, ...runs.map(([, r]) => r.length))
    const write = this.stateful ? null : (io?.write ?? null)
    const maps = await Promise.all(
      Array.from({ length: tasks }, (_, w) => {
        const inputs = slices[w] ?? []
        const reads = runs.filter(([, r]) => w < r.length).map(([source, r]) => [source, r[w]] as const)
        return pool.call<MapResult>(
          w,
          this.query,
          { type: 'map', params, inputs, reads, write },
          `batch ${ctx.batchId} (stage 1, ${reads.length > 0 ? 'task' : 'slice'} ${w})`,
          transferList(inputs.map(([, b]) => b)),
        )
      }),
    )
    this.lastTasks = maps.map((m, w) => ({
      worker: w,
      numInputRows: m.inputRows,
      numShuffledRows: m.shuffledRows,
      durationMs: m.durationMs,
    }))
    for (const m of maps) {
      for (const o of m.watermarks) ctx.watermarks?.observe(o.watermarkId, o.delayMs, o.stats)
    }
    const reads = new Map<number, SourceReadSummary>()
    for (const [source] of runs) {
      reads.set(
        source,
        combineSummaries(
          maps.flatMap((m) => (m.reads ?? []).filter(([s]) => s === source).map(([, r]) => r)),
        ),
      )
    }
    if (this.stateful) {
      const output = await this.reduce(params, maps)
      return { output, outputRows: output.numRows, written: null, reads }
    }
    this.lastPartitions = []
    if (write) {
      const outputRows = maps.reduce((s, m) => s + (m.outputRows ?? 0), 0)
      return {
        output: ColumnarBatch.empty(this.plan.schema),
        outputRows,
        written: maps.map((m) => m.written ?? null),
        reads,
      }
    }
    const output = ColumnarBatch.concat(
      this.plan.schema,
      maps.map((m) => decodeBatch(m.output!, this.plan.schema)),
    )
    return { output, outputRows: output.numRows, written: null, reads }
  }

  private rowsOf(inputs: BatchContext['inputs']): number {
    let rows = 0
    for (const b of inputs.values()) rows += b.numRows
    return rows
  }

  /** One slice per worker of every source's rows (fewer when the batch is small). */
  private slices(inputs: BatchContext['inputs']): [number, EncodedBatch][][] {
    const rows = this.rowsOf(inputs)
    const n = Math.max(0, Math.min(this.threads, Math.ceil(rows / MIN_SLICE_ROWS)))
    const out: [number, EncodedBatch][][] = []
    for (let k = 0; k < n; k++) {
      const slice: [number, EncodedBatch][] = []
      for (const [source, b] of inputs) {
        const from = Math.floor((k * b.numRows) / n)
        const to = Math.floor(((k + 1) * b.numRows) / n)
        if (to > from) slice.push([source, encodeBatch(b.slice(from, to), this.plan.sourceColumnsRead)])
      }
      out.push(slice)
    }
    return out
  }

  /** Stage 2: every worker runs all the partitions it owns, with rows or without (eviction, timeouts). */
  private async reduce(params: BatchParams, maps: readonly MapResult[]): Promise<ColumnarBatch<unknown>> {
    const byPartition: EncodedBatch[][] = Array.from({ length: this.plan.partitions }, () => [])
    for (const m of maps) for (const [p, b] of m.parts) byPartition[p].push(b)
    const results = await Promise.all(
      Array.from({ length: this.threads }, (_, w) => {
        const owned: number[] = []
        for (let p = w; p < this.plan.partitions; p += this.threads) owned.push(p)
        if (owned.length === 0) return Promise.resolve<ReduceResult>({ partitions: [] })
        const parts = owned.map((p) => [p, byPartition[p]] as const)
        return this.pool!.call<ReduceResult>(
          w,
          this.query,
          { type: 'reduce', params, parts },
          `batch ${params.batchId} (stage 2, partitions ${owned.join(', ')})`,
          transferList(parts.flatMap(([, b]) => b)),
        )
      }),
    )
    const all = results.flatMap((r) => r.partitions).sort((a, b) => a.partition - b.partition)
    this.lastPartitions = all.map((r) => ({
      partition: r.partition,
      worker: r.partition % this.threads,
      numInputRows: r.inputRows,
      numShuffledRows: r.shuffledRows,
      numOutputRows: r.output.numRows,
      durationMs: r.durationMs,
    }))
    if (all.length > 0)
      this.lastState = [
        combineStateProgress(
          all.map((r) => r.state),
          this.plan.partitions,
        ),
      ]
    return ColumnarBatch.concat(
      this.plan.schema,
      all.map((r) => decodeBatch(r.output, this.plan.schema)),
    )
  }

  async commit(): Promise<void> {
    if (this.stateful) await this.pool!.all(this.query, { type: 'commit' }, 'state commit')
  }

  abort(): void {
    if (this.stateful) this.pool?.all(this.query, { type: 'abort' }, 'state abort').catch(() => undefined)
  }

  async maintain(minVersion: number): Promise<void> {
    if (this.stateful && minVersion > 0)
      await this.pool!.all(this.query, { type: 'maintain', minVersion }, 'state maintenance')
  }

  stateOperators(): StateOperatorProgress[] {
    return this.lastState
  }

  progress(): ExecutorProgress {
    return {
      threads: this.threads,
      mode: this.stateful ? 'shuffle' : 'stateless',
      inThreadReason: null,
      partialAggregation: this.plan.partialAggregation,
      tasks: this.lastTasks,
      partitions: this.lastPartitions,
    }
  }

  /** Releases the query's state in the workers; the pool's idle workers end later (worker-pool.ts). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const pool = this.pool
    if (!pool) return
    if (!pool.isBroken) {
      await this.ready?.catch(() => undefined)
      await pool.all(this.query, { type: 'close' }, 'close').catch(() => undefined)
    }
    await pool.release()
  }
}

/**
 * One operator's progress from its partitions' progress: counts add up; the shuffle
 * partition count is the query's; nested metric objects add up key by key.
 */
function combineStateProgress(
  parts: readonly StateOperatorProgress[],
  partitions: number,
): StateOperatorProgress {
  const out: Record<string, unknown> = { ...parts[0] }
  for (const [k, v] of Object.entries(parts[0])) {
    if (k === 'numShufflePartitions') out[k] = partitions
    else if (typeof v === 'number') out[k] = parts.reduce((s, p) => s + ((p as never)[k] as number), 0)
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const merged: Record<string, unknown> = {}
      for (const p of parts) {
        for (const [mk, mv] of Object.entries((p as never)[k] as Record<string, unknown>)) {
          merged[mk] = typeof mv === 'number' ? ((merged[mk] as number | undefined) ?? 0) + mv : mv
        }
      }
      out[k] = merged
    }
  }
  return out as unknown as StateOperatorProgress
}
