import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

/**
 * withWatermark: passes rows through unchanged and reports the event times it saw, from
 * which the engine computes the next batch's watermark.
 */
export class EventTimeWatermark implements PhysicalOperator {
  readonly name = 'EventTimeWatermark'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  constructor(
    readonly child: PhysicalOperator,
    readonly watermarkId: number,
    private readonly columnIndex: number,
    readonly delayMs: number,
  ) {
    this.children = [child]
    this.schema = child.schema
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    if (ctx.watermarks) {
      const v = input.columns[this.columnIndex]
      let max = Number.NEGATIVE_INFINITY
      let min = Number.POSITIVE_INFINITY
      let avg = 0
      let count = 0
      if (v.kind === 'number') {
        const values = v.values
        const valid = v.validity
        for (let i = 0; i < values.length; i++) {
          if (valid !== null && valid[i] === 0) continue
          const t = values[i]
          if (t > max) max = t
          if (t < min) min = t
          count++
          avg += (t - avg) / count
        }
      }
      ctx.watermarks.observe(this.watermarkId, this.delayMs, { max, min, avg, count })
    }
    return input
  }

  describe(): string {
    return `EventTimeWatermark ${this.schema.fields[this.columnIndex].name}: ${this.delayMs} ms`
  }
}
