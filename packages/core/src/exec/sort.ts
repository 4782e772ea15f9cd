import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { valueAt } from '../batch/vector.js'
import type { Compiled } from '../expr/compiled.js'
import { compareValues } from '../expr/kernels.js'
import type { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

export interface SortKey {
  readonly compiled: Compiled
  readonly ascending: boolean
  readonly nullsFirst: boolean
}

/** orderBy: sorts row indices by the keys (stable), then gathers once. */
export class Sort implements PhysicalOperator {
  readonly name = 'Sort'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  constructor(
    readonly child: PhysicalOperator,
    private readonly keys: readonly SortKey[],
  ) {
    this.children = [child]
    this.schema = child.schema
  }
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const vecs = this.keys.map((k) => k.compiled.evaluate(input, ctx.eval))
    const idx = Array.from({ length: input.numRows }, (_, i) => i)
    idx.sort((a, b) => {
      for (let k = 0; k < vecs.length; k++) {
        const { ascending, nullsFirst } = this.keys[k]
        const x = valueAt(vecs[k], a)
        const y = valueAt(vecs[k], b)
        if (x === null || y === null) {
          if (x === y) continue
          return (x === null) === nullsFirst ? -1 : 1
        }
        const c = compareValues(x, y)
        if (c !== 0) return ascending ? c : -c
      }
      return a - b
    })
    return input.take(idx)
  }
  describe(): string {
    return `Sort [${this.keys.map((k) => `${k.compiled.name} ${k.ascending ? 'ASC' : 'DESC'}`).join(', ')}]`
  }
}

export class Limit implements PhysicalOperator {
  readonly name = 'Limit'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  constructor(
    readonly child: PhysicalOperator,
    private readonly n: number,
  ) {
    this.children = [child]
    this.schema = child.schema
  }
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    return input.numRows <= this.n ? input : input.slice(0, this.n)
  }
  describe(): string {
    return `Limit ${this.n}`
  }
}
