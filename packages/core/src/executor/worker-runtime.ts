/**
 * What a worker thread does with each request: it rebuilds the physical plan from the
 * logical plan (so expressions are compiled here, in this thread), runs the stage before
 * the shuffle over its slice of the batch (map), and runs the stateful operator and what
 * is above it for each state partition it owns (reduce), each partition with an operator
 * instance and a state store of its own, as a Spark task does.
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { ExecContext, MapSidePartial, PhysicalOperator, StatefulOperator } from '../exec/operator.js'
import { toPhysical } from '../plan/planner.js'
import type { SinkWriteTask } from '../sinks/sink.js'
import type { SourcePartition } from '../sources/source.js'
import { stateStoreProvider } from '../state/providers.js'
import type { StateStoreProvider } from '../state/state-store.js'
import type { EventTimeStats, WatermarkTracker } from '../streaming/watermark.js'
import { killPoint } from '../util/kill-point.js'
import { decodeBatch, type EncodedBatch, encodeBatch } from './batch-codec.js'
import { readSourcePartitions, readSummary, runWriteTask, type SourceReadSummary } from './io-tasks.js'
import { PartitionStateManager } from './partition-state.js'
import { decodePlan } from './plan-codec.js'
import type {
  BatchParams,
  MapResult,
  PartitionResult,
  ReduceResult,
  WatermarkObservation,
  WorkerSetup,
} from './protocol.js'
import { findOperator, ShuffleInput, withInput } from './stage-split.js'

/** An error with the state partition it came from, so the query's error can name it. */
export class PartitionTaskError extends Error {
  constructor(
    readonly partition: number,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error))
  }
}

/** One state partition's operator instance (the stateful operator and what is above it). */
interface PartitionTask {
  readonly root: PhysicalOperator
  readonly operator: StatefulOperator
  readonly input: ShuffleInput
  readonly state: PartitionStateManager
}

export class WorkerRuntime {
  private readonly mapRoot: PhysicalOperator
  /** The subtree whose output is shuffled (the stateful operator's child), or the whole plan. */
  private readonly mapStage: PhysicalOperator
  private readonly shuffleBy: StatefulOperator | null
  /** The stateful operator's map-side partial aggregation, when it has one. */
  private readonly partial: MapSidePartial | null
  private readonly provider: StateStoreProvider | null
  private readonly tasks = new Map<number, PartitionTask>()

  constructor(private readonly setup: WorkerSetup) {
    const plan = decodePlan(setup.plan)
    this.mapRoot = toPhysical(plan)
    if (setup.statefulOperatorId === null) {
      this.shuffleBy = null
      this.partial = null
      this.mapStage = this.mapRoot
      this.provider = null
    } else {
      const op = findOperator(this.mapRoot, setup.statefulOperatorId)
      this.shuffleBy = op
      this.partial = op.mapSidePartial?.() ?? null
      this.mapStage = op.children[0]
      this.provider = stateStoreProvider((k) => setup.stateConf[k])
    }
  }

  /** Partitions this worker owns: p % threads = worker. */
  ownsPartition(p: number): boolean {
    return p % this.setup.threads === this.setup.worker
  }

  async map(
    params: BatchParams,
    inputs: readonly (readonly [number, EncodedBatch])[],
    reads: readonly (readonly [number, readonly SourcePartition[]])[] = [],
    write: SinkWriteTask | null = null,
  ): Promise<MapResult> {
    const t0 = performance.now()
    const batches = new Map<number, ColumnarBatch<unknown>>()
    let inputRows = 0
    for (const [source, encoded] of inputs) {
      const b = decodeBatch(encoded)
      batches.set(source, b)
      inputRows += b.numRows
    }
    // Sources read here: the worker opens and parses its files itself.
    const summaries: [number, SourceReadSummary][] = []
    for (const [source, parts] of reads) {
      const got = await readSourcePartitions(parts)
      batches.set(source, got.data)
      inputRows += got.data.numRows
      summaries.push([source, readSummary(got)])
    }
    killPoint('workerMap', params.batchId)
    const observed: WatermarkObservation[] = []
    const recorder = {
      observe(watermarkId: number, delayMs: number, stats: EventTimeStats) {
        observed.push({ watermarkId, delayMs, stats })
      },
    } as unknown as WatermarkTracker
    const out = await this.mapStage.execute(this.context(params, batches, null, recorder))
    if (this.shuffleBy === null) {
      if (write) {
        const written = await runWriteTask(write, out)
        killPoint('workerWrote', params.batchId)
        return {
          output: null,
          written,
          outputRows: out.numRows,
          reads: summaries,
          parts: [],
          watermarks: observed,
          inputRows,
          shuffledRows: 0,
          durationMs: performance.now() - t0,
        }
      }
      return {
        output: encodeBatch(out),
        outputRows: out.numRows,
        reads: summaries,
        parts: [],
        watermarks: observed,
        inputRows,
        shuffledRows: 0,
        durationMs: performance.now() - t0,
      }
    }
    const shuffled = this.partial ? this.partial.aggregate(out, params.eval) : out
    const parts = this.partition(shuffled, params)
    return {
      output: null,
      reads: summaries,
      parts,
      watermarks: observed,
      inputRows,
      shuffledRows: shuffled.numRows,
      durationMs: performance.now() - t0,
    }
  }

  /** Splits rows by the state partition of their key (the key encoding the operator's state uses). */
  private partition(rows: ColumnarBatch<unknown>, params: BatchParams): [number, EncodedBatch][] {
    const n = this.setup.partitions
    if (rows.numRows === 0) return []
    const of = this.partial
      ? this.partial.shufflePartitions(rows, n)
      : this.shuffleBy!.shufflePartitions!(rows, params.eval, n)
    const counts = new Int32Array(n)
    for (let i = 0; i < of.length; i++) counts[of[i]]++
    const out: [number, EncodedBatch][] = []
    for (let p = 0; p < n; p++) {
      if (counts[p] === rows.numRows) return [[p, encodeBatch(rows)]]
    }
    // One counting sort by partition and one take, then each partition is a range of it.
    const starts = new Int32Array(n + 1)
    for (let p = 0; p < n; p++) starts[p + 1] = starts[p] + counts[p]
    const next = starts.slice(0, n)
    const order = new Int32Array(of.length)
    for (let i = 0; i < of.length; i++) order[next[of[i]]++] = i
    const sorted = rows.take(order)
    for (let p = 0; p < n; p++) {
      if (counts[p] > 0) out.push([p, encodeBatch(sorted.slice(starts[p], starts[p + 1]))])
    }
    return out
  }

  async reduce(
    params: BatchParams,
    parts: readonly (readonly [number, readonly EncodedBatch[]])[],
  ): Promise<ReduceResult> {
    const results: PartitionResult[] = []
    for (const [p, encoded] of parts) {
      const t0 = performance.now()
      try {
        if (!this.ownsPartition(p))
          throw new Error(`partition ${p} is not owned by worker ${this.setup.worker}`)
        const task = await this.task(p)
        const schema = task.input.schema
        const rows = ColumnarBatch.concat(
          schema,
          encoded.map((e) => decodeBatch(e, schema)),
        )
        task.input.rows = rows
        killPoint('workerReduce', `${params.batchId}/${p}`)
        const out = await task.root.execute(this.context(params, new Map(), task.state, null))
        task.input.rows = null
        results.push({
          partition: p,
          output: encodeBatch(out),
          inputRows: this.partial ? this.partial.inputRows(rows) : rows.numRows,
          shuffledRows: rows.numRows,
          durationMs: performance.now() - t0,
          state: task.operator.progress(),
        })
      } catch (e) {
        throw new PartitionTaskError(p, e)
      }
    }
    return { partitions: results }
  }

  private async task(p: number): Promise<PartitionTask> {
    let task = this.tasks.get(p)
    if (task) return task
    // A plan instance of its own: operators keep live tables of their groups between batches.
    const root = toPhysical(decodePlan(this.setup.plan))
    const operator = findOperator(root, this.setup.statefulOperatorId!)
    if (this.partial) operator.readPartials!()
    const input = new ShuffleInput(this.partial ? this.partial.schema : operator.children[0].schema)
    withInput(operator, input)
    const state = new PartitionStateManager(this.provider!, this.setup.stateDir, this.setup.partitions, p)
    task = { root, operator, input, state }
    this.tasks.set(p, task)
    return task
  }

  private context(
    params: BatchParams,
    inputs: ReadonlyMap<number, ColumnarBatch<unknown>>,
    state: PartitionStateManager | null,
    watermarks: WatermarkTracker | null,
  ): ExecContext {
    return {
      batchId: params.batchId,
      eval: params.eval,
      inputs,
      watermarkMs: params.watermarkMs,
      previousWatermarkMs: params.previousWatermarkMs,
      outputMode: params.outputMode,
      state,
      watermarks,
    }
  }

  /** Step 6 for this worker's partitions: state version N becomes durable. */
  async commit(): Promise<void> {
    for (const [p, task] of this.tasks) {
      try {
        await task.state.commitAll()
      } catch (e) {
        throw new PartitionTaskError(p, e)
      }
    }
  }

  abort(): void {
    for (const task of this.tasks.values()) task.state.abortAll()
  }

  async maintain(minVersion: number): Promise<void> {
    if (this.provider && minVersion > 0) await this.provider.maintain(this.setup.stateDir, minVersion)
  }

  async close(): Promise<void> {
    this.abort()
    await this.provider?.close?.()
  }
}
