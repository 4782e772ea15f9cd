/**
 * Offsets only move forward: each batch reads after the end of the one before. An offset
 * log entry rewritten to an earlier, still valid range would make a restart read rows a
 * second time; comparing consecutive entries at start catches it.
 *
 * Offsets are the sources' own JSON, so the comparison is structural: every number found
 * at the same place in both (Kafka's per-partition offsets, a file log index, a row count,
 * a stream sequence) must not decrease. Places that only one side has (a new partition)
 * and non-numbers are not compared.
 */
import type { Offset } from '../sources/source.js'

/** Where `later` is behind `earlier`, as a JSON path and the two numbers; null when nowhere. */
export function wentBack(
  earlier: Offset,
  later: Offset,
  at = '',
): { at: string; was: number; now: number } | null {
  if (typeof earlier === 'number' && typeof later === 'number') {
    return later < earlier ? { at: at || '(the offset)', was: earlier, now: later } : null
  }
  if (Array.isArray(earlier) && Array.isArray(later)) {
    for (let i = 0; i < Math.min(earlier.length, later.length); i++) {
      const w = wentBack(earlier[i], later[i], `${at}[${i}]`)
      if (w) return w
    }
    return null
  }
  if (isObject(earlier) && isObject(later)) {
    for (const k of Object.keys(earlier)) {
      if (!(k in later)) continue
      const w = wentBack(earlier[k], later[k], at ? `${at}.${k}` : k)
      if (w) return w
    }
  }
  return null
}

function isObject(v: Offset): v is { [key: string]: Offset } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
