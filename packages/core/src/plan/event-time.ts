/**
 * Which columns carry an event-time watermark, and how `window(...)` in a groupBy is
 * read. A column keeps its watermark through operators that pass it on by name (filters,
 * projections that select or alias it, unions); user functions (map) lose it, as in Spark.
 */
import { type Expr, exprName, stripAlias } from '../expr/expr.js'
import { parseDuration } from '../util/duration.js'
import { AnalysisError } from '../util/errors.js'
import type { LogicalPlan } from './logical-plan.js'

/** Watermarked column name → its delay in milliseconds. */
export type WatermarkedColumns = ReadonlyMap<string, number>

export function watermarkedColumns(plan: LogicalPlan): WatermarkedColumns {
  switch (plan.kind) {
    case 'source':
    case 'localRelation':
    case 'mapRows':
    case 'aggregate':
    case 'groupsWithState':
      return new Map()
    case 'watermark':
      return new Map([...watermarkedColumns(plan.child), [plan.column, plan.delayMs]])
    case 'project': {
      const input = watermarkedColumns(plan.child)
      const out = new Map<string, number>()
      for (const e of plan.exprs) {
        if (e.kind === 'star') for (const [k, v] of input) out.set(k, v)
        const inner = stripAlias(e)
        if (inner.kind === 'column' && input.has(inner.path)) {
          out.set(e.kind === 'alias' ? e.name : inner.path, input.get(inner.path)!)
        }
      }
      return out
    }
    case 'join':
      // A join's rows keep both sides' event times (a semi or anti join only the left's).
      return new Map([
        ...watermarkedColumns(plan.left),
        ...(plan.joinType === 'left_semi' || plan.joinType === 'left_anti'
          ? []
          : watermarkedColumns(plan.right)),
      ])
    case 'union': {
      const out = new Map<string, number>()
      for (const c of plan.children)
        for (const [k, v] of watermarkedColumns(c)) out.set(k, Math.max(out.get(k) ?? 0, v))
      return out
    }
    default:
      return watermarkedColumns(plan.child)
  }
}

/**
 * Columns that hold a window() of a watermarked column, with that column's delay. Spark
 * treats such a column as event time through its `end`: deduplication on it drops rows
 * whose window ended at or before the watermark, and evicts their keys then.
 */
export function windowColumns(plan: LogicalPlan): WatermarkedColumns {
  switch (plan.kind) {
    case 'project': {
      const times = watermarkedColumns(plan.child)
      const windows = windowColumns(plan.child)
      const out = new Map<string, number>()
      for (const e of plan.exprs) {
        if (e.kind === 'star') for (const [k, v] of windows) out.set(k, v)
        const inner = stripAlias(e)
        if (inner.kind === 'column' && windows.has(inner.path)) {
          out.set(e.kind === 'alias' ? e.name : inner.path, windows.get(inner.path)!)
        }
        if (inner.kind === 'call' && inner.name === 'window') {
          const time = stripAlias(inner.args[0])
          if (time?.kind === 'column' && times.has(time.path)) out.set(exprName(e), times.get(time.path)!)
        }
      }
      return out
    }
    case 'filter':
    case 'rowFilter':
    case 'watermark':
    case 'distinct':
    case 'subqueryAlias':
    case 'hint':
      return windowColumns(plan.child)
    default:
      return new Map()
  }
}

export interface WindowCall {
  readonly time: Expr
  readonly sizeMs: number
  readonly slideMs: number
  readonly startMs: number
}

function durationArg(e: Expr | undefined, what: string, fallback: number): number {
  if (e === undefined) return fallback
  if (e.kind !== 'literal' || (typeof e.value !== 'string' && typeof e.value !== 'number')) {
    throw new AnalysisError(
      `INVALID_WINDOW: the ${what} of window() must be a duration literal such as '10 minutes'.`,
      'INVALID_WINDOW',
    )
  }
  // Spark's window(): months have no fixed length, so intervals of months or years are refused.
  if (typeof e.value === 'string' && /\b(mons?|months?|y|yrs?|years?)\b/i.test(e.value)) {
    throw new AnalysisError(
      `INVALID_WINDOW: the ${what} of window() is '${e.value}', but intervals of months or years are not supported in windows. Use days, e.g. '30 days'.`,
      'INVALID_WINDOW',
    )
  }
  try {
    return parseDuration(e.value)
  } catch (err) {
    throw new AnalysisError(
      `INVALID_WINDOW: the ${what} of window(): ${(err as Error).message}`,
      'INVALID_WINDOW',
    )
  }
}

/** The session_window(time, gap) call of a grouping expression, or null. */
export function sessionWindowCall(e: Expr): { time: Expr; gap: Expr } | null {
  const inner = stripAlias(e)
  if (inner.kind !== 'call' || inner.name !== 'session_window') return null
  if (inner.args.length !== 2) {
    throw new AnalysisError('WRONG_NUM_ARGS: session_window takes a time column and a gap.', 'WRONG_NUM_ARGS')
  }
  return { time: inner.args[0], gap: inner.args[1] }
}

/** The window() call of a grouping expression, or null when it is not one. */
export function windowCall(e: Expr): WindowCall | null {
  const inner = stripAlias(e)
  if (inner.kind !== 'call' || inner.name !== 'window') return null
  const [time, size, slide, start] = inner.args
  const sizeMs = durationArg(size, 'window duration', 0)
  const slideMs = durationArg(slide, 'slide duration', sizeMs)
  const startMs = durationArg(start, 'start time', 0)
  if (sizeMs <= 0)
    throw new AnalysisError('INVALID_WINDOW: the window duration must be positive.', 'INVALID_WINDOW')
  if (slideMs <= 0 || slideMs > sizeMs) {
    throw new AnalysisError(
      `INVALID_WINDOW: the slide duration (${slideMs} ms) must be positive and at most the window duration (${sizeMs} ms).`,
      'INVALID_WINDOW',
    )
  }
  if (startMs >= slideMs) {
    throw new AnalysisError(
      `INVALID_WINDOW: the start time (${startMs} ms) must be less than the slide duration (${slideMs} ms).`,
      'INVALID_WINDOW',
    )
  }
  return { time, sizeMs, slideMs, startMs }
}
