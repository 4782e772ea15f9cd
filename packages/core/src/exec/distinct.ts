import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import { GroupIndex } from './group-index.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

/** distinct / dropDuplicates(cols): keeps the first row of each key. */
export class Distinct implements PhysicalOperator {
  readonly name = 'Distinct'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  constructor(
    readonly child: PhysicalOperator,
    private readonly keyIndices: readonly number[],
  ) {
    this.children = [child]
    this.schema = child.schema
  }
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const keys = this.keyIndices.map((i) => input.columns[i])
    const index = new GroupIndex(keys.map((k) => k.type))
    const ids = index.assign(keys, input.numRows)
    const firsts: number[] = []
    let seen = 0
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === seen) {
        firsts.push(i)
        seen++
      }
    }
    return firsts.length === input.numRows ? input : input.take(firsts)
  }
  describe(): string {
    return `Deduplicate [${this.keyIndices.map((i) => this.schema.fields[i].name).join(', ')}]`
  }
}
