/**
 * What a join needs to know about each of its sides besides the schema: the name a
 * condition may qualify its columns with (`df.alias('imp')` → `col('imp.ts')`), its
 * event-time column, and which columns hold event-time windows over it.
 */
import { exprName, stripAlias } from '../expr/expr.js'
import type { Schema } from '../types/schema.js'
import { type WatermarkedColumns, watermarkedColumns, windowCall } from './event-time.js'
import type { LogicalPlan } from './logical-plan.js'

export interface JoinSideInfo {
  readonly schema: Schema<unknown>
  /** The alias that qualifies this side's columns in a condition, or null. */
  readonly alias: string | null
  readonly watermarked: WatermarkedColumns
  /**
   * The side's event-time column (the first watermarked one), or -1. Late rows are judged
   * by it, and state bounds are only trusted when they compare with it: Spark keeps one
   * event-time attribute per side too.
   */
  readonly eventTime: number
  /** Columns holding `window(eventTime, size)` structs, with the window size. */
  readonly windows: ReadonlyMap<string, number>
  readonly streaming: boolean
}

/** Nodes that keep their input's columns as they are, so an alias below them still names them. */
const PASS_THROUGH = new Set(['watermark', 'filter', 'rowFilter', 'hint', 'distinct', 'sort', 'limit'])

export function sideAlias(p: LogicalPlan): string | null {
  if (p.kind === 'subqueryAlias') return p.name
  if (PASS_THROUGH.has(p.kind) && 'child' in p) return sideAlias(p.child)
  return null
}

/** Output columns that are `window(t, size)` of a watermarked column t, traced through projections. */
export function windowColumns(p: LogicalPlan): Map<string, number> {
  switch (p.kind) {
    case 'project': {
      const input = windowColumns(p.child)
      const watermarked = watermarkedColumns(p.child)
      const out = new Map<string, number>()
      for (const e of p.exprs) {
        if (e.kind === 'star') {
          for (const [k, v] of input) out.set(k, v)
          continue
        }
        const inner = stripAlias(e)
        const name = exprName(e)
        if (inner.kind === 'column' && input.has(inner.path)) out.set(name, input.get(inner.path)!)
        const w = inner.kind === 'call' && inner.name === 'window' ? windowCall(inner) : null
        const t = w ? stripAlias(w.time) : null
        if (w && t?.kind === 'column' && watermarked.has(t.path) && w.slideMs === w.sizeMs)
          out.set(name, w.sizeMs)
      }
      return out
    }
    case 'join':
      return new Map([...windowColumns(p.left), ...windowColumns(p.right)])
    case 'subqueryAlias':
      return windowColumns(p.child)
    default:
      return PASS_THROUGH.has(p.kind) && 'child' in p ? windowColumns(p.child) : new Map()
  }
}

export function joinSideInfo(p: LogicalPlan, schema: Schema<unknown>, streaming: boolean): JoinSideInfo {
  const watermarked = watermarkedColumns(p)
  return {
    schema,
    alias: sideAlias(p),
    watermarked,
    eventTime: schema.names.findIndex((n) => watermarked.has(n)),
    windows: windowColumns(p),
    streaming,
  }
}
