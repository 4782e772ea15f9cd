import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Compiled } from '../expr/compiled.js'
import { explainExpr } from '../expr/explain-text.js'
import { selection } from '../expr/kernels.js'
import type { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

/** where / filter: evaluates the condition over the batch, then compacts once. */
export class Filter implements PhysicalOperator {
  readonly name = 'Filter'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  constructor(
    readonly child: PhysicalOperator,
    private readonly condition: Compiled,
  ) {
    this.children = [child]
    this.schema = child.schema
  }
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    if (input.numRows === 0) return input
    const keep = selection(this.condition.evaluate(input, ctx.eval))
    return keep === null ? input : input.take(keep)
  }
  describe(): string {
    return `Filter ${explainExpr(this.condition.expr)}`
  }
}
