/**
 * `format('blackhole')`: a sink that keeps nothing but counts rows and folds them into an
 * order-independent checksum (checksum.ts), so that a benchmark measures the query, not
 * the output, and can still compare answers with other engines.
 *
 * Results are read back with `blackholeResult(name)`, where name is the `name` option or
 * else the query name. A batch id seen before (a replay after a restart) is not counted
 * twice; in complete mode only the newest batch counts.
 *
 * With the `latencyTag` option it also measures end-to-end latency: the nexmark source with
 * the same `tag`, `rowsPerSecond` and `startAt` releases event k at startAt + k / rate, and
 * the sink records, for every event of the batch it is handed, now − that arrival time.
 */
import type { ColumnarBatch, SinkProvider, Vector } from '@tributary/core'
import { type Cell, Checksum, type ColumnData } from './checksum.js'
import { lastRanges } from './source.js'

/** Latencies in 0.1 ms buckets up to 60 s; slower ones land in the last bucket. */
export class LatencyHistogram {
  private readonly buckets = new Float64Array(600_001)
  count = 0
  max = 0

  record(ms: number, times = 1): void {
    const b = Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms * 10)))
    this.buckets[b] += times
    this.count += times
    if (ms > this.max) this.max = ms
  }

  /** The latency below which a fraction p of the recorded ones lie, in ms. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN
    const target = p * this.count
    let seen = 0
    for (let b = 0; b < this.buckets.length; b++) {
      seen += this.buckets[b]
      if (seen >= target) return b / 10
    }
    return this.max
  }
}

export interface BlackholeResult {
  readonly checksum: Checksum
  batches: number
  readonly latency: LatencyHistogram
}

const results = new Map<string, BlackholeResult>()

export function blackholeResult(name: string): BlackholeResult | undefined {
  return results.get(name)
}

/** A batch's columns as checksum input: typed arrays where there are no nulls. */
export function batchColumns(batch: ColumnarBatch<unknown>): ColumnData[] {
  return batch.columns.map((v) => vectorData(v, batch.numRows))
}

function vectorData(v: Vector, n: number): ColumnData {
  if (v.kind === 'object') return v.values as readonly Cell[]
  if (v.kind === 'number' && v.validity === null)
    return v.values.length === n ? v.values : v.values.subarray(0, n)
  const out: (number | null)[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = v.validity !== null && v.validity[i] === 0 ? null : v.values[i]
  return out
}

export const blackholeSinkProvider: SinkProvider = {
  name: 'blackhole',
  knownOptions: ['name', 'latencyTag', 'rowsPerSecond', 'startAt'],
  allowsTemporaryCheckpoint: true,
  createSink(ctx) {
    const name = ctx.options.get('name') ?? ctx.queryName ?? 'blackhole'
    const result: BlackholeResult = { checksum: new Checksum(), batches: 0, latency: new LatencyHistogram() }
    results.set(name, result)
    const seen = new Set<number>()
    const tag = ctx.options.get('latencyTag')
    const rate = ctx.options.getNumber('rowsPerSecond', 0)
    const startAt = ctx.options.getNumber('startAt', 0)
    return {
      description: `BlackholeSink[${name}]`,
      async addBatch(batchId, data) {
        const now = Date.now()
        if (seen.has(batchId)) return
        seen.add(batchId)
        if (ctx.outputMode === 'complete') (result as { checksum: Checksum }).checksum = new Checksum()
        result.batches++
        result.checksum.addColumns(batchColumns(data), data.numRows)
        const range = tag === undefined ? undefined : lastRanges.get(tag)
        if (range && rate > 0) {
          for (let k = range.start; k < range.end; k++)
            result.latency.record(now - (startAt + (k * 1000) / rate))
        }
      },
      metrics: () => ({ rows: result.checksum.rows, checksum: result.checksum.value() }),
    }
  },
}
