/**
 * Spark datetime patterns (`yyyy-MM-dd HH:mm:ss`) for casts and file formats, through
 * the compiled pattern formatter of datetime-pattern.ts (date-fns took 15–200 µs a value).
 * Compiled patterns and zones are cached: callers pass the same few over and over.
 */
import { compileDateTimePattern, type DateTimePattern } from './datetime-pattern.js'
import { sessionZone, type Zone } from './zones.js'

const patterns = new Map<string, DateTimePattern>()
const zones = new Map<string, Zone>()

function compiled(pattern: string, parsing: boolean): DateTimePattern {
  const key = `${parsing ? 'p' : 'f'}${pattern}`
  let p = patterns.get(key)
  if (!p) {
    p = compileDateTimePattern(pattern, parsing ? 'to_timestamp' : 'date_format', parsing)
    patterns.set(key, p)
  }
  return p
}

function zoneOf(id: string): Zone {
  let z = zones.get(id)
  if (!z) {
    z = sessionZone(id)
    zones.set(id, z)
  }
  return z
}

export function formatTimestamp(ms: number, pattern: string, zone: string): string {
  return compiled(pattern, false).format(ms, zoneOf(zone))
}

/** Epoch milliseconds, or null when `text` does not match `pattern`. */
export function parseTimestamp(text: string, pattern: string, zone: string): number | null {
  return compiled(pattern, true).parse(text, zoneOf(zone))
}
