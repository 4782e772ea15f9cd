/**
 * Physical operators: each turns its children's batch for this micro-batch into its own.
 * A batch query runs the same operators once over all its input.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { EvalContext } from '../expr/compiled.js'
import type { Schema } from '../types/schema.js'

export interface ExecContext {
  readonly batchId: number
  readonly eval: EvalContext
  /** This batch's rows of each source, by the source's position in the plan. */
  readonly inputs: ReadonlyMap<number, ColumnarBatch<unknown>>
}

export interface PhysicalOperator {
  readonly name: string
  readonly schema: Schema<unknown>
  readonly children: readonly PhysicalOperator[]
  execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>>
  /** One line for explain(): the operator and its arguments. */
  describe(): string
}

/** explain()'s tree of physical operators. */
export function explainPhysical(op: PhysicalOperator, depth = 0): string {
  const pad = depth === 0 ? '' : `${'   '.repeat(depth - 1)}+- `
  return [`${pad}${op.describe()}`, ...op.children.map((c) => explainPhysical(c, depth + 1))].join('\n')
}
