/**
 * OpenTelemetry metrics: the same figures as the Prometheus endpoint, as observable
 * instruments on a Meter from @opentelemetry/api. The user brings the SDK and exporter
 * (OTLP, Prometheus...); Tributary only reports through the API, which is small and has no
 * Node version constraint (the 3.x SDK needs Node 22, the 2.x SDK works on 20).
 */
import type { Attributes, BatchObservableResult, Meter } from '@opentelemetry/api'
import { watermarkMs } from './prometheus.js'
import { type ObservedSession, observedQueries } from './query-view.js'

/** Registers the instruments; returns a function that removes them from the meter. */
export function reportToOpenTelemetry(
  session: ObservedSession,
  meter: Meter,
  now: () => number = Date.now,
): () => void {
  const counter = (name: string, description: string, unit = '{row}') =>
    meter.createObservableCounter(`tributary.${name}`, { description, unit })
  const gauge = (name: string, description: string, unit: string) =>
    meter.createObservableGauge(`tributary.${name}`, { description, unit })
  const i = {
    active: gauge('query.active', '1 while the query runs, 0 once it stopped or failed.', '1'),
    batches: counter('batches', 'Micro-batches completed.', '{batch}'),
    inputRows: counter('input.rows', 'Rows read from all sources.'),
    sinkRows: counter('sink.rows', 'Rows handed to the sink.'),
    lateRows: counter('late.rows', 'Rows dropped as late, per stateful operator.'),
    malformed: counter('malformed.rows', 'Malformed input records dropped.'),
    deadLetters: counter('dead_letters', 'Unreadable records handed to the dead-letter handler.', '{record}'),
    failures: counter('query.failures', 'Queries that stopped with an error, by code.', '{failure}'),
    inputRate: gauge('input.rate', 'Rows per second arriving, over the last batch.', '{row}/s'),
    processRate: gauge('processing.rate', 'Rows per second processed in the last batch.', '{row}/s'),
    duration: gauge('batch.duration', 'Duration of each step of the last batch.', 's'),
    stateRows: gauge('state.rows', 'Rows in the state of each stateful operator.', '{row}'),
    stateBytes: gauge('state.memory', 'Estimated state memory of each stateful operator.', 'By'),
    watermark: gauge('watermark', 'Event-time watermark of the last batch, as a Unix time.', 's'),
    lag: gauge('watermark.lag', 'Wall-clock time minus the watermark.', 's'),
    threads: gauge('executor.threads', 'Threads the last batch ran on.', '{thread}'),
    partitionRows: counter(
      'partition.input.rows',
      'Input rows of each state partition (with partial aggregation, the rows its partial rows stand for).',
    ),
    partitionOut: counter('partition.output.rows', 'Rows each state partition emitted.'),
    partitionTime: meter.createObservableCounter('tributary.partition.duration', {
      description: 'Time each state partition spent on its share of the batches, summed.',
      unit: 's',
    }),
    workerRows: counter('worker.task.rows', 'Rows each worker thread read before the shuffle.'),
    workerTime: meter.createObservableCounter('tributary.worker.task.duration', {
      description: 'Time each worker thread spent before the shuffle, summed.',
      unit: 's',
    }),
  }
  const callback = (r: BatchObservableResult) => {
    for (const { query, totals } of observedQueries(session)) {
      const a: Attributes = { query: query.name ?? query.id, query_id: query.id }
      r.observe(i.active, query.isActive ? 1 : 0, a)
      r.observe(i.batches, totals.batches, a)
      r.observe(i.inputRows, totals.inputRows, a)
      r.observe(i.sinkRows, totals.outputRows, a)
      r.observe(i.malformed, totals.malformedRows, a)
      r.observe(i.deadLetters, totals.deadLetters, a)
      for (const [operator, n] of totals.lateRows) r.observe(i.lateRows, n, { ...a, operator })
      for (const [code, n] of totals.failures) r.observe(i.failures, n, { ...a, code })
      for (const [partition, t] of totals.partitions) {
        const pa = { ...a, partition: String(partition) }
        r.observe(i.partitionRows, t.inputRows, pa)
        r.observe(i.partitionOut, t.outputRows, pa)
        r.observe(i.partitionTime, t.ms / 1000, pa)
      }
      for (const [worker, t] of totals.workerTasks) {
        r.observe(i.workerRows, t.rows, { ...a, worker: String(worker) })
        r.observe(i.workerTime, t.ms / 1000, { ...a, worker: String(worker) })
      }
      const p = query.lastProgress
      if (!p) continue
      r.observe(i.inputRate, p.inputRowsPerSecond, a)
      r.observe(i.processRate, p.processedRowsPerSecond, a)
      if (p.executor) r.observe(i.threads, p.executor.threads, a)
      for (const [step, ms] of Object.entries(p.durationMs)) r.observe(i.duration, ms / 1000, { ...a, step })
      for (const s of p.stateOperators) {
        r.observe(i.stateRows, s.numRowsTotal, { ...a, operator: s.operatorName })
        r.observe(i.stateBytes, s.memoryUsedBytes, { ...a, operator: s.operatorName })
      }
      const w = watermarkMs(p.eventTime)
      if (w !== null) {
        r.observe(i.watermark, w / 1000, a)
        if (w > 0 && query.isActive) r.observe(i.lag, (now() - w) / 1000, a)
      }
    }
  }
  const observables = Object.values(i)
  meter.addBatchObservableCallback(callback, observables)
  return () => meter.removeBatchObservableCallback(callback, observables)
}
