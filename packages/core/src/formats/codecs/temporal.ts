/**
 * Timestamps and dates in text files, as Spark reads and writes them: ISO 8601 unless
 * `timestampFormat` / `dateFormat` give a pattern, wall-clock times without an offset read
 * in `timeZone` (UTC unless set). ISO text is parsed here and written with `toISOString`
 * where the default pattern allows: date-fns costs tens of microseconds a value, too much
 * for millions of rows. Patterns go through date-fns.
 */
import { tzOffset } from '@date-fns/tz'
import { formatTimestamp, parseTimestamp } from '../../expr/functions/time-format.js'
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'

export interface TemporalOptions {
  readonly timeZone: string
  /** Spark pattern, or undefined for ISO 8601. */
  readonly timestampFormat: string | undefined
  readonly dateFormat: string | undefined
}

/** Spark's output pattern for timestamps in JSON and CSV. */
export const DEFAULT_TIMESTAMP_WRITE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
export const DEFAULT_DATE_FORMAT = 'yyyy-MM-dd'

const DAY_MS = 86_400_000

export function temporalOptions(options: Options): TemporalOptions {
  const timeZone = options.getString('timeZone', 'UTC')
  if (Number.isNaN(tzOffset(timeZone, new Date(0)))) {
    throw new OptionError(
      `${options.owner}: option 'timeZone' is '${timeZone}', which is not a time zone. Use an IANA name such as 'Europe/Paris' or an offset such as '+02:00'.`,
      'INVALID_OPTION',
    )
  }
  return {
    timeZone,
    timestampFormat: options.get('timestampFormat'),
    dateFormat: options.get('dateFormat'),
  }
}

export type TextToMillis = (text: string) => number | null

/** Spark's forms without a pattern: `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, then `[T ][h]h:mm[:ss[.fraction]]` and a zone. */
const ISO_TIMESTAMP =
  /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/

const DATE_PREFIX = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/

/** Date.UTC, except that it reads years 0–99 as 1900–1999; this does not. */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi, s, ms)
  return date.getTime()
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMillis(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate()
}

/** Epoch ms of a wall-clock time in `zone`, or NaN when a field is out of range. */
function wallClockToMillis(
  zone: string,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return Number.NaN
  const utc = utcMillis(y, mo, d, h, mi, s, ms)
  if (zone === 'UTC') return utc
  // The zone's offset at the wall-clock instant, checked once more across a DST change.
  const first = utc - tzOffset(zone, new Date(utc)) * 60_000
  const offset = tzOffset(zone, new Date(first))
  return utc - offset * 60_000
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'UTC' || zone === 'GMT') return 0
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'))
}

/** ISO 8601 as Spark accepts it without a pattern: `2024-01-15`, `2024-01-15 10:00`, `…T10:00:00.123+02:00`. */
function parseIsoTimestamp(text: string, zone: string): number | null {
  const m = ISO_TIMESTAMP.exec(text)
  if (m === null) return null
  const fraction = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  const fields = [
    Number(m[1]),
    Number(m[2] ?? 1),
    Number(m[3] ?? 1),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  ]
  if (m[8] === undefined) {
    const t = wallClockToMillis(
      zone,
      fields[0],
      fields[1],
      fields[2],
      fields[3],
      fields[4],
      fields[5],
      fraction,
    )
    return Number.isNaN(t) ? null : t
  }
  const t = wallClockToMillis(
    'UTC',
    fields[0],
    fields[1],
    fields[2],
    fields[3],
    fields[4],
    fields[5],
    fraction,
  )
  return Number.isNaN(t) ? null : t - offsetMinutes(m[8]) * 60_000
}

export function timestampParser(t: TemporalOptions): TextToMillis {
  const { timestampFormat, timeZone } = t
  if (timestampFormat !== undefined) return (text) => parseTimestamp(text, timestampFormat, timeZone)
  return (text) => parseIsoTimestamp(text.trim(), timeZone)
}

/** Dates come back as epoch ms at UTC midnight, the engine's form. */
export function dateParser(t: TemporalOptions): TextToMillis {
  const { dateFormat } = t
  if (dateFormat !== undefined) {
    return (text) => {
      const ms = parseTimestamp(text, dateFormat, 'UTC')
      return ms === null ? null : Math.floor(ms / DAY_MS) * DAY_MS
    }
  }
  return (text) => {
    const m = DATE_PREFIX.exec(text.trim())
    if (m === null) return null
    const ms = wallClockToMillis('UTC', Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0, 0)
    return Number.isNaN(ms) ? null : ms
  }
}

/** Years 0–9999: where `toISOString` prints exactly what the default patterns ask for. */
const ISO_MIN_MS = -62_167_219_200_000
const ISO_MAX_MS = 253_402_300_799_999

export type MillisToText = (ms: number) => string

export function timestampFormatter(t: TemporalOptions): MillisToText {
  const pattern = t.timestampFormat ?? DEFAULT_TIMESTAMP_WRITE_FORMAT
  const zone = t.timeZone
  if (pattern === DEFAULT_TIMESTAMP_WRITE_FORMAT && zone === 'UTC') {
    return (ms) =>
      ms >= ISO_MIN_MS && ms <= ISO_MAX_MS ? new Date(ms).toISOString() : formatTimestamp(ms, pattern, zone)
  }
  return (ms) => formatTimestamp(ms, pattern, zone)
}

export function dateFormatter(t: TemporalOptions): MillisToText {
  const pattern = t.dateFormat ?? DEFAULT_DATE_FORMAT
  if (pattern === DEFAULT_DATE_FORMAT) {
    return (ms) =>
      ms >= ISO_MIN_MS && ms <= ISO_MAX_MS
        ? new Date(ms).toISOString().slice(0, 10)
        : formatTimestamp(ms, pattern, 'UTC')
  }
  return (ms) => formatTimestamp(ms, pattern, 'UTC')
}
