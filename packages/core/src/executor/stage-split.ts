/**
 * Where a physical plan splits into stages. Stage 1 (map) runs the stateless operators over
 * slices of the batch; at the key boundary of the stateful operator its rows are
 * hash-partitioned by state key; stage 2 (reduce) runs the stateful operator and the
 * stateless operators above it once per state partition. A stateless plan is one stage.
 *
 * A stream-stream join has two inputs: stage 1 runs both sides' stateless operators and
 * hash-partitions each side by its own join keys, so that equal keys of both sides meet in
 * one state partition.
 *
 * Shapes not split yet run on the coordinating thread, with the reason in explain() and in
 * the progress: more than one stateful operator (a second shuffle), a plain closure anywhere
 * (plan-codec.ts: functions given by module reference travel), and operators that need
 * every row at once (sort, limit, batch distinct).
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from '../exec/operator.js'
import { isStateful, statefulOperators } from '../exec/operator.js'
import type { Schema } from '../types/schema.js'

/** Operators that work row by row (or window by window) and so give the same rows on any slice. */
const MAP_SIDE = new Set([
  'SourceScan',
  'Project',
  'Filter',
  'EventTimeWatermark',
  'WindowAssign',
  'Union',
  // map / flatMap / filter(fn): only with module functions, since a closure keeps the plan on the coordinating thread.
  'MapRows',
  'RowFilter',
])
/** Operators allowed above the stateful operator: they run per partition. */
const REDUCE_SIDE = new Set(['Project', 'Filter', 'MapRows', 'RowFilter'])

export type StagePlan =
  | { readonly kind: 'inThread'; readonly reason: string }
  | { readonly kind: 'stateless' }
  | { readonly kind: 'shuffle'; readonly operator: StatefulOperator }

function firstNotIn(op: PhysicalOperator, allowed: ReadonlySet<string>): PhysicalOperator | null {
  if (!allowed.has(op.name)) return op
  for (const c of op.children) {
    const bad = firstNotIn(c, allowed)
    if (bad) return bad
  }
  return null
}

/** How the plan runs on workers, or why it cannot. */
export function splitStages(root: PhysicalOperator): StagePlan {
  const stateful = statefulOperators(root)
  if (stateful.length === 0) {
    const bad = firstNotIn(root, MAP_SIDE)
    return bad
      ? { kind: 'inThread', reason: `${bad.name} needs all of a batch's rows in one place` }
      : { kind: 'stateless' }
  }
  if (stateful.length > 1) {
    return {
      kind: 'inThread',
      reason: `${stateful.length} stateful operators would need a shuffle each; the executor does one`,
    }
  }
  const op = stateful[0]
  if (typeof op.shufflePartitions !== 'function') {
    return { kind: 'inThread', reason: `${op.name} has no shuffle key yet` }
  }
  for (const child of op.children) {
    const below = firstNotIn(child, MAP_SIDE)
    if (below) return { kind: 'inThread', reason: `${below.name} below ${op.name} cannot run on slices` }
  }
  let above: PhysicalOperator | null = null
  const walkAbove = (x: PhysicalOperator): void => {
    if (x === op || above) return
    if (!REDUCE_SIDE.has(x.name)) above = x
    else for (const c of x.children) walkAbove(c)
  }
  walkAbove(root)
  if (above) {
    return {
      kind: 'inThread',
      reason: `${(above as PhysicalOperator).name} above ${op.name} needs every partition's rows`,
    }
  }
  return { kind: 'shuffle', operator: op }
}

export function findOperator(root: PhysicalOperator, operatorId: number): StatefulOperator {
  const op = statefulOperators(root).find((o) => o.operatorId === operatorId)
  if (!op || !isStateful(op)) throw new Error(`the plan has no stateful operator ${operatorId}`)
  return op
}

/** The rows the shuffle delivered to one state partition: the stateful operator's input in stage 2. */
export class ShuffleInput implements PhysicalOperator {
  readonly name = 'ShuffleInput'
  readonly children = []
  rows: ColumnarBatch<unknown> | null = null
  constructor(readonly schema: Schema<unknown>) {}
  async execute(_ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    return this.rows ?? ColumnarBatch.empty(this.schema)
  }
  describe(): string {
    return `ShuffleInput [${this.schema.names.join(', ')}]`
  }
}

/**
 * Makes the shuffled rows a stage-2 operator's inputs (one per child). Physical operators
 * take their children at construction; the stage-2 instance is private to one partition
 * (built for it from the logical plan), so replacing its inputs here is safe. An operator
 * with several children says how (feedFrom); one with a single `child` field has it replaced.
 */
export function withInputs(op: StatefulOperator, inputs: readonly ShuffleInput[]): void {
  if (op.feedFrom) {
    op.feedFrom(inputs)
    return
  }
  const target = op as unknown as { child: PhysicalOperator; children: PhysicalOperator[] }
  if (!('child' in target) || target.children.length !== 1 || inputs.length !== 1) {
    throw new Error(`${op.name} does not have a single child to feed from the shuffle`)
  }
  Object.defineProperty(target, 'child', { value: inputs[0], writable: true })
  Object.defineProperty(target, 'children', { value: [inputs[0]], writable: true })
}
