/**
 * Merging two groups' accumulator states into one: what session windows need when a new
 * event bridges two sessions. `a` is the earlier group, `b` the later one (first/last
 * depend on it). States are those of Accumulator.getState.
 */
import { compareValues } from '../../expr/kernels.js'
import { AnalysisError } from '../../util/errors.js'

type Merge = (a: unknown, b: unknown, options: Readonly<Record<string, unknown>>) => unknown

const keyOf = (x: unknown) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : x)

const merges = new Map<string, Merge>([
  ['count', (a, b) => (a as number) + (b as number)],
  ['sum', (a, b) => pairSum(a, b)],
  ['avg', (a, b) => pairSum(a, b)],
  ['mean', (a, b) => pairSum(a, b)],
  ['max', (a, b) => (a === null ? b : b === null ? a : compareValues(a, b) >= 0 ? a : b)],
  ['min', (a, b) => (a === null ? b : b === null ? a : compareValues(a, b) <= 0 ? a : b)],
  ['count_distinct', (a, b) => union(a as unknown[], b as unknown[])],
  ['first', (a, b) => a ?? b],
  ['last', (a, b) => b ?? a],
  ['collect_list', (a, b) => [...(a as unknown[]), ...(b as unknown[])]],
  ['collect_set', (a, b) => union(a as unknown[], b as unknown[])],
])

function pairSum(a: unknown, b: unknown): [number, number] {
  const [s1, c1] = a as [number, number]
  const [s2, c2] = b as [number, number]
  return [s1 + s2, c1 + c2]
}

function union(a: unknown[], b: unknown[]): unknown[] {
  const seen = new Set(a.map(keyOf))
  const out = [...a]
  for (const x of b) {
    const k = keyOf(x)
    if (!seen.has(k)) {
      seen.add(k)
      out.push(x)
    }
  }
  return out
}

/** Registers how to merge the states of an aggregate function (for session windows). */
export function registerStateMerge(name: string, merge: Merge): void {
  merges.set(name.toLowerCase(), merge)
}

export function canMergeStates(name: string): boolean {
  return merges.has(name.toLowerCase())
}

export function mergeStates(
  name: string,
  a: unknown,
  b: unknown,
  options: Readonly<Record<string, unknown>>,
): unknown {
  const m = merges.get(name.toLowerCase())
  if (!m) {
    throw new AnalysisError(
      `UNSUPPORTED_SESSION_AGGREGATE: ${name} cannot be used with session_window(), whose sessions merge as events arrive and need mergeable aggregates (count, sum, avg, min, max, count_distinct, first, last, collect_list, collect_set).`,
      'UNSUPPORTED_SESSION_AGGREGATE',
    )
  }
  return m(a, b, options)
}
