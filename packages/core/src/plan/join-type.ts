/**
 * Join types with Spark's names. `how` strings are parsed once, where the DataFrame API
 * builds the plan; everything after works with the canonical type.
 */
import { AnalysisError } from '../util/errors.js'

export type JoinType =
  | 'inner'
  | 'cross'
  | 'left_outer'
  | 'right_outer'
  | 'full_outer'
  | 'left_semi'
  | 'left_anti'

/** Every `how` Spark accepts (case and underscores aside), by the join type it names. */
const NAMES: Readonly<Record<string, JoinType>> = {
  inner: 'inner',
  cross: 'cross',
  outer: 'full_outer',
  full: 'full_outer',
  fullouter: 'full_outer',
  left: 'left_outer',
  leftouter: 'left_outer',
  right: 'right_outer',
  rightouter: 'right_outer',
  semi: 'left_semi',
  leftsemi: 'left_semi',
  anti: 'left_anti',
  leftanti: 'left_anti',
}

export function parseJoinType(how: string): JoinType {
  const t = NAMES[how.toLowerCase().replaceAll('_', '')]
  if (t) return t
  throw new AnalysisError(
    `UNSUPPORTED_JOIN_TYPE: unknown join type '${how}'. Use one of inner, cross, left (left_outer), right (right_outer), full (full_outer, outer), left_semi (semi), left_anti (anti).`,
    'UNSUPPORTED_JOIN_TYPE',
  )
}

/** Spark's name of a join type in plans and messages: Inner, LeftOuter, ... */
export function joinTypeName(t: JoinType): string {
  return {
    inner: 'Inner',
    cross: 'Cross',
    left_outer: 'LeftOuter',
    right_outer: 'RightOuter',
    full_outer: 'FullOuter',
    left_semi: 'LeftSemi',
    left_anti: 'LeftAnti',
  }[t]
}

/** Whether unmatched left rows are output (with nulls for the right side). */
export const keepsUnmatchedLeft = (t: JoinType): boolean => t === 'left_outer' || t === 'full_outer'
/** Whether unmatched right rows are output (with nulls for the left side). */
export const keepsUnmatchedRight = (t: JoinType): boolean => t === 'right_outer' || t === 'full_outer'
/** Semi and anti joins output left rows only. */
export const outputsLeftOnly = (t: JoinType): boolean => t === 'left_semi' || t === 'left_anti'
