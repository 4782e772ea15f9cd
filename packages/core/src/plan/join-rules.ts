/**
 * Spark's unsupported-operation checks for joins on streams (UnsupportedOperationChecker),
 * each error naming its rule, the reason, and the way out.
 */
import { JoinOutputWatermark } from '../exec/join/join-watermark.js'
import type { PhysicalOperator } from '../exec/operator.js'
import type { OutputMode } from '../sinks/sink.js'
import { AnalysisError } from '../util/errors.js'
import { joinAnalysisOf } from './join-planner.js'
import { type JoinType, joinTypeName } from './join-type.js'
import { isStreamingPlan, type LogicalPlan, walkPlan } from './logical-plan.js'
import { schemaOf, toPhysical } from './planner.js'

function refuse(rule: string, message: string): never {
  throw new AnalysisError(`${rule}: ${message}`, rule)
}

const STREAM_STATIC: Readonly<Record<'streamLeft' | 'streamRight', readonly JoinType[]>> = {
  streamLeft: ['inner', 'cross', 'left_outer', 'left_semi', 'left_anti'],
  streamRight: ['inner', 'cross', 'right_outer'],
}

function checkStreamStatic(p: Extract<LogicalPlan, { kind: 'join' }>, streamLeft: boolean): void {
  const allowed = STREAM_STATIC[streamLeft ? 'streamLeft' : 'streamRight']
  if (allowed.includes(p.joinType)) return
  const [stream, fixed] = streamLeft ? ['left', 'right'] : ['right', 'left']
  refuse(
    'STREAM_STATIC_JOIN_NOT_SUPPORTED',
    `${joinTypeName(p.joinType)} join with a streaming DataFrame on the ${stream} and a static DataFrame on the ${fixed} is not supported: the static side's unmatched rows would never be final. With the stream on the ${stream}, use ${allowed.map((t) => joinTypeName(t)).join(', ')}; or swap the sides.`,
  )
}

function checkStreamStream(p: Extract<LogicalPlan, { kind: 'join' }>, outputMode: OutputMode): void {
  const t = joinTypeName(p.joinType)
  if (outputMode !== 'append') {
    refuse(
      'STREAM_STREAM_JOIN_OUTPUT_MODE',
      `join between two streaming DataFrames is not supported in ${outputMode} output mode, only in append output mode: a joined row is final once written. Use outputMode('append').`,
    )
  }
  if (p.joinType === 'left_anti') {
    refuse(
      'STREAM_STREAM_JOIN_TYPE_NOT_SUPPORTED',
      'LeftAnti join between two streaming DataFrames is not supported. Use a left outer join with a watermark and time range, and keep the rows whose right side is null.',
    )
  }
  const a = joinAnalysisOf(p, schemaOf(p.left), schemaOf(p.right))
  if (a.leftKeys.length === 0) {
    refuse(
      'STREAM_STREAM_JOIN_WITHOUT_EQUALITY',
      `${t} join between two streaming DataFrames needs an equality between the sides (a join key): without one every row of one stream would be compared with every stored row of the other. Add a key, e.g. col('i.adId').eq(col('c.adId')).`,
    )
  }
  // Spark's checkForStreamStreamJoinWatermark: a watermarked join key bounds both sides; else
  // the nullable side's rows need a state watermark from a range condition (a full outer
  // join is accepted with one on either side, whose other side then keeps its rows).
  const needLeft = p.joinType === 'left_outer' || p.joinType === 'left_semi'
  const needRight = p.joinType === 'right_outer'
  const fullWithout = p.joinType === 'full_outer' && !a.leftEviction && !a.rightEviction
  if ((needLeft && !a.leftEviction) || (needRight && !a.rightEviction) || fullWithout) {
    const nullable = p.joinType === 'right_outer' ? 'left' : p.joinType === 'full_outer' ? 'both' : 'right'
    refuse(
      'STREAM_STREAM_JOIN_WITHOUT_WATERMARK',
      `Stream-stream ${t} join between two streaming DataFrames is not supported without a watermark in the join keys, or a watermark on the nullable side (${nullable}) and an appropriate range condition: the join could never know that a row will not match, so it could never output it with nulls. Add withWatermark(...) on both sides and a time range such as col('clickTime').between(col('impressionTime'), col('impressionTime').plus(interval('1 hour'))), or join on event-time windows.`,
    )
  }
}

/** An aggregation after a join whose state is never cleaned up could never close a window. */
function checkAfterUnboundedJoin(op: PhysicalOperator, outputMode: OutputMode): void {
  if (op instanceof JoinOutputWatermark && !Number.isFinite(op.outputWatermarkOffsetMs)) {
    const inner = op.inner.name
    if (outputMode === 'append' && (inner === 'StreamingAggregate' || inner === 'SessionWindowAggregate')) {
      refuse(
        'STREAMING_AGGREGATION_AFTER_UNBOUNDED_JOIN',
        'an aggregation in append mode after a stream-stream join needs the join to bound its state: without watermarks and a time range on both sides, a joined row may carry any old event time, so no window would ever be final. Add withWatermark(...) on both sides of the join and a time range condition between them.',
      )
    }
  }
  for (const c of op.children) checkAfterUnboundedJoin(c, outputMode)
}

/** Refuses joins a streaming query cannot run; called from checkStreamingPlan. */
export function checkStreamingJoins(plan: LogicalPlan, outputMode: OutputMode): void {
  let streamStream = false
  walkPlan(plan, (p) => {
    if (p.kind !== 'join') return
    const ls = isStreamingPlan(p.left)
    const rs = isStreamingPlan(p.right)
    if (ls && rs) {
      streamStream = true
      checkStreamStream(p, outputMode)
    } else if (ls || rs) checkStreamStatic(p, ls)
  })
  if (streamStream) checkAfterUnboundedJoin(toPhysical(plan), outputMode)
}
