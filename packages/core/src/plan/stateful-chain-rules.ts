/**
 * Spark 3.5/4.0's rules for several stateful operators in one streaming query
 * (UnsupportedOperationChecker): which watermarks may be defined, which
 * [flat]MapGroupsWithState combinations run, and which operators may follow which
 * ("global watermark limit": an operator that can emit rows older than the watermark
 * must not feed another stateful operator, which would drop them as late).
 */

import { exprName, stripAlias } from '../expr/expr.js'
import type { OutputMode } from '../sinks/sink.js'
import { AnalysisError } from '../util/errors.js'
import { sessionWindowCall, watermarkedColumns, windowCall } from './event-time.js'
import { children, isStreamingPlan, type LogicalPlan, walkPlan } from './logical-plan.js'

/** Spark's spark.sql.streaming.statefulOperator.allowMultiple, spelled the Tributary way. */
export const ALLOW_MULTIPLE = 'tributary.sql.streaming.statefulOperator.allowMultiple'
/** Spark's spark.sql.streaming.statefulOperator.checkCorrectness.enabled. */
export const CHECK_CORRECTNESS = 'tributary.sql.streaming.statefulOperator.checkCorrectness.enabled'

export type ConfReader = (key: string) => string | undefined

function refuse(rule: string, message: string): never {
  throw new AnalysisError(`${rule}: ${message}`, rule)
}

const flag = (conf: ConfReader, key: string): boolean =>
  (conf(key) ?? 'true').trim().toLowerCase() !== 'false'

/**
 * The columns of a plan's output that carry event time, for these checks: the watermarked
 * ones, and (as Spark keeps the watermark on them) an aggregation's grouping keys that are
 * watermarked columns or windows over one.
 */
function eventTimeColumns(p: LogicalPlan): ReadonlySet<string> {
  if (p.kind !== 'aggregate') return new Set(watermarkedColumns(p).keys())
  const input = watermarkedColumns(p.child)
  const out = new Set<string>()
  for (const g of p.groupBy) {
    const w = windowCall(g) ?? sessionWindowCall(g)
    const t = stripAlias(w ? w.time : g)
    if (t.kind === 'column' && input.has(t.path)) out.add(exprName(g))
  }
  return out
}

/** A stateful operator in Spark's sense (isStatefulOperation). */
function isStatefulOperation(p: LogicalPlan): boolean {
  switch (p.kind) {
    case 'aggregate':
    case 'groupsWithState':
      return isStreamingPlan(p.child)
    case 'join':
      return isStreamingPlan(p.left) && isStreamingPlan(p.right)
    case 'distinct': {
      if (!isStreamingPlan(p.child)) return false
      if (p.withinWatermark) return true
      // Deduplication counts only when one of its keys carries event time.
      const watermarked = eventTimeColumns(p.child)
      return p.columns === null ? watermarked.size > 0 : p.columns.some((c) => watermarked.has(c))
    }
    default:
      return false
  }
}

/** An operator whose output may hold rows older than the watermark (ifCannotBeFollowedByStatefulOperation). */
function emitsLateRows(p: LogicalPlan, outputMode: OutputMode): string | null {
  if (p.kind === 'groupsWithState' && isStreamingPlan(p.child) && p.timeout === 'EventTimeTimeout')
    return `${p.flat ? 'flatMapGroupsWithState' : 'mapGroupsWithState'} with an event-time timeout`
  if (p.kind === 'aggregate' && isStreamingPlan(p.child) && outputMode !== 'append')
    return `an aggregation in ${outputMode} output mode`
  return null
}

function descendants(p: LogicalPlan): LogicalPlan[] {
  const out: LogicalPlan[] = []
  for (const c of children(p)) walkPlan(c, (q) => out.push(q))
  return out
}

/** Refuses chains of stateful operators Spark refuses; called from checkStreamingPlan. */
export function checkStatefulChains(
  plan: LogicalPlan,
  outputMode: OutputMode,
  conf: ConfReader,
  warn: (message: string) => void,
): void {
  const allowMultiple = flag(conf, ALLOW_MULTIPLE)
  const nodes: LogicalPlan[] = []
  walkPlan(plan, (p) => nodes.push(p))

  for (const p of nodes) {
    // A second withWatermark over rows that already carry one (Spark 3.5, unless allowMultiple is off).
    if (allowMultiple && p.kind === 'watermark' && isStreamingPlan(p.child)) {
      const existing = [...watermarkedColumns(p.child).keys()]
      if (existing.length > 0) {
        refuse(
          'STREAMING_WATERMARK_REDEFINED',
          `withWatermark('${p.column}', ...) redefines the watermark of rows that already have one (on ${existing.map((c) => `'${c}'`).join(', ')}). Define one watermark per input, before the stateful operators; or set ${ALLOW_MULTIPLE}=false to restore the old behaviour (then a query may have only one stateful operator).`,
        )
      }
    }
  }

  if (!allowMultiple) {
    const stateful = nodes.filter(isStatefulOperation)
    if (stateful.length > 1) {
      refuse(
        'STREAMING_MULTIPLE_STATEFUL_OPERATORS',
        `the query has ${stateful.length} stateful operators, but ${ALLOW_MULTIPLE} is false, which allows one. Set it to true (the default), or split the query.`,
      )
    }
  }

  // [flat]MapGroupsWithState combinations.
  const groups = nodes.filter(
    (p): p is Extract<LogicalPlan, { kind: 'groupsWithState' }> =>
      p.kind === 'groupsWithState' && isStreamingPlan(p.child),
  )
  const maps = groups.filter((g) => !g.flat)
  const flats = groups.filter((g) => g.flat)
  if (maps.length >= 2) {
    refuse(
      'STREAMING_MULTIPLE_MAP_GROUPS_WITH_STATE',
      'multiple mapGroupsWithState operators are not supported on a streaming DataFrame. Combine them into one function, or use flatMapGroupsWithState in append mode.',
    )
  }
  if (maps.length > 0 && flats.length > 0) {
    refuse(
      'STREAMING_MIXED_GROUPS_WITH_STATE',
      'mixing mapGroupsWithState and flatMapGroupsWithState in one streaming query is not supported. Use flatMapGroupsWithState (in append mode) for both.',
    )
  }
  if (
    flats.length >= 2 &&
    (outputMode !== 'append' || flats.some((f) => f.functionOutputMode !== 'append'))
  ) {
    refuse(
      'STREAMING_MULTIPLE_FLAT_MAP_GROUPS_WITH_STATE',
      'multiple flatMapGroupsWithState operators are supported only when all of them, and the query, are in append output mode. Declare each with outputMode "append" and run the query in append mode.',
    )
  }

  // Spark's global watermark limit.
  const checkCorrectness = flag(conf, CHECK_CORRECTNESS)
  for (const p of nodes) {
    if (!isStatefulOperation(p)) continue
    for (const q of descendants(p)) {
      const why = emitsLateRows(q, outputMode)
      if (why === null) continue
      const message = `${why} can emit rows older than the current watermark, and a stateful operator after it (${describe(p)}) would drop them as late. Move the stateful operators apart (a second query reading this one's output), use outputMode('append') for the aggregation, or a processing-time timeout; if you accept the risk, set ${CHECK_CORRECTNESS}=false.`
      if (checkCorrectness) refuse('STREAMING_STATEFUL_OPERATOR_CHAIN', message)
      warn(message)
      return
    }
  }
}

function describe(p: LogicalPlan): string {
  switch (p.kind) {
    case 'aggregate':
      return 'an aggregation'
    case 'join':
      return 'a stream-stream join'
    case 'groupsWithState':
      return p.flat ? 'flatMapGroupsWithState' : 'mapGroupsWithState'
    case 'distinct':
      return 'dropDuplicates on an event-time column'
    default:
      return p.kind
  }
}
