/**
 * Watermarks of operators after a stream-stream join (Spark 3.5's watermark propagation).
 * An outer join emits its unmatched rows only once the watermark has passed them, and an
 * inner join pairs new rows with stored ones well below the watermark: judged by the
 * query's watermark, an aggregation after the join would drop such rows as late. Each
 * join therefore has an output watermark, the query's watermark lowered by how far back
 * its state reaches; a stateful operator after it runs with that, taken from the previous
 * batch's watermark (rows a join emits in batch N lie above batch N-1's output watermark).
 */
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import type { Schema } from '../../types/schema.js'
import { type ExecContext, isStateful, type PhysicalOperator } from '../operator.js'

/** A stream-stream join, or an operator after one: where a propagated watermark comes from. */
export interface JoinWatermarkProducer extends PhysicalOperator {
  /** How far below the query's watermark its output's event times may lie: 0 or less, -Infinity when unbounded. */
  readonly outputWatermarkOffsetMs: number
  /**
   * An operator downstream runs one batch behind the watermark (it uses the previous
   * batch's): the join asks for one more batch after the watermark stops moving.
   */
  markLaggingConsumer(): void
}

function isProducer(op: PhysicalOperator): op is JoinWatermarkProducer {
  return typeof (op as Partial<JoinWatermarkProducer>).outputWatermarkOffsetMs === 'number'
}

interface JoinAwareContext extends ExecContext {
  /** The query's watermark, kept when an operator's own watermark replaces watermarkMs. */
  readonly queryWatermarkMs?: number
}

/** The query's watermark, whatever watermark the operators above passed down. */
export function queryWatermark(ctx: ExecContext): number {
  return (ctx as JoinAwareContext).queryWatermarkMs ?? ctx.watermarkMs
}

/** The context for an operator running with its own watermark. */
export function withWatermark(ctx: ExecContext, watermarkMs: number): ExecContext {
  if (watermarkMs === ctx.watermarkMs) return ctx
  const next: JoinAwareContext = { ...ctx, watermarkMs, queryWatermarkMs: queryWatermark(ctx) }
  return next
}

/** A watermark lowered by an offset; 0 (no watermark yet) stays 0, and so does an unbounded offset. */
export function shiftWatermark(watermarkMs: number, offsetMs: number): number {
  if (watermarkMs <= 0 || !Number.isFinite(offsetMs)) return 0
  return Math.max(0, watermarkMs + offsetMs)
}

/** The producers whose output reaches an operator's inputs without passing another stateful operator. */
export function watermarkProducers(inputs: readonly PhysicalOperator[]): JoinWatermarkProducer[] {
  return inputs.flatMap((c) => (isProducer(c) ? [c] : isStateful(c) ? [] : watermarkProducers(c.children)))
}

/** The lowest output watermark offset of what feeds the inputs, or null when no stream-stream join does. */
export function inputWatermarkOffset(inputs: readonly PhysicalOperator[]): number | null {
  const producers = watermarkProducers(inputs)
  return producers.length === 0 ? null : Math.min(...producers.map((p) => p.outputWatermarkOffsetMs))
}

/** Runs a stateful operator after a stream-stream join with the join's output watermark. */
export class JoinOutputWatermark implements JoinWatermarkProducer {
  readonly name = 'JoinOutputWatermark'
  readonly children: readonly PhysicalOperator[]
  readonly schema: Schema<unknown>

  constructor(
    readonly inner: PhysicalOperator,
    readonly outputWatermarkOffsetMs: number,
  ) {
    this.children = [inner]
    this.schema = inner.schema
  }

  markLaggingConsumer(): void {
    for (const p of watermarkProducers(this.inner.children)) p.markLaggingConsumer()
  }

  execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const query = queryWatermark(ctx)
    const previous = ctx.previousWatermarkMs ?? query
    return this.inner.execute(withWatermark(ctx, shiftWatermark(previous, this.outputWatermarkOffsetMs)))
  }

  describe(): string {
    const off = this.outputWatermarkOffsetMs
    const by = Number.isFinite(off)
      ? `previous batch's watermark ${off < 0 ? `- ${-off}` : '+ 0'} ms`
      : 'none (join state is unbounded)'
    return `JoinOutputWatermark ${by}`
  }
}

/**
 * The planner's hook: a stateful operator fed by a stream-stream join runs with the join's
 * output watermark. Operators not fed by one are returned as they are.
 */
export function afterStreamStreamJoin(op: PhysicalOperator): PhysicalOperator {
  if (!isStateful(op) || isProducer(op)) return op
  const offset = inputWatermarkOffset(op.children)
  if (offset === null) return op
  for (const p of watermarkProducers(op.children)) p.markLaggingConsumer()
  return new JoinOutputWatermark(op, offset)
}
