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
import { decodePlan, loadPlanFunctions, type PlanFunctions } from './plan-codec.js'
import type {
  BatchParams,
  MapResult,
  PartitionResult,
  ReduceResult,
  ShuffledBatch,
  WatermarkObservation,
  WorkerSetup,
} from './protocol.js'
import { findOperator, ShuffleInput, withInputs } from './stage-split.js'

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
  /** One per input of the stateful operator (a join has two). */
  readonly inputs: readonly ShuffleInput[]
  readonly state: PartitionStateManager
}

export class WorkerRuntime {
  private readonly mapRoot: PhysicalOperator
  /** The subtrees whose outputs are shuffled (the stateful operator's children), or the whole plan. */
  private readonly mapStages: readonly PhysicalOperator[]
  private readonly shuffleBy: StatefulOperator | null
  /** The stateful operator's map-side partial aggregation, when it has one. */
  private readonly partial: MapSidePartial | null
  private readonly provider: StateStoreProvider | null
  private readonly tasks = new Map<number, PartitionTask>()

  /** Imports the plan's module functions, then rebuilds the plan. */
  static async create(setup: WorkerSetup): Promise<WorkerRuntime> {
    return new WorkerRuntime(setup, await loadPlanFunctions(setup.plan))
  }

  private constructor(
    private readonly setup: WorkerSetup,
    private readonly functions: PlanFunctions,
  ) {
    const plan = decodePlan(setup.plan, functions)
    this.mapRoot = toPhysical(plan)
    if (setup.statefulOperatorId === null) {
      this.shuffleBy = null
      this.partial = null
      this.mapStages = [this.mapRoot]
      this.provider = null
    } else {
      const op = findOperator(this.mapRoot, setup.statefulOperatorId)
      this.shuffleBy = op
      this.partial = op.mapSidePartial?.() ?? null
      this.mapStages = op.children
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
    const ctx = this.context(params, batches, null, recorder)
    if (this.shuffleBy === null) {
      const out = await this.mapStages[0].execute(ctx)
      const stateless = {
        outputRows: out.numRows,
        reads: summaries,
        parts: [],
        watermarks: observed,
        inputRows,
      }
      if (write) {
        // The worker wrote the rows itself: only the list of its files goes back.
        const written = await runWriteTask(write, out)
        killPoint('workerWrote', params.batchId)
        return { ...stateless, output: null, written, shuffledRows: 0, durationMs: performance.now() - t0 }
      }
      return { ...stateless, output: encodeBatch(out), shuffledRows: 0, durationMs: performance.now() - t0 }
    }
    const parts: [number, ShuffledBatch][] = []
    let shuffledRows = 0
    // A join's sides in order, as the operator runs them on the coordinating thread.
    for (let child = 0; child < this.mapStages.length; child++) {
      const out = await this.mapStages[child].execute(ctx)
      const shuffled = this.partial ? this.partial.aggregate(out, params.eval) : out
      shuffledRows += shuffled.numRows
      parts.push(...this.partition(shuffled, params, child))
    }
    return {
      output: null,
      reads: summaries,
      parts,
      watermarks: observed,
      inputRows,
      shuffledRows,
      durationMs: performance.now() - t0,
    }
  }

  /** Splits rows by the state partition of their key (the key encoding the operator's state uses). */
  private partition(
    rows: ColumnarBatch<unknown>,
    params: BatchParams,
    child: number,
  ): [number, ShuffledBatch][] {
    const n = this.setup.partitions
    if (rows.numRows === 0) return []
    const of = this.partial
      ? this.partial.shufflePartitions(rows, n)
      : this.shuffleBy!.shufflePartitions!(rows, params.eval, n, child)
    const counts = new Int32Array(n)
    for (let i = 0; i < of.length; i++) counts[of[i]]++
    const out: [number, ShuffledBatch][] = []
    for (let p = 0; p < n; p++) {
      if (counts[p] === rows.numRows) return [[p, { child, batch: encodeBatch(rows) }]]
    }
    // One counting sort by partition and one take, then each partition is a range of it.
    const starts = new Int32Array(n + 1)
    for (let p = 0; p < n; p++) starts[p + 1] = starts[p] + counts[p]
    const next = starts.slice(0, n)
    const order = new Int32Array(of.length)
    for (let i = 0; i < of.length; i++) order[next[of[i]]++] = i
    const sorted = rows.take(order)
    for (let p = 0; p < n; p++) {
      if (counts[p] > 0) out.push([p, { child, batch: encodeBatch(sorted.slice(starts[p], starts[p + 1])) }])
    }
    return out
  }

  async reduce(
    params: BatchParams,
    parts: readonly (readonly [number, readonly ShuffledBatch[]])[],
  ): Promise<ReduceResult> {
    const results: PartitionResult[] = []
    for (const [p, encoded] of parts) {
      const t0 = performance.now()
      try {
        if (!this.ownsPartition(p))
          throw new Error(`partition ${p} is not owned by worker ${this.setup.worker}`)
        const task = await this.task(p)
        let inputRows = 0
        let shuffledRows = 0
        task.inputs.forEach((input, child) => {
          const schema = input.schema
          const rows = ColumnarBatch.concat(
            schema,
            encoded.filter((e) => e.child === child).map((e) => decodeBatch(e.batch, schema)),
          )
          input.rows = rows
          // Partial rows stand for the input rows they aggregate; count those, as on one thread.
          inputRows += this.partial ? this.partial.inputRows(rows) : rows.numRows
          shuffledRows += rows.numRows
        })
        killPoint('workerReduce', `${params.batchId}/${p}`)
        const out = await task.root.execute(this.context(params, new Map(), task.state, null))
        for (const input of task.inputs) input.rows = null
        results.push({
          partition: p,
          output: encodeBatch(out),
          inputRows,
          shuffledRows,
          durationMs: performance.now() - t0,
          state: task.operator.progress(),
          noDataBatchHint: task.operator.noDataBatchHint?.() ?? null,
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
    const root = toPhysical(decodePlan(this.setup.plan, this.functions))
    const operator = findOperator(root, this.setup.statefulOperatorId!)
    if (this.partial) operator.readPartials!()
    const inputs = this.partial
      ? [new ShuffleInput(this.partial.schema)]
      : operator.children.map((c) => new ShuffleInput(c.schema))
    withInputs(operator, inputs)
    const state = new PartitionStateManager(this.provider!, this.setup.stateDir, this.setup.partitions, p)
    task = { root, operator, inputs, state }
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
