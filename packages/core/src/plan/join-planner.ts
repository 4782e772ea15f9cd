/**
 * Plans join, alias and hint nodes. Both sides bounded: a hash join (nested loop without
 * equality keys). One side streaming: the static side becomes a StaticRelation, read and
 * hashed once per query run, probed by each micro-batch. Both streaming: the stateful
 * StreamingSymmetricHashJoin.
 */
import { HashJoin, type HashJoinSpec } from '../exec/join/hash-join.js'
import { JoinOutput } from '../exec/join/join-output.js'
import { inputWatermarkOffset, watermarkProducers } from '../exec/join/join-watermark.js'
import { StaticRelation } from '../exec/join/static-relation.js'
import { StreamingSymmetricHashJoin, type SymmetricSide } from '../exec/join/symmetric-hash-join.js'
import type { PhysicalOperator } from '../exec/operator.js'
import { compileExpr } from '../expr/compile.js'
import type { Compiled } from '../expr/compiled.js'
import { type Expr, exprName } from '../expr/expr.js'
import { typeToString } from '../types/data-types.js'
import type { Schema } from '../types/schema.js'
import { AnalysisError } from '../util/errors.js'
import { analyzeJoin, type JoinAnalysis, type Side } from './join-analysis.js'
import { joinSideInfo } from './join-sides.js'
import { isStreamingPlan, type LogicalPlan, uniqueSources } from './logical-plan.js'

export interface JoinPlanning {
  /** Plans a child within the query (its sources are the query's sources). */
  plan(p: LogicalPlan): PhysicalOperator
  /** Plans a bounded plan on its own: the static side of a stream-static join. */
  planStatic(p: LogicalPlan): PhysicalOperator
  nextStateOperatorId(): number
}

type JoinNode = Extract<LogicalPlan, { kind: 'join' | 'subqueryAlias' | 'hint' }>

/** Whether a side's plan carries the broadcast hint (through nodes that keep its rows as they are). */
function hinted(p: LogicalPlan): boolean {
  if (p.kind === 'hint') return p.name.toLowerCase() === 'broadcast' || hinted(p.child)
  if (p.kind === 'subqueryAlias' || p.kind === 'watermark' || p.kind === 'filter') return hinted(p.child)
  return false
}

function compileFilter(schema: Schema<unknown>, e: Expr | null): Compiled | null {
  if (e === null) return null
  const c = compileExpr(schema, e)
  if (c.type.kind !== 'boolean' && c.type.kind !== 'null') {
    throw new AnalysisError(
      `DATATYPE_MISMATCH: the join condition part ${exprName(e)} is ${typeToString(c.type)}, not boolean.`,
      'DATATYPE_MISMATCH',
    )
  }
  return c
}

/** The analysis of a join node, from the schemas of its planned sides. */
export function joinAnalysisOf(
  p: Extract<LogicalPlan, { kind: 'join' }>,
  leftSchema: Schema<unknown>,
  rightSchema: Schema<unknown>,
): JoinAnalysis {
  return analyzeJoin(
    p,
    joinSideInfo(p.left, leftSchema, isStreamingPlan(p.left)),
    joinSideInfo(p.right, rightSchema, isStreamingPlan(p.right)),
  )
}

export function planJoinNode(p: JoinNode, planning: JoinPlanning): PhysicalOperator {
  if (p.kind !== 'join') return planning.plan(p.child)
  const ls = isStreamingPlan(p.left)
  const rs = isStreamingPlan(p.right)
  const staticSide = (q: LogicalPlan): PhysicalOperator =>
    new StaticRelation(
      planning.planStatic(q),
      uniqueSources(q).map((s) => ({ spec: s.spec, schema: s.schema })),
    )
  const left = ls || !rs ? planning.plan(p.left) : staticSide(p.left)
  const right = rs || !ls ? planning.plan(p.right) : staticSide(p.right)
  const a = joinAnalysisOf(p, left.schema, right.schema)
  const keys = (s: Side) =>
    (s === 'left' ? a.leftKeys : a.rightKeys).map((k) =>
      compileExpr(s === 'left' ? left.schema : right.schema, k),
    )
  const leftFilter = compileFilter(left.schema, a.leftFilter)
  const rightFilter = compileFilter(right.schema, a.rightFilter)
  const residual = a.residual ? compileExpr(a.pairSchema, a.residual) : null
  const output = new JoinOutput(a.outputSchema, a.output)

  if (ls && rs) {
    const inputs = [left, right]
    const inputOffset = inputWatermarkOffset(inputs)
    for (const producer of watermarkProducers(inputs)) producer.markLaggingConsumer()
    const side = (s: Side): SymmetricSide => {
      const info = s === 'left' ? left : right
      const filter = s === 'left' ? leftFilter : rightFilter
      return {
        op: info,
        keys: keys(s),
        filter,
        eventTime: s === 'left' ? a.leftEventTime : a.rightEventTime,
        eviction: s === 'left' ? a.leftEviction : a.rightEviction,
        timeBoundMs: s === 'left' ? a.leftTimeBoundMs : a.rightTimeBoundMs,
      }
    }
    return new StreamingSymmetricHashJoin(
      {
        joinType: a.joinType,
        left: side('left'),
        right: side('right'),
        residual,
        pairSchema: a.pairSchema,
        output,
        inputWatermarkOffsetMs: inputOffset,
        text: a.text,
        explainText: a.explainText,
      },
      planning.nextStateOperatorId(),
    )
  }

  let build: HashJoinSpec['build']
  if (ls !== rs) build = ls ? 'right' : 'left'
  else if (p.joinType === 'inner' || p.joinType === 'cross')
    build = hinted(p.left) && !hinted(p.right) ? 'left' : hinted(p.right) ? 'right' : 'smaller'
  else build = p.joinType === 'right_outer' ? 'left' : 'right'
  return new HashJoin(left, right, {
    joinType: a.joinType,
    leftKeys: keys('left'),
    rightKeys: keys('right'),
    leftFilter,
    rightFilter,
    residual,
    pairSchema: a.pairSchema,
    output,
    build,
    bounded: !ls && !rs,
    broadcastHint: build !== 'smaller' && hinted(build === 'left' ? p.left : p.right),
    text: a.text,
    explainText: a.explainText,
  })
}
