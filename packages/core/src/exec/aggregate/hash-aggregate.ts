import { ColumnarBatch } from '../../batch/columnar-batch.js'
import type { Vector } from '../../batch/vector.js'
import type { Compiled } from '../../expr/compiled.js'
import type { Schema } from '../../types/schema.js'
import { GroupIndex } from '../group-index.js'
import type { ExecContext, PhysicalOperator } from '../operator.js'
import { accumulatorFor } from './functions.js'

export interface AggregateSpec {
  readonly name: string
  readonly fn: string
  readonly args: readonly Compiled[]
  readonly options: Readonly<Record<string, unknown>>
}

/** groupBy(...).agg(...) over a whole (bounded) input: group ids by hashing, then one accumulator pass each. */
export class HashAggregate implements PhysicalOperator {
  readonly name = 'HashAggregate'
  readonly children: PhysicalOperator[]
  constructor(
    readonly child: PhysicalOperator,
    private readonly keys: readonly Compiled[],
    private readonly aggregates: readonly AggregateSpec[],
    readonly schema: Schema<unknown>,
    /** Turns each key column as grouped into its output column (window start → window struct). */
    private readonly keyOutput: readonly ((keys: Vector) => Vector)[] = keys.map(() => (v) => v),
  ) {
    this.children = [child]
  }
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const keyVecs = this.keys.map((k) => k.evaluate(input, ctx.eval))
    const index = new GroupIndex(keyVecs.map((k) => k.type))
    const ids = index.assign(keyVecs, input.numRows)
    // A global aggregate (no keys) has one group even over no rows, as in SQL.
    const groups = this.keys.length === 0 ? 1 : index.numGroups
    const results = this.aggregates.map((a) => {
      const acc = accumulatorFor(
        a.fn,
        a.args.map((x) => x.type),
        a.options,
      )
      acc.update(
        ids,
        groups,
        a.args.map((x) => x.evaluate(input, ctx.eval)),
        input.numRows,
      )
      return acc.result(groups)
    })
    return new ColumnarBatch(
      this.schema,
      [...index.keyVectors().map((k, i) => this.keyOutput[i](k)), ...results],
      groups,
    )
  }
  describe(): string {
    return `HashAggregate keys=[${this.keys.map((k) => k.name).join(', ')}] functions=[${this.aggregates.map((a) => a.name).join(', ')}]`
  }
}
