/**
 * What the dashboard, the metrics endpoint and OpenTelemetry see of a query: its status,
 * progress history, last error and totals, with secrets masked.
 */
import type { StreamingQueryProgress } from '../streaming/progress.js'
import type { StreamingQueryManager } from '../streaming/query-manager.js'
import type { StreamingQuery } from '../streaming/streaming-query.js'
import type { QueryTotals, SessionMonitor } from './monitor.js'
import { redact, redactFields } from './redact.js'

/** What observe/ needs of a session: its queries and its monitor. */
export interface ObservedSession {
  readonly appName: string
  readonly streams: StreamingQueryManager
  readonly monitor: SessionMonitor
}

export type QueryState = 'active' | 'stopped' | 'failed'

export interface QueryErrorView {
  readonly code: string
  readonly message: string
  readonly causes: readonly string[]
}

export interface QueryView {
  readonly id: string
  readonly runId: string
  readonly name: string | null
  /** The query's name, or its id when it has none: the `query` label of metrics. */
  readonly label: string
  readonly state: QueryState
  readonly status: {
    readonly message: string
    readonly isDataAvailable: boolean
    readonly isTriggerActive: boolean
  }
  readonly lastProgress: StreamingQueryProgress | null
  readonly exception: QueryErrorView | null
}

function errorView(q: StreamingQuery): QueryErrorView | null {
  const e = q.exception
  if (!e) return null
  const causes: string[] = []
  let c: unknown = e.cause
  for (let i = 0; c instanceof Error && i < 5; i++) {
    causes.push(redact(`${c.name}: ${c.message}`))
    c = c.cause
  }
  return { code: e.code, message: redact(e.message), causes }
}

export function queryView(q: StreamingQuery): QueryView {
  return {
    id: q.id,
    runId: q.runId,
    name: q.name,
    label: q.name ?? q.id,
    state: q.isActive ? 'active' : q.exception ? 'failed' : 'stopped',
    status: q.status,
    lastProgress: q.lastProgress ? redactFields(q.lastProgress) : null,
    exception: errorView(q),
  }
}

/** The progress history of a query, secrets masked (at most the last 100 batches). */
export function progressHistory(q: StreamingQuery): StreamingQueryProgress[] {
  return q.recentProgress.map(redactFields)
}

/** Every query the session started, with its totals. */
export function observedQueries(session: ObservedSession): { query: StreamingQuery; totals: QueryTotals }[] {
  return session.streams.all.map((query) => ({ query, totals: session.monitor.of(query.id, query.name) }))
}
