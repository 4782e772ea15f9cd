/**
 * The log lines of one query: started, a summary per batch (at `tributary.log.batchLevel`),
 * watermark moves, state growth by doublings, stop, and a failure with its code and cause.
 * Fed by the query's execution events; never throws into the query.
 */
import type { StreamingQueryProgress } from '../streaming/progress.js'
import type { StreamingQueryException } from '../util/errors.js'
import type { FilteredLogger, LogLevelSetting } from './logger.js'

export interface QueryIdentity {
  readonly id: string
  readonly runId: string
  readonly name: string | null
}

/** The first state size (in rows) that is logged; each doubling after it is logged again. */
const STATE_GROWTH_FIRST = 10_000

/** `'name'` when the query has one, else the start of its id: how a line names the query. */
export function queryLabel(q: { readonly id: string; readonly name: string | null }): string {
  return q.name ? `'${q.name}'` : q.id.slice(0, 8)
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

function causeChain(error: Error): string[] {
  const out: string[] = []
  let cause: unknown = error.cause
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    out.push(`${cause.name}: ${cause.message}`)
    cause = cause.cause
  }
  return out
}

export class QueryLog {
  private batches = 0
  private lastWatermark: string | undefined
  private nextStateThreshold = STATE_GROWTH_FIRST

  constructor(
    readonly logger: FilteredLogger,
    private readonly batchLevel: LogLevelSetting,
    private readonly query: () => QueryIdentity,
  ) {}

  private fields(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const q = this.query()
    return { query: q.name ?? undefined, queryId: q.id, runId: q.runId, ...extra }
  }

  started(details: { trigger: string; checkpoint: string; outputMode: string }): void {
    const q = this.query()
    this.logger.log(
      'info',
      `query ${queryLabel(q)} started (id ${q.id}, run ${q.runId}, trigger ${details.trigger}, ${details.outputMode} mode, checkpoint ${details.checkpoint})`,
      this.fields(details),
    )
  }

  progress(p: StreamingQueryProgress): void {
    this.batches++
    const q = this.query()
    if (this.batchLevel !== 'off' && this.logger.enabled(this.batchLevel)) {
      const watermark = p.eventTime.watermark
      const stateRows = p.stateOperators.reduce((n, s) => n + s.numRowsTotal, 0)
      const late = p.stateOperators.reduce((n, s) => n + s.numRowsDroppedByWatermark, 0)
      const extra = [
        watermark && Date.parse(watermark) > 0 ? `watermark ${watermark}` : '',
        p.stateOperators.length ? plural(stateRows, 'state row') : '',
        late ? `${late} late` : '',
        p.numDroppedMalformedRows ? `${p.numDroppedMalformedRows} malformed` : '',
      ].filter(Boolean)
      this.logger.log(
        this.batchLevel,
        `query ${queryLabel(q)} batch ${p.batchId}: ${p.numInputRows} rows in, ${p.sink.numOutputRows} out, ${p.batchDuration} ms${extra.length ? ` (${extra.join(', ')})` : ''}`,
        this.fields({
          batchId: p.batchId,
          inputRows: p.numInputRows,
          outputRows: p.sink.numOutputRows,
          durationMs: p.batchDuration,
          processedRowsPerSecond: Math.round(p.processedRowsPerSecond),
          watermark,
          stateRows: p.stateOperators.length ? stateRows : undefined,
          lateRows: late || undefined,
          droppedMalformed: p.numDroppedMalformedRows || undefined,
        }),
      )
    }
    const watermark = p.eventTime.watermark
    if (watermark !== undefined && watermark !== this.lastWatermark) {
      if (this.lastWatermark !== undefined) {
        this.logger.log(
          'debug',
          `query ${queryLabel(q)} watermark moved to ${watermark}`,
          this.fields({ batchId: p.batchId, from: this.lastWatermark, to: watermark }),
        )
      }
      this.lastWatermark = watermark
    }
    const stateRows = p.stateOperators.reduce((n, s) => n + s.numRowsTotal, 0)
    if (stateRows >= this.nextStateThreshold) {
      while (stateRows >= this.nextStateThreshold) this.nextStateThreshold *= 2
      const bytes = p.stateOperators.reduce((n, s) => n + s.memoryUsedBytes, 0)
      this.logger.log(
        'info',
        `query ${queryLabel(q)} state grew to ${stateRows} rows (~${Math.round(bytes / 1048576)} MiB)`,
        this.fields({
          batchId: p.batchId,
          stateRows,
          stateBytes: bytes,
          operators: p.stateOperators.map((s) => `${s.operatorName}:${s.numRowsTotal}`).join(','),
        }),
      )
    }
  }

  idle(): void {
    this.logger.log('debug', `query ${queryLabel(this.query())} idle: waiting for data`, this.fields())
  }

  /**
   * The end of the query. A failure is logged at error level when nobody awaits the query
   * (it would otherwise go unseen), at warn when it is also being delivered to a caller.
   */
  terminated(error: StreamingQueryException | null, awaited: boolean): void {
    const q = this.query()
    if (!error) {
      this.logger.log(
        'info',
        `query ${queryLabel(q)} stopped after ${plural(this.batches, 'batch', 'batches')}`,
        this.fields(),
      )
      return
    }
    const causes = causeChain(error)
    this.logger.log(
      awaited ? 'warn' : 'error',
      `query ${queryLabel(q)} failed [${error.code}]: ${error.cause instanceof Error ? error.cause.message : error.message}${awaited ? '' : ' (nobody awaits this query, so the process will exit with code 1: call awaitTermination(), or handle it in a listener)'}`,
      this.fields({
        code: error.code,
        batches: this.batches,
        cause: causes.join(' <- ') || undefined,
        stack: this.logger.enabled('debug') ? error.stack : undefined,
      }),
    )
  }
}
