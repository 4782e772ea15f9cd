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
  /** The input columns passed on, by index. */
  private readonly kept: readonly number[]
  /** This batch's input and, for each output row, its input row: to give late rows in full. */
  private lastInput: ColumnarBatch<unknown> | null = null
  private lastRows: Int32Array | null = null

  constructor(
    readonly child: PhysicalOperator,
    private readonly time: Compiled,
    readonly spec: WindowSpec,
    /**
     * The input columns the aggregation reads (by name); the others are not repeated for
     * every window of a row (a sliding window copies each column it keeps once per
     * window). Null: all of them.
     */
    keep: ReadonlySet<string> | null = null,
  ) {
    this.children = [child]
    const fields = child.schema.fields
    this.kept = fields.map((_, i) => i).filter((i) => keep === null || keep.has(fields[i].name))
    this.schema = new Schema([
      ...this.kept.map((i) => fields[i]),
      { name: WINDOW_START_COLUMN, type: TimestampType, nullable: false },
    ])
  }

  /** Rows of this batch's input, all columns, for output rows at `indices` (late rows). */
  sourceRows(indices: ArrayLike<number>): ColumnarBatch<unknown> {
    const input = this.lastInput!
    const rows = this.lastRows
    if (rows === null) return input.take(indices)
    const at = new Int32Array(indices.length)
    for (let i = 0; i < indices.length; i++) at[i] = rows[indices[i]]
    return input.take(at)
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const tv = this.time.evaluate(input, ctx.eval)
    const n = input.numRows
    const { sizeMs, slideMs } = this.spec
    const perRow = Math.ceil(sizeMs / slideMs)
    if (perRow === 1 && tv.kind === 'number' && tv.validity === null) {
      // Tumbling windows over event times without nulls: one window per row, the rows as they are.
      const t = tv.values
      const starts = new Float64Array(n)
      for (let i = 0; i < n; i++) starts[i] = lastWindowStart(t[i], this.spec)
      this.lastInput = input
      this.lastRows = null
      return new ColumnarBatch(
        this.schema,
        [...this.kept.map((c) => input.columns[c]), numberVector(TimestampType, starts)],
        n,
      )
    }
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
    const identity = k === n && perRow === 1 && (tv.kind !== 'number' || tv.validity === null)
    const columns = this.kept.map((c) => (identity ? input.columns[c] : take(input.columns[c], idx)))
    columns.push(numberVector(TimestampType, k === starts.length ? starts : starts.slice(0, k)))
    this.lastInput = input
    this.lastRows = identity ? null : idx
    return new ColumnarBatch(this.schema, columns, k)
  }

  describe(): string {
    const { sizeMs, slideMs, startMs } = this.spec
    return `WindowAssign ${this.time.name} size=${sizeMs} ms slide=${slideMs} ms start=${startMs} ms`
  }
}
