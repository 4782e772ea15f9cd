/**
 * Operators that call the user's functions on rows: the only places the engine builds JS
 * row objects (DESIGN.md, "Data in flight").
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import { TributaryError } from '../util/errors.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

export class RowFilter implements PhysicalOperator {
  readonly name = 'RowFilter'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  constructor(
    readonly child: PhysicalOperator,
    private readonly predicate: (row: unknown) => boolean,
  ) {
    this.children = [child]
    this.schema = child.schema
  }
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const keep: number[] = []
    for (let i = 0; i < input.numRows; i++) if (this.predicate(input.row(i))) keep.push(i)
    return keep.length === input.numRows ? input : input.take(keep)
  }
  describe(): string {
    return 'Filter <function>'
  }
}

/** map and flatMap: the function's results are checked against the declared schema. */
export class MapRows implements PhysicalOperator {
  readonly name = 'MapRows'
  readonly children: PhysicalOperator[]
  constructor(
    readonly child: PhysicalOperator,
    private readonly fn: (row: unknown) => unknown,
    private readonly flat: boolean,
    readonly schema: Schema<unknown>,
  ) {
    this.children = [child]
  }
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const out: Record<string, unknown>[] = []
    for (let i = 0; i < input.numRows; i++) {
      const result = this.fn(input.row(i))
      if (!this.flat) out.push(result as Record<string, unknown>)
      else {
        if (result == null || typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function') {
          throw new TributaryError(
            `flatMap's function must return an array or another iterable of rows, but returned ${String(result)} for row ${i}.`,
            'FLATMAP_NOT_ITERABLE',
          )
        }
        for (const r of result as Iterable<Record<string, unknown>>) out.push(r)
      }
    }
    return ColumnarBatch.fromRows(this.schema, out)
  }
  describe(): string {
    return `${this.flat ? 'FlatMap' : 'Map'} <function> [${this.schema.names.join(', ')}]`
  }
}
