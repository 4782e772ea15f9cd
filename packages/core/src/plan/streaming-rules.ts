/**
 * Spark's unsupported-operation checks for streaming plans, with the rule named in the
 * error so that users can look it up.
 */
import type { OutputMode } from '../sinks/sink.js'
import { AnalysisError } from '../util/errors.js'
import { isStreamingPlan, type LogicalPlan, walkPlan } from './logical-plan.js'

function refuse(rule: string, message: string): never {
  throw new AnalysisError(`${rule}: ${message}`, rule)
}

/** Refuses what a streaming query cannot do; called by writeStream.start(). */
export function checkStreamingPlan(plan: LogicalPlan, outputMode: OutputMode): void {
  let aggregates = 0
  walkPlan(plan, (p) => {
    if (p.kind === 'aggregate' && isStreamingPlan(p.child)) aggregates++
  })
  walkPlan(plan, (p) => {
    switch (p.kind) {
      case 'sort':
        if (isStreamingPlan(p.child) && !(outputMode === 'complete' && aggregates > 0)) {
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
      case 'aggregate':
        if (isStreamingPlan(p.child)) {
          refuse(
            'STREAMING_AGGREGATION_NOT_YET_SUPPORTED',
            'groupBy/agg on a streaming DataFrame needs the stateful aggregation operator, which this version of Tributary does not have yet. Aggregate each micro-batch inside foreachBatch, or aggregate a batch DataFrame.',
          )
        }
        break
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
