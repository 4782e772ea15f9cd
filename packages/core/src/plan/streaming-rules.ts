/**
 * Spark's unsupported-operation checks for streaming plans, with the rule named in the
 * error so that users can look it up.
 */

import { stripAlias } from '../expr/expr.js'
import type { OutputMode } from '../sinks/sink.js'
import { AnalysisError } from '../util/errors.js'
import { sessionWindowCall, watermarkedColumns, windowCall } from './event-time.js'
import { checkStreamingJoins } from './join-rules.js'
import { isStreamingPlan, type LogicalPlan, walkPlan } from './logical-plan.js'
import { type ConfReader, checkStatefulChains } from './stateful-chain-rules.js'

/** Whether a grouping key carries event time: a watermarked column, or window() over one. */
function hasEventTimeKey(p: Extract<LogicalPlan, { kind: 'aggregate' }>): boolean {
  const watermarked = watermarkedColumns(p.child)
  return p.groupBy.some((g) => {
    const w = windowCall(g) ?? sessionWindowCall(g)
    const e = stripAlias(w ? w.time : g)
    return e.kind === 'column' && watermarked.has(e.path)
  })
}

function refuse(rule: string, message: string): never {
  throw new AnalysisError(`${rule}: ${message}`, rule)
}

/** The streaming aggregations in a plan (its root included). */
function streamingAggregates(plan: LogicalPlan): number {
  let n = 0
  walkPlan(plan, (p) => {
    if (p.kind === 'aggregate' && isStreamingPlan(p.child)) n++
  })
  return n
}

/**
 * Refuses what a streaming query cannot do; called by writeStream.start(). `warn` receives
 * what a setting turned from a refusal into a risk the user accepted (the session's logger).
 */
export function checkStreamingPlan(
  plan: LogicalPlan,
  outputMode: OutputMode,
  conf: ConfReader = () => undefined,
  warn: (message: string) => void = () => {},
): void {
  const aggregates = streamingAggregates(plan)
  walkPlan(plan, (p) => {
    switch (p.kind) {
      case 'sort':
        // Spark sorts only data that is complete each batch: an aggregation below the sort, in complete mode.
        if (isStreamingPlan(p.child) && !(outputMode === 'complete' && streamingAggregates(p.child) > 0)) {
          refuse(
            'STREAMING_SORT_NOT_SUPPORTED',
            'orderBy/sort on a streaming DataFrame is supported only after an aggregation in complete output mode. Sort inside foreachBatch instead, or aggregate and use outputMode("complete").',
          )
        }
        break
      case 'limit':
        if (isStreamingPlan(p.child) && outputMode !== 'complete') {
          refuse(
            'STREAMING_LIMIT_NOT_SUPPORTED',
            'limit on a streaming DataFrame is supported only in complete output mode. Apply the limit inside foreachBatch instead.',
          )
        }
        break
      case 'distinct':
        if (isStreamingPlan(p.child) && p.columns === null) {
          refuse(
            'STREAMING_DISTINCT_NOT_SUPPORTED',
            'distinct() on a streaming DataFrame is not supported. Use dropDuplicates(columns), ideally with a watermark so that its state stays bounded.',
          )
        }
        break
      case 'aggregate': {
        if (!isStreamingPlan(p.child)) break
        const session = p.groupBy.filter((g) => sessionWindowCall(g) !== null)
        if (session.length > 0 && p.groupBy.length === session.length) {
          refuse(
            'STREAMING_SESSION_WINDOW_WITHOUT_KEY',
            'global aggregation with session window in a streaming query is not supported: group by a key besides session_window(...), e.g. groupBy(session_window(col("ts"), "5 minutes"), "user").',
          )
        }
        if (session.length > 0 && outputMode === 'update') {
          refuse(
            'STREAMING_SESSION_WINDOW_UPDATE_MODE',
            'update output mode is not supported for session windows on a streaming DataFrame: a session can merge with another later. Use outputMode("append") (with a watermark) or ("complete").',
          )
        }
        if (aggregates > 1) {
          refuse(
            'STREAMING_MULTIPLE_AGGREGATIONS',
            'a streaming query can have one aggregation; aggregating an aggregation is not supported. Aggregate once, and compute the rest in foreachBatch or in a second query reading this one’s output.',
          )
        }
        if (outputMode === 'append' && !hasEventTimeKey(p)) {
          refuse(
            'STREAMING_AGGREGATION_APPEND_WITHOUT_WATERMARK',
            'append output mode needs a watermark on a grouping key of a streaming aggregation, or a group could never be final. Add withWatermark(eventTimeColumn, delay) before the groupBy and group by that column or window(eventTimeColumn, ...), or use outputMode("update") or ("complete").',
          )
        }
        break
      }
      case 'groupsWithState': {
        if (!isStreamingPlan(p.child)) break
        const fname = p.flat ? 'flatMapGroupsWithState' : 'mapGroupsWithState'
        if (!p.flat && outputMode !== 'update') {
          refuse(
            'GROUPS_WITH_STATE_OUTPUT_MODE',
            `mapGroupsWithState is only supported in update output mode; the query runs in '${outputMode}'. Use outputMode('update'), or flatMapGroupsWithState for append.`,
          )
        }
        // With an aggregation in the query, the function's rows feed it: only append is allowed, in any query mode (Spark).
        if (p.flat && aggregates > 0 && p.functionOutputMode === 'update') {
          refuse(
            'GROUPS_WITH_STATE_OUTPUT_MODE',
            "flatMapGroupsWithState in update mode is not supported with an aggregation in the same streaming query. Declare it with outputMode 'append'.",
          )
        }
        if (p.flat && aggregates === 0 && p.functionOutputMode !== outputMode) {
          refuse(
            'GROUPS_WITH_STATE_OUTPUT_MODE',
            `flatMapGroupsWithState was declared for output mode '${p.functionOutputMode}' but the query runs in '${outputMode}'. Use the same mode in both.`,
          )
        }
        if (p.timeout === 'EventTimeTimeout' && watermarkedColumns(p.child).size === 0) {
          refuse(
            'GROUPS_WITH_STATE_EVENT_TIME_TIMEOUT_WITHOUT_WATERMARK',
            `${fname} with 'EventTimeTimeout' needs a watermark: add withWatermark(eventTimeColumn, delay) before groupByKey.`,
          )
        }
        break
      }
      case 'union': {
        const kinds = new Set(p.children.map(isStreamingPlan))
        if (kinds.size > 1) {
          refuse(
            'STREAMING_UNION_WITH_BATCH',
            'union of a streaming and a batch DataFrame is not supported: the batch side would be repeated in every micro-batch. Write the batch rows to the stream source instead, or join them.',
          )
        }
        break
      }
    }
  })
  if (outputMode === 'complete' && aggregates === 0) {
    refuse(
      'COMPLETE_MODE_WITHOUT_AGGREGATION',
      'complete output mode is not supported when there are no streaming aggregations: the whole result would be every row ever seen. Use outputMode("append").',
    )
  }
  checkStreamingJoins(plan, outputMode)
  checkStatefulChains(plan, outputMode, conf, warn)
}

/** Refuses a batch action on a streaming plan. */
export function checkBatchPlan(plan: LogicalPlan, action: string): void {
  if (isStreamingPlan(plan)) {
    refuse(
      'STREAMING_QUERY_NEEDS_START',
      `${action}() is not available on a streaming DataFrame: queries with streaming sources must be run with writeStream.start(). Use the memory sink or foreachBatch to look at the results.`,
    )
  }
}
