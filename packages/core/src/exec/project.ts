import { ColumnarBatch } from '../batch/columnar-batch.js'
import { fromExternal } from '../batch/values.js'
import { take, type Vector, VectorBuilder, valueAt } from '../batch/vector.js'
import type { Compiled } from '../expr/compiled.js'
import type { DataType, StructField } from '../types/data-types.js'
import { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

/** One output column of a projection: a compiled expression, or an input column passed through. */
export type ProjectItem =
  | { kind: 'expr'; compiled: Compiled }
  | { kind: 'input'; index: number; field: StructField }

/** A generator (explode) in the select list: its input and its output columns. */
export interface GeneratorItem {
  readonly position: number
  readonly input: Compiled
  readonly outputs: readonly { name: string; type: DataType }[]
  readonly outer: boolean
}

/**
 * select / withColumn. Columns passed through are the input's vectors, not copies. With a
 * generator, each input row repeats once per element and the other columns are gathered.
 */
export class Project implements PhysicalOperator {
  readonly name = 'Project'
  readonly children: PhysicalOperator[]
  constructor(
    readonly child: PhysicalOperator,
    private readonly items: readonly ProjectItem[],
    readonly schema: Schema<unknown>,
    private readonly generator: GeneratorItem | null,
  ) {
    this.children = [child]
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const columns: Vector[] = this.items.map((item) =>
      item.kind === 'input' ? input.columns[item.index] : item.compiled.evaluate(input, ctx.eval),
    )
    if (!this.generator) return new ColumnarBatch(this.schema, columns, input.numRows)
    return this.explode(input, columns, ctx)
  }

  private explode(
    input: ColumnarBatch<unknown>,
    columns: Vector[],
    ctx: ExecContext,
  ): ColumnarBatch<unknown> {
    const g = this.generator!
    const source = g.input.evaluate(input, ctx.eval)
    const rowIndex: number[] = []
    const outBuilders = g.outputs.map((o) => new VectorBuilder(o.type, input.numRows))
    for (let i = 0; i < input.numRows; i++) {
      const value = valueAt(source, i)
      const entries: unknown[][] = []
      if (Array.isArray(value)) for (const el of value) entries.push([el])
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) entries.push([k, v])
      if (entries.length === 0 && g.outer) entries.push(g.outputs.map(() => null))
      for (const e of entries) {
        rowIndex.push(i)
        e.forEach((x, k) => {
          outBuilders[k].append(fromExternal(g.outputs[k].type, x, g.input.name))
        })
      }
    }
    const idx = Int32Array.from(rowIndex)
    const gathered = columns.map((c) => take(c, idx))
    gathered.splice(g.position, 0, ...outBuilders.map((b) => b.finish()))
    return new ColumnarBatch(this.schema, gathered, idx.length)
  }

  describe(): string {
    return `Project [${this.schema.names.join(', ')}]`
  }
}

export function projectSchema(fields: StructField[]): Schema<unknown> {
  return new Schema(fields)
}
