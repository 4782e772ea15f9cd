/**
 * The session's monitor: a listener on the query bus that keeps running totals per query
 * (rows in and out, late and malformed rows, dead letters, failures) and fans events out
 * to the metrics endpoint, the dashboard's live stream and OpenTelemetry. Totals outlive
 * `recentProgress` (which keeps the last 100 batches), so counters stay monotonic.
 */
import type { StreamingQueryProgress } from '../streaming/progress.js'
import type {
  QueryIdleEvent,
  QueryStartedEvent,
  QueryTerminatedEvent,
  StreamingQueryListener,
} from '../streaming/query-manager.js'

export interface QueryTotals {
  readonly id: string
  name: string | null
  batches: number
  inputRows: number
  outputRows: number
  malformedRows: number
  deadLetters: number
  /** Rows dropped as late, by stateful operator name. */
  readonly lateRows: Map<string, number>
  /** Rows read, by source description. */
  readonly sourceRows: Map<string, number>
  /** Failures by error code. */
  readonly failures: Map<string, number>
  /** Milliseconds spent in each step of the batch (durationMs keys), summed over batches. */
  readonly stepMs: Map<string, number>
  /** Per state partition on the executor's worker threads: rows in and out and time, summed. */
  readonly partitions: Map<number, PartitionTotals>
  /** Per worker thread, the stage before the shuffle (or the whole stateless plan): rows and time, summed. */
  readonly workerTasks: Map<number, { rows: number; ms: number }>
}

export interface PartitionTotals {
  inputRows: number
  outputRows: number
  ms: number
}

export type MonitorEvent =
  | { readonly type: 'started'; readonly event: QueryStartedEvent }
  | { readonly type: 'progress'; readonly progress: StreamingQueryProgress }
  | { readonly type: 'idle'; readonly event: QueryIdleEvent }
  | { readonly type: 'terminated'; readonly event: QueryTerminatedEvent }

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n)
}

export class SessionMonitor implements StreamingQueryListener {
  private readonly totals = new Map<string, QueryTotals>()
  private readonly subscribers = new Set<(e: MonitorEvent) => void>()

  /** The totals of a query (by id), created on first use. */
  of(id: string, name: string | null = null): QueryTotals {
    let t = this.totals.get(id)
    if (!t) {
      t = {
        id,
        name,
        batches: 0,
        inputRows: 0,
        outputRows: 0,
        malformedRows: 0,
        deadLetters: 0,
        lateRows: new Map(),
        sourceRows: new Map(),
        failures: new Map(),
        stepMs: new Map(),
        partitions: new Map(),
        workerTasks: new Map(),
      }
      this.totals.set(id, t)
    }
    if (name !== null) t.name = name
    return t
  }

  all(): QueryTotals[] {
    return [...this.totals.values()]
  }

  /** Calls fn with every event until the returned function is called. */
  subscribe(fn: (e: MonitorEvent) => void): () => void {
    this.subscribers.add(fn)
    return () => this.subscribers.delete(fn)
  }

  private publish(e: MonitorEvent): void {
    for (const fn of this.subscribers) {
      try {
        fn(e)
      } catch {
        // A slow or closed dashboard connection must not affect the query.
      }
    }
  }

  /** @internal dead letters handed to the query's handler. */
  deadLettersDelivered(id: string, n: number): void {
    this.of(id).deadLetters += n
  }

  onQueryStarted(event: QueryStartedEvent): void {
    this.of(event.id, event.name)
    this.publish({ type: 'started', event })
  }

  onQueryProgress({ progress: p }: { readonly progress: StreamingQueryProgress }): void {
    const t = this.of(p.id, p.name)
    t.batches++
    t.inputRows += p.numInputRows
    t.outputRows += p.sink.numOutputRows
    t.malformedRows += p.numDroppedMalformedRows
    for (const s of p.stateOperators) add(t.lateRows, s.operatorName, s.numRowsDroppedByWatermark)
    for (const s of p.sources) add(t.sourceRows, s.description, s.numInputRows)
    for (const [step, ms] of Object.entries(p.durationMs)) add(t.stepMs, step, ms)
    for (const part of p.executor?.partitions ?? []) {
      const pt = t.partitions.get(part.partition) ?? { inputRows: 0, outputRows: 0, ms: 0 }
      t.partitions.set(part.partition, pt)
      pt.inputRows += part.numInputRows
      pt.outputRows += part.numOutputRows
      pt.ms += part.durationMs
    }
    for (const task of p.executor?.tasks ?? []) {
      const wt = t.workerTasks.get(task.worker) ?? { rows: 0, ms: 0 }
      t.workerTasks.set(task.worker, wt)
      wt.rows += task.numInputRows
      wt.ms += task.durationMs
    }
    this.publish({ type: 'progress', progress: p })
  }

  onQueryIdle(event: QueryIdleEvent): void {
    this.publish({ type: 'idle', event })
  }

  onQueryTerminated(event: QueryTerminatedEvent): void {
    if (event.exception !== null) add(this.of(event.id).failures, event.errorClassOnException ?? 'UNKNOWN', 1)
    this.publish({ type: 'terminated', event })
  }
}
