/**
 * Spark's unsupported-operation checks for joins on streams (UnsupportedOperationChecker),
 * each error naming its rule, the reason, and the way out.
 */
import { JoinOutputWatermark } from '../exec/join/join-watermark.js'
import type { PhysicalOperator } from '../exec/operator.js'
import { stripAlias } from '../expr/expr.js'
import type { OutputMode } from '../sinks/sink.js'
import { AnalysisError } from '../util/errors.js'
import { sessionWindowCall, windowCall } from './event-time.js'
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

/**
 * The output columns holding a side's event time when that side leaves the state by another
 * column (auctions by `expires`): the join's output watermark bounds the eviction column, not
 * them. A stored auction opened long ago still meets today's bids, so its `dateTime` in the
 * output may lie far below any watermark.
 */
function unboundedEventTimes(p: Extract<LogicalPlan, { kind: 'join' }>): Map<string, string> {
  const a = joinAnalysisOf(p, schemaOf(p.left), schemaOf(p.right))
  const out = new Map<string, string>()
  const sides = [
    ['left', a.leftEviction, a.leftEventTime, schemaOf(p.left)],
    ['right', a.rightEviction, a.rightEventTime, schemaOf(p.right)],
  ] as const
  for (const [side, eviction, eventTime, schema] of sides) {
    if (side === 'right' && (p.joinType === 'left_semi' || p.joinType === 'left_anti')) continue
    if (eviction?.kind !== 'value' || eventTime < 0 || eviction.column === eventTime) continue
    out.set(schema.fields[eventTime].name, schema.fields[eviction.column].name)
  }
  return out
}

/**
 * An aggregation after a stream-stream join that groups by a side's event time which the
 * join's output watermark does not bound would drop joined rows as late: refused, naming the
 * columns that are bounded. (Spark accepts it and drops them.)
 */
function checkAggregationTimes(plan: LogicalPlan): void {
  walkPlan(plan, (q) => {
    if (q.kind !== 'aggregate' || !isStreamingPlan(q.child)) return
    const unbounded = new Map<string, string>()
    walkPlan(q.child, (j) => {
      if (j.kind === 'join' && isStreamingPlan(j.left) && isStreamingPlan(j.right))
        for (const [k, v] of unboundedEventTimes(j)) unbounded.set(k, v)
    })
    if (unbounded.size === 0) return
    for (const g of q.groupBy) {
      const w = windowCall(g) ?? sessionWindowCall(g)
      const t = stripAlias(w ? w.time : g)
      if (t.kind !== 'column' || !unbounded.has(t.path)) continue
      const by = unbounded.get(t.path)!
      refuse(
        'STREAMING_AGGREGATION_AFTER_UNBOUNDED_JOIN',
        `the aggregation groups by '${t.path}' after a stream-stream join whose side with '${t.path}' leaves the state by '${by}', not by '${t.path}': a stored row may meet new rows long after its '${t.path}', so joined rows would come below the watermark and be dropped as late. Group by a time the join bounds ('${by}', or the other side's event time), or add a time range on '${t.path}' to the join condition (e.g. the other side's time <= ${t.path} + the longest span).`,
      )
    }
  })
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
  if (streamStream) {
    checkAggregationTimes(plan)
    checkAfterUnboundedJoin(toPhysical(plan), outputMode)
  }
}
