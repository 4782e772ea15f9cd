/**
 * Timestamps and dates in text files, as Spark reads and writes them: ISO 8601 unless
 * `timestampFormat` / `dateFormat` give a pattern, wall-clock times without an offset read
 * in `timeZone` (UTC unless set). ISO text is parsed here with integer arithmetic and
 * written with `toISOString` where the default pattern allows; patterns go through the
 * compiled datetime patterns of expr/functions/datetime-pattern.ts.
 */
import { tzOffset } from '@date-fns/tz'
import { compileDateTimePattern } from '../../expr/functions/datetime-pattern.js'
import { formatTimestamp, parseTimestamp } from '../../expr/functions/time-format.js'
import { daysFromCivil, daysInMonth, tryZone, type Zone } from '../../expr/functions/zones.js'
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import { BadValue } from './row-assembler.js'

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

/** The instants a timestamp can hold here: those of a JS Date, ±8.64e15 ms (about ±273 000 years). */
export const MAX_TIMESTAMP_MS = 8.64e15

export function inTimestampRange(ms: number): boolean {
  return ms >= -MAX_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS
}

export function timestampOutOfRange(shown: string): BadValue {
  return new BadValue(
    `timestamp ${shown} is out of range: a whole number in a timestamp field is read as seconds since the epoch (as Spark does), and must give an instant within ±${MAX_TIMESTAMP_MS} ms`,
  )
}

/**
 * Refuses an invalid `timestampFormat` or `dateFormat` when the reader is built (at
 * `load()`), not at the first record, naming the option.
 */
export function checkTemporalReadOptions(options: Options): void {
  const t = temporalOptions(options)
  if (t.timestampFormat !== undefined)
    compileDateTimePattern(t.timestampFormat, `${options.owner}: option 'timestampFormat'`, true)
  if (t.dateFormat !== undefined)
    compileDateTimePattern(t.dateFormat, `${options.owner}: option 'dateFormat'`, true)
}

const DATE_PREFIX = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/

const C_0 = 48
const C_9 = 57

/** Whitespace as the former regex's `\s` saw it. */
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true
  return c > 127 && /\s/.test(String.fromCharCode(c))
}

/** The value of `n` digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, n: number): number {
  if (at + n > text.length) return -1
  let v = 0
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i)
    if (c < C_0 || c > C_9) return -1
    v = v * 10 + (c - C_0)
  }
  return v
}

/** One or two digits at `at`: out[0] their value, out[1] how many (0 when none). */
function oneOrTwo(text: string, at: number, out: Int32Array): void {
  const a = digits(text, at, 1)
  if (a < 0) {
    out[1] = 0
    return
  }
  const b = digits(text, at + 1, 1)
  out[0] = b < 0 ? a : a * 10 + b
  out[1] = b < 0 ? 1 : 2
}

const scratch = new Int32Array(2)
/** Offsets as java.time's ZoneOffset allows them: ±18:00 at most. */
const MAX_OFFSET_MINUTES = 18 * 60

/** zoneSuffix's answers besides an offset: not a zone at all, or a zone that cannot exist (`+99:99`). */
const NOT_A_ZONE = Number.POSITIVE_INFINITY
const OUT_OF_RANGE = Number.NEGATIVE_INFINITY

/** A zone suffix (`Z`, `UTC`, `GMT`, `±hh`, `±hhmm`, `±hh:mm`) from `at` to the end: its offset in minutes. */
function zoneSuffix(text: string, at: number): number {
  const rest = text.length - at
  const c = text.charCodeAt(at)
  if (rest === 1 && c === 90 /* Z */) return 0
  if (rest === 3 && (text.startsWith('UTC', at) || text.startsWith('GMT', at))) return 0
  if (c !== 43 && c !== 45) return NOT_A_ZONE
  const h = digits(text, at + 1, 2)
  if (h < 0) return NOT_A_ZONE
  let m = 0
  if (rest === 5) m = digits(text, at + 3, 2)
  else if (rest === 6 && text.charCodeAt(at + 3) === 58 /* : */) m = digits(text, at + 4, 2)
  else if (rest !== 3) return NOT_A_ZONE
  if (m < 0) return NOT_A_ZONE
  if (m > 59 || h * 60 + m > MAX_OFFSET_MINUTES) return OUT_OF_RANGE
  return c === 45 ? -(h * 60 + m) : h * 60 + m
}

/**
 * ISO 8601 as Spark accepts it without a pattern: `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`,
 * then `[T ][h]h:mm[:ss[.fraction]]` and a zone (`2024-01-15 10:00`,
 * `…T10:00:00.123+02:00`); zone-less text is wall-clock time in `zone` (java.time's rules
 * in gaps and overlaps, as Spark). Scanned once with integer arithmetic, no regex and no
 * Date: a profile of a JSON job gave a fifth of its time to the former regex-and-Date
 * parser. Null when the text is not such a timestamp, or names a day, time or offset that
 * does not exist.
 */
export function parseIsoTimestamp(text: string, zone: Zone): number | null {
  let end = text.length
  let start = 0
  while (start < end && isSpace(text.charCodeAt(start))) start++
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--
  if (start > 0 || end < text.length) text = text.slice(start, end)
  const y = digits(text, 0, 4)
  if (y < 0) return null
  // The longest reading first (year, month, day, time of day); when what follows is not a
  // zone, a shorter one, as the regex this replaced backtracked ('2024-0000' is the year
  // 2024 at offset -00:00).
  let mo = 1
  let d = 1
  const i = 4
  let afterMonth = -1
  let afterDay = -1
  let afterTime = -1
  if (text.charCodeAt(i) === 45 /* - */) {
    oneOrTwo(text, i + 1, scratch)
    if (scratch[1] > 0) {
      mo = scratch[0]
      afterMonth = i + 1 + scratch[1]
      if (text.charCodeAt(afterMonth) === 45) {
        oneOrTwo(text, afterMonth + 1, scratch)
        if (scratch[1] > 0) {
          d = scratch[0]
          afterDay = afterMonth + 1 + scratch[1]
          afterTime = timeOfDay(text, afterDay, scratch)
        }
      }
    }
  }
  if (afterTime >= 0) {
    const t = withZone(
      text,
      afterTime,
      zone,
      y,
      mo,
      d,
      timeParts[0],
      timeParts[1],
      timeParts[2],
      timeParts[3],
    )
    if (t !== undefined) return t
  }
  if (afterDay >= 0) {
    const t = withZone(text, afterDay, zone, y, mo, d, 0, 0, 0, 0)
    if (t !== undefined) return t
  }
  if (afterMonth >= 0) {
    const t = withZone(text, afterMonth, zone, y, mo, 1, 0, 0, 0, 0)
    if (t !== undefined) return t
  }
  return withZone(text, i, zone, y, 1, 1, 0, 0, 0, 0) ?? null
}

/**
 * The instant of the fields read so far when the rest of the text, from `at`, is nothing or
 * spaces and a zone; null when the fields or the zone do not exist; undefined when the rest
 * is not a zone at all (so a shorter reading may be tried).
 */
function withZone(
  text: string,
  at: number,
  zone: Zone,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | null | undefined {
  const n = text.length
  let i = at
  while (i < n && isSpace(text.charCodeAt(i))) i++
  let offset = 0
  if (i < n) {
    offset = zoneSuffix(text, i)
    if (offset === NOT_A_ZONE) return undefined
    if (offset === OUT_OF_RANGE) return null
  }
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null
  const local = daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + s * 1000 + ms
  return i < n ? local - offset * 60_000 : zone.toUtc(local)
}

/** Hour, minute, second and millisecond of the last timeOfDay that matched. */
const timeParts = new Int32Array(4)

/**
 * `[T ][h]h:mm[:ss[.fraction]]` at `at`: the position after it (fields in timeParts), or
 * minus `at` when there is none there.
 */
function timeOfDay(text: string, at: number, pair: Int32Array): number {
  const n = text.length
  const sep = text.charCodeAt(at)
  if (sep !== 84 /* T */ && sep !== 32) return -at
  oneOrTwo(text, at + 1, pair)
  const hLen = pair[1]
  if (hLen === 0 || text.charCodeAt(at + 1 + hLen) !== 58) return -at
  const mm = digits(text, at + 2 + hLen, 2)
  if (mm < 0) return -at
  timeParts[0] = pair[0]
  timeParts[1] = mm
  timeParts[2] = 0
  timeParts[3] = 0
  let i = at + hLen + 4
  if (text.charCodeAt(i) !== 58) return i
  const ss = digits(text, i + 1, 2)
  if (ss < 0) return i
  timeParts[2] = ss
  i += 3
  const dot = text.charCodeAt(i)
  if ((dot !== 46 && dot !== 44) || digits(text, i + 1, 1) < 0) return i
  let k = i + 1
  let frac = 0
  while (k < n && k - i <= 9) {
    const c = text.charCodeAt(k)
    if (c < C_0 || c > C_9) break
    if (k - i <= 3) frac = frac * 10 + (c - C_0)
    k++
  }
  const kept = Math.min(3, k - i - 1)
  timeParts[3] = kept === 3 ? frac : frac * 10 ** (3 - kept)
  return k
}

function zoneOf(t: TemporalOptions): Zone {
  const zone = tryZone(t.timeZone)
  if (zone === null) throw new Error(`unreachable: temporalOptions checked time zone '${t.timeZone}'`)
  return zone
}

/** Null also for instants out of range, so that the reader counts them as malformed. */
export function timestampParser(t: TemporalOptions): TextToMillis {
  const { timestampFormat, timeZone } = t
  if (timestampFormat !== undefined)
    return (text) => {
      const ms = parseTimestamp(text, timestampFormat, timeZone)
      return ms !== null && inTimestampRange(ms) ? ms : null
    }
  const zone = zoneOf(t)
  return (text) => parseIsoTimestamp(text, zone)
}

/** Dates come back as epoch ms at UTC midnight, the engine's form. */
export function dateParser(t: TemporalOptions): TextToMillis {
  const { dateFormat } = t
  if (dateFormat !== undefined) {
    return (text) => {
      const ms = parseTimestamp(text, dateFormat, 'UTC')
      return ms === null || !inTimestampRange(ms) ? null : Math.floor(ms / DAY_MS) * DAY_MS
    }
  }
  return (text) => {
    const m = DATE_PREFIX.exec(text.trim())
    if (m === null) return null
    const y = Number(m[1])
    const mo = Number(m[2])
    const d = Number(m[3])
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null
    return daysFromCivil(y, mo, d) * DAY_MS
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
