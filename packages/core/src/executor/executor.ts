/**
 * Protocol step 4 behind one interface: the micro-batch loop hands the executor a batch's
 * rows and gets the output, then tells it to commit (step 6) or abort the state. The
 * in-thread executor runs the physical plan on the coordinating thread, as Tributary
 * always did; the parallel executor (parallel-executor.ts) runs it on worker threads.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { ExecContext, PhysicalOperator } from '../exec/operator.js'
import { statefulOperatorsSinkFirst } from '../exec/operator.js'
import type { SinkWriteTask } from '../sinks/sink.js'
import type { JsonValue, SourcePartition } from '../sources/source.js'
import type { StateManager } from '../state/state-manager.js'
import type { ExecutorProgress, StateOperatorProgress } from '../streaming/progress.js'
import type { SourceReadSummary } from './io-tasks.js'

/** ExecContext without the state: the executor owns the state. */
export type BatchContext = Omit<ExecContext, 'state'>

/** Source reads and a sink write that the executor may do in its workers. */
export interface BatchIo {
  /** Sources whose batch the executor reads (not in ctx.inputs): their partitions, by source index. */
  readonly reads: ReadonlyMap<number, readonly SourcePartition[]>
  /** The sink's write of this batch, for workers to do; null: the output comes back. */
  readonly write: SinkWriteTask | null
}

export interface BatchIoResult {
  /** The output, when it was not written by the workers (empty when it was). */
  readonly output: ColumnarBatch<unknown>
  readonly outputRows: number
  /** What the workers' write tasks returned, in task order; null when the output came back instead. */
  readonly written: readonly JsonValue[] | null
  /** What reading each of io.reads gave, by source index. */
  readonly reads: ReadonlyMap<number, SourceReadSummary>
}

export interface BatchExecutor {
  readonly threads: number
  /** Whether the plan keeps state (then it may need batches without new data). */
  readonly stateful: boolean
  /** Whether the state lives in memory (the memory provider): the state memory budget applies. */
  readonly holdsStateInMemory: boolean
  /** One line for explain(): where the plan runs, and why not on workers when it cannot. */
  describe(): string
  /** Step 4: the batch's output; state version N prepared, not committed. */
  execute(ctx: BatchContext): Promise<ColumnarBatch<unknown>>
  /**
   * Steps 3 (for the sources in io.reads), 4 and 5 (when io.write is set) in the workers:
   * present only where batches run on worker threads.
   */
  executeWithIo?(ctx: BatchContext, io: BatchIo): Promise<BatchIoResult>
  /** Step 6: state version N becomes durable. */
  commit(): Promise<void>
  abort(): void
  /** Deletes state files no longer needed to restart at minVersion or later. */
  maintain(minVersion: number): Promise<void>
  stateOperators(): StateOperatorProgress[]
  progress(): ExecutorProgress
  /** Releases the state and ends every worker thread. */
  close(): Promise<void>
}

export class InThreadExecutor implements BatchExecutor {
  readonly threads = 1
  constructor(
    private readonly operator: PhysicalOperator,
    private readonly state: StateManager | null,
    /** Why a query configured for several threads runs here; null when it has one thread. */
    private readonly reason: string | null,
    private readonly configuredThreads: number,
  ) {}

  get stateful(): boolean {
    return this.state !== null
  }

  get holdsStateInMemory(): boolean {
    return this.state?.provider.holdsStateInMemory === true
  }

  describe(): string {
    return this.reason === null
      ? 'Executor: coordinating thread (1 thread)'
      : `Executor: coordinating thread, although ${this.configuredThreads} threads are configured: ${this.reason}`
  }

  execute(ctx: BatchContext): Promise<ColumnarBatch<unknown>> {
    return this.operator.execute({ ...ctx, state: this.state })
  }

  async commit(): Promise<void> {
    await this.state?.commitAll()
  }

  abort(): void {
    this.state?.abortAll()
  }

  async maintain(minVersion: number): Promise<void> {
    await this.state?.maintain(minVersion)
  }

  stateOperators(): StateOperatorProgress[] {
    return statefulOperatorsSinkFirst(this.operator).map((op) => op.progress())
  }

  progress(): ExecutorProgress {
    return {
      threads: 1,
      mode: 'inThread',
      inThreadReason: this.reason,
      partialAggregation: false,
      tasks: [],
      partitions: [],
    }
  }

  async close(): Promise<void> {
    await this.state?.close()
  }
}
