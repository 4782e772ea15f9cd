/**
 * Time windows: assigns each row to the windows its event time falls in, as Spark's
 * TimeWindowing does. A tumbling window gives one window per row; a sliding window
 * repeats the row once per window. Windows travel as their start (epoch ms) in a hidden
 * column, which hashes as a number; the `{ start, end }` struct is built only for output.
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { numberVector, take } from '../batch/vector.js'
import type { Compiled } from '../expr/compiled.js'
import { TimestampType } from '../types/data-types.js'
import { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

export interface WindowSpec {
  readonly sizeMs: number
  readonly slideMs: number
  readonly startMs: number
}

export const WINDOW_START_COLUMN = '__window_start'

/** The start of the last window (of the slide grid) that contains t. */
export function lastWindowStart(t: number, spec: WindowSpec): number {
  const r = (((t - spec.startMs) % spec.slideMs) + spec.slideMs) % spec.slideMs
  return t - r
}

export class WindowAssign implements PhysicalOperator {
  readonly name = 'WindowAssign'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  constructor(
    readonly child: PhysicalOperator,
    private readonly time: Compiled,
    readonly spec: WindowSpec,
  ) {
    this.children = [child]
    this.schema = new Schema([
      ...child.schema.fields,
      { name: WINDOW_START_COLUMN, type: TimestampType, nullable: false },
    ])
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const tv = this.time.evaluate(input, ctx.eval)
    const n = input.numRows
    const { sizeMs, slideMs } = this.spec
    const perRow = Math.ceil(sizeMs / slideMs)
    const rows = new Int32Array(n * perRow)
    const starts = new Float64Array(n * perRow)
    let k = 0
    if (tv.kind === 'number') {
      const t = tv.values
      const valid = tv.validity
      for (let i = 0; i < n; i++) {
        // Rows without an event time belong to no window (Spark filters them out).
        if (valid !== null && valid[i] === 0) continue
        const last = lastWindowStart(t[i], this.spec)
        for (let s = last; s > t[i] - sizeMs; s -= slideMs) {
          rows[k] = i
          starts[k] = s
          k++
        }
      }
    }
    const idx = rows.subarray(0, k)
    const columns =
      k === n && perRow === 1 && (tv.kind !== 'number' || tv.validity === null)
        ? [...input.columns]
        : input.columns.map((c) => take(c, idx))
    columns.push(numberVector(TimestampType, starts.slice(0, k)))
    return new ColumnarBatch(this.schema, columns, k)
  }

  describe(): string {
    const { sizeMs, slideMs, startMs } = this.spec
    return `WindowAssign ${this.time.name} size=${sizeMs} ms slide=${slideMs} ms start=${startMs} ms`
  }
}
