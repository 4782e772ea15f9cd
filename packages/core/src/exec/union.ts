import { ColumnarBatch } from '../batch/columnar-batch.js'
import { constantVector } from '../batch/vector.js'
import { castVector } from '../expr/cast.js'
import type { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

/**
 * union / unionByName. `mapping[c][i]` is the child-c column feeding output column i, or
 * -1 for a column the child lacks (unionByName with allowMissingColumns: nulls).
 */
export class Union implements PhysicalOperator {
  readonly name = 'Union'
  constructor(
    readonly children: readonly PhysicalOperator[],
    private readonly mapping: readonly (readonly number[])[],
    readonly schema: Schema<unknown>,
  ) {}
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const parts: ColumnarBatch<unknown>[] = []
    for (let c = 0; c < this.children.length; c++) {
      const b = await this.children[c].execute(ctx)
      const cols = this.schema.fields.map((f, i) => {
        const j = this.mapping[c][i]
        return j < 0 ? constantVector(f.type, null, b.numRows) : castVector(b.columns[j], f.type)
      })
      parts.push(new ColumnarBatch(this.schema, cols, b.numRows))
    }
    return ColumnarBatch.concat(this.schema, parts)
  }
  describe(): string {
    return 'Union'
  }
}
