/** The handle on a running streaming query: Spark's StreamingQuery, with promises. */
import type { Observable, Subject } from 'rxjs'
import { explainPhysical } from '../exec/operator.js'
import type { StreamingQueryException } from '../util/errors.js'
import { redactText, showOnly } from '../util/redact.js'
import { MicroBatchExecution } from './micro-batch-execution.js'
import type { StreamingQueryProgress, StreamingQueryStatus } from './progress.js'

export class StreamingQuery {
  /** Every progress report as it happens; completes when the query stops. */
  readonly progress$: Observable<StreamingQueryProgress>

  constructor(
    private readonly execution: MicroBatchExecution,
    readonly name: string | null,
    progress: Subject<StreamingQueryProgress>,
  ) {
    this.progress$ = progress.asObservable()
  }

  /** Stable across restarts: kept in the checkpoint's metadata file. */
  get id(): string {
    return this.execution.id
  }
  /** New for every start. */
  get runId(): string {
    return this.execution.runId
  }
  get isActive(): boolean {
    return this.execution.isActive
  }
  get status(): StreamingQueryStatus {
    return this.execution.currentStatus
  }
  get lastProgress(): StreamingQueryProgress | null {
    return this.execution.lastProgress
  }
  get recentProgress(): StreamingQueryProgress[] {
    return this.execution.recentProgress
  }
  /** The error that stopped the query, or null. */
  get exception(): StreamingQueryException | null {
    return this.execution.exception
  }

  /**
   * Waits for the query to end. Rejects with the query's exception if it failed. With a
   * timeout, resolves to false if the query is still running by then.
   */
  async awaitTermination(timeoutMs?: number): Promise<boolean> {
    if (timeoutMs === undefined) {
      await this.execution.terminated
    } else {
      let timer: NodeJS.Timeout | undefined
      const timedOut = await Promise.race([
        this.execution.terminated.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), timeoutMs)
        }),
      ])
      clearTimeout(timer)
      if (timedOut) return false
    }
    if (this.execution.exception) throw this.execution.exception
    return true
  }

  /** Stops after the batch in progress; resolves when sources and sink are closed. */
  async stop(): Promise<void> {
    await this.execution.stop()
  }

  /** Waits until every source's available data is processed and committed. For tests and demos. */
  processAllAvailable(): Promise<void> {
    return this.execution.processAllAvailable()
  }

  /** The physical plan as text. */
  explain(): string {
    const op = this.execution.physicalPlan
    return op ? `== Physical Plan ==\n${explainPhysical(op)}` : '== Physical Plan ==\n(not started)'
  }
}

/** What printing a query shows: its identity and state, the sources and sink by description. */
function summary(q: StreamingQuery): Record<string, unknown> {
  const last = q.lastProgress
  return {
    id: q.id,
    runId: q.runId,
    name: q.name,
    isActive: q.isActive,
    status: q.status.message,
    ...(last
      ? {
          lastBatchId: last.batchId,
          sources: last.sources.map((s) => redactText(s.description)),
          sink: redactText(last.sink.description),
        }
      : {}),
    ...(q.exception ? { exception: redactText(q.exception.message) } : {}),
  }
}

showOnly(StreamingQuery, summary)
showOnly(MicroBatchExecution, () => ({}))

export type { StreamingQueryProgress, StreamingQueryStatus }
