/**
 * The Prometheus text exposition of a session's queries, with prom-client. Values are read
 * when scraped (gauges from the last progress, counters from the monitor's totals), so
 * scraping costs the queries nothing. Every series carries `query` (name, else id) and
 * `query_id`; the executor's series add `partition` (a state partition) or `worker` (a thread).
 */
import { Counter, Gauge, Registry } from 'prom-client'
import type { PartitionProgress } from '../streaming/progress.js'
import type { PartitionTotals } from './monitor.js'
import { type ObservedSession, observedQueries } from './query-view.js'
import { redact } from './redact.js'

const Q = ['query', 'query_id'] as const

export const METRIC_PREFIX = 'tributary_'

/** The watermark of a progress report in epoch milliseconds, or null when the query has none. */
export function watermarkMs(eventTime: Readonly<Record<string, string>>): number | null {
  const w = eventTime.watermark
  if (w === undefined) return null
  const ms = Date.parse(w)
  return Number.isNaN(ms) ? null : ms
}

export function createPrometheusRegistry(session: ObservedSession, now: () => number = Date.now): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ app: session.appName })
  const each = () => observedQueries(session)
  const labels = (q: { id: string; name: string | null }) => ({ query: q.name ?? q.id, query_id: q.id })

  const gauge = (
    name: string,
    help: string,
    extra: readonly string[],
    fill: (set: (labels: Record<string, string>, v: number) => void) => void,
  ) =>
    new Gauge({
      name: METRIC_PREFIX + name,
      help,
      labelNames: [...Q, ...extra],
      registers: [registry],
      collect() {
        this.reset()
        fill((l, v) => this.set(l, v))
      },
    })
  const counter = (
    name: string,
    help: string,
    extra: readonly string[],
    fill: (set: (labels: Record<string, string>, v: number) => void) => void,
  ) =>
    new Counter({
      name: METRIC_PREFIX + name,
      help,
      labelNames: [...Q, ...extra],
      registers: [registry],
      collect() {
        this.reset()
        fill((l, v) => this.inc(l, v))
      },
    })

  gauge('query_active', '1 while the query runs, 0 once it stopped or failed.', [], (set) => {
    for (const { query } of each()) set(labels(query), query.isActive ? 1 : 0)
  })
  gauge('last_batch_id', 'Id of the last completed micro-batch.', [], (set) => {
    for (const { query } of each()) if (query.lastProgress) set(labels(query), query.lastProgress.batchId)
  })
  gauge(
    'input_rows_per_second',
    'Rate at which rows arrived, over the last batch (Spark inputRowsPerSecond).',
    [],
    (set) => {
      for (const { query } of each())
        if (query.lastProgress) set(labels(query), query.lastProgress.inputRowsPerSecond)
    },
  )
  gauge(
    'processed_rows_per_second',
    'Rate at which the last batch processed rows (Spark processedRowsPerSecond).',
    [],
    (set) => {
      for (const { query } of each())
        if (query.lastProgress) set(labels(query), query.lastProgress.processedRowsPerSecond)
    },
  )
  gauge(
    'batch_duration_seconds',
    'Duration of each step of the last batch (Spark durationMs).',
    ['step'],
    (set) => {
      for (const { query } of each()) {
        const p = query.lastProgress
        if (!p) continue
        for (const [step, ms] of Object.entries(p.durationMs)) set({ ...labels(query), step }, ms / 1000)
      }
    },
  )
  counter('batch_step_seconds_total', 'Time spent in each step of the batches, summed.', ['step'], (set) => {
    for (const { query, totals } of each())
      for (const [step, ms] of totals.stepMs) set({ ...labels(query), step }, ms / 1000)
  })
  counter('batches_total', 'Micro-batches completed.', [], (set) => {
    for (const { query, totals } of each()) set(labels(query), totals.batches)
  })
  counter('input_rows_total', 'Rows read from all sources.', [], (set) => {
    for (const { query, totals } of each()) set(labels(query), totals.inputRows)
  })
  counter('source_input_rows_total', 'Rows read, per source.', ['source'], (set) => {
    for (const { query, totals } of each())
      for (const [source, n] of totals.sourceRows) set({ ...labels(query), source: redact(source) }, n)
  })
  counter('sink_rows_total', 'Rows handed to the sink.', [], (set) => {
    for (const { query, totals } of each()) set(labels(query), totals.outputRows)
  })
  counter(
    'late_rows_total',
    'Rows dropped as late (older than the watermark), per stateful operator.',
    ['operator'],
    (set) => {
      for (const { query, totals } of each())
        for (const [operator, n] of totals.lateRows) set({ ...labels(query), operator }, n)
    },
  )
  counter('malformed_rows_total', 'Malformed input records dropped (DROPMALFORMED).', [], (set) => {
    for (const { query, totals } of each()) set(labels(query), totals.malformedRows)
  })
  counter('dead_letters_total', 'Unreadable records handed to the dead-letter handler.', [], (set) => {
    for (const { query, totals } of each()) set(labels(query), totals.deadLetters)
  })
  counter('query_failures_total', 'Queries that stopped with an error, by error code.', ['code'], (set) => {
    for (const { query, totals } of each())
      for (const [code, n] of totals.failures) set({ ...labels(query), code }, n)
  })
  gauge('state_rows', 'Rows (keys) in the state of each stateful operator.', ['operator'], (set) => {
    for (const { query } of each())
      for (const s of query.lastProgress?.stateOperators ?? [])
        set({ ...labels(query), operator: s.operatorName }, s.numRowsTotal)
  })
  gauge(
    'state_memory_bytes',
    'Estimated memory of the state of each stateful operator.',
    ['operator'],
    (set) => {
      for (const { query } of each())
        for (const s of query.lastProgress?.stateOperators ?? [])
          set({ ...labels(query), operator: s.operatorName }, s.memoryUsedBytes)
    },
  )
  gauge(
    'watermark_timestamp_seconds',
    'Event-time watermark of the last batch, as a Unix time.',
    [],
    (set) => {
      for (const { query } of each()) {
        const w = query.lastProgress ? watermarkMs(query.lastProgress.eventTime) : null
        if (w !== null) set(labels(query), w / 1000)
      }
    },
  )
  gauge(
    'watermark_lag_seconds',
    'Wall-clock time minus the watermark: how far event time trails now.',
    [],
    (set) => {
      for (const { query } of each()) {
        const w = query.lastProgress ? watermarkMs(query.lastProgress.eventTime) : null
        if (w !== null && w > 0 && query.isActive) set(labels(query), (now() - w) / 1000)
      }
    },
  )
  gauge('executor_threads', 'Threads the last batch ran on (1: the coordinating thread).', [], (set) => {
    for (const { query } of each()) {
      const e = query.lastProgress?.executor
      if (e) set(labels(query), e.threads)
    }
  })
  // The executor's series: one per state partition, or per worker thread.
  const partitionTotal = (name: string, help: string, value: (t: PartitionTotals) => number) =>
    counter(name, help, ['partition'], (set) => {
      for (const { query, totals } of each())
        for (const [partition, t] of totals.partitions)
          set({ ...labels(query), partition: String(partition) }, value(t))
    })
  const lastBatchPartition = (name: string, help: string, value: (p: PartitionProgress) => number) =>
    gauge(name, help, ['partition'], (set) => {
      for (const { query } of each())
        for (const part of query.lastProgress?.executor?.partitions ?? [])
          set({ ...labels(query), partition: String(part.partition) }, value(part))
    })
  const workerTotal = (name: string, help: string, value: (t: { rows: number; ms: number }) => number) =>
    counter(name, help, ['worker'], (set) => {
      for (const { query, totals } of each())
        for (const [worker, t] of totals.workerTasks)
          set({ ...labels(query), worker: String(worker) }, value(t))
    })
  partitionTotal(
    'partition_input_rows_total',
    'Input rows of each state partition (with partial aggregation, the rows its partial rows stand for), on the worker threads.',
    (t) => t.inputRows,
  )
  partitionTotal(
    'partition_output_rows_total',
    'Rows each state partition emitted, on the worker threads.',
    (t) => t.outputRows,
  )
  partitionTotal(
    'partition_seconds_total',
    'Time each state partition spent processing its share of the batches, summed.',
    (t) => t.ms / 1000,
  )
  lastBatchPartition(
    'partition_batch_duration_seconds',
    'Time each state partition spent on the last batch.',
    (p) => p.durationMs / 1000,
  )
  lastBatchPartition(
    'partition_batch_input_rows',
    'Input rows of each state partition in the last batch (skew shows here).',
    (p) => p.numInputRows,
  )
  workerTotal(
    'worker_task_rows_total',
    'Rows each worker thread read in the stage before the shuffle (or the whole stateless plan).',
    (t) => t.rows,
  )
  workerTotal(
    'worker_task_seconds_total',
    'Time each worker thread spent in the stage before the shuffle (or the whole stateless plan), summed.',
    (t) => t.ms / 1000,
  )
  return registry
}
