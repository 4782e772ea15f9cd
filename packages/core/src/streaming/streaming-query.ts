/** The handle on a running streaming query: Spark's StreamingQuery, with promises. */
import type { Observable, Subject } from 'rxjs'
import { explainPhysical } from '../exec/operator.js'
import { explainPlan } from '../plan/explain.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import type { StreamingQueryException } from '../util/errors.js'
import { redactText, showOnly } from '../util/redact.js'
import { MicroBatchExecution } from './micro-batch-execution.js'
import type { StreamingQueryProgress, StreamingQueryStatus } from './progress.js'

export class StreamingQuery {
  /** Every progress report as it happens; completes when the query stops. */
  readonly progress$: Observable<StreamingQueryProgress>
  /** Callers waiting in awaitTermination or processAllAvailable: they will see a failure. */
  private waiting = 0

  constructor(
    private readonly execution: MicroBatchExecution,
    readonly name: string | null,
    progress: Subject<StreamingQueryProgress>,
    private readonly plan?: LogicalPlan,
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
    this.waiting++
    try {
      return await this.waitForEnd(timeoutMs)
    } finally {
      this.waiting--
    }
  }

  /** @internal whether someone awaits the query now (a failure then reaches them). */
  get awaited(): boolean {
    return this.waiting > 0
  }

  private async waitForEnd(timeoutMs: number | undefined): Promise<boolean> {
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
  async processAllAvailable(): Promise<void> {
    this.waiting++
    try {
      await this.execution.processAllAvailable()
    } finally {
      this.waiting--
    }
  }

  /**
   * Prints the running query's physical plan (with `true`, its logical plan first), as
   * Spark's query.explain(), and returns the text.
   */
  explain(extended = false): string {
    const op = this.execution.physicalPlan
    const executor = op ? this.execution.executorDescription : null
    const physical = `== Physical Plan ==\n${op ? explainPhysical(op) : '(not started)'}${executor ? `\n\n== ${executor} ==` : ''}`
    const logical =
      extended && this.plan
        ? `${explainPlan(this.plan, 'extended').split('\n\n== Physical Plan ==')[0]}\n\n`
        : ''
    const text = `${logical}${physical}`
    console.log(text)
    return text
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
