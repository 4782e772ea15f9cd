/**
 * Spark datetime patterns (`yyyy-MM-dd HH:mm:ss`) through date-fns, whose tokens are
 * the same for the common cases. Times are read and written in an explicit zone, never
 * the process's local one.
 */
import { tz } from '@date-fns/tz'
import { format, isValid, parse } from 'date-fns'

const tokenOptions = { useAdditionalWeekYearTokens: true, useAdditionalDayOfYearTokens: true } as const

export function formatTimestamp(ms: number, pattern: string, zone: string): string {
  return format(ms, pattern, { ...tokenOptions, in: tz(zone) })
}

/** Epoch milliseconds, or null when `text` does not match `pattern`. */
export function parseTimestamp(text: string, pattern: string, zone: string): number | null {
  const d = parse(text, pattern, new Date(0), { ...tokenOptions, in: tz(zone) })
  return isValid(d) ? d.getTime() : null
}
