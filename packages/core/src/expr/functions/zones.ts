/**
 * Time zones and calendar arithmetic for the date functions. Offsets come from the
 * runtime's time-zone data (through @date-fns/tz) and are cached per hour, so a column
 * of timestamps costs a Map lookup per row rather than an Intl call. Converting a local
 * time to an instant follows java.time, as Spark does: in a gap the time moves forward by
 * the gap's length; in an overlap the earlier instant wins unless a preferred offset is
 * given and valid.
 */
import { tzOffset } from '@date-fns/tz'
import { AnalysisError } from '../../util/errors.js'

export const MS_PER_SECOND = 1000
export const MS_PER_MINUTE = 60_000
export const MS_PER_HOUR = 3_600_000
export const MS_PER_DAY = 86_400_000

export interface Zone {
  readonly id: string
  /** The zone's offset from UTC at an instant, in milliseconds. */
  offsetMs(utcMs: number): number
  /** The instant of a local wall-clock time (given as if it were UTC). */
  toUtc(localMs: number, preferredOffsetMs?: number): number
}

class FixedZone implements Zone {
  constructor(
    readonly id: string,
    private readonly offset: number,
  ) {}
  offsetMs(): number {
    return this.offset
  }
  toUtc(localMs: number): number {
    return localMs - this.offset
  }
}

class RegionZone implements Zone {
  /** Offset per UTC hour; NaN marks an hour with a transition inside it. */
  private readonly hours = new Map<number, number>()

  constructor(readonly id: string) {}

  private raw(utcMs: number): number {
    return Math.round(tzOffset(this.id, new Date(utcMs)) * MS_PER_MINUTE)
  }

  offsetMs(utcMs: number): number {
    const h = Math.floor(utcMs / MS_PER_HOUR)
    let o = this.hours.get(h)
    if (o === undefined) {
      const start = this.raw(h * MS_PER_HOUR)
      o = start === this.raw(h * MS_PER_HOUR + MS_PER_HOUR - 1) ? start : Number.NaN
      if (this.hours.size > 50_000) this.hours.clear()
      this.hours.set(h, o)
    }
    return Number.isNaN(o) ? this.raw(utcMs) : o
  }

  toUtc(localMs: number, preferredOffsetMs?: number): number {
    const before = this.offsetMs(localMs - MS_PER_DAY)
    const after = this.offsetMs(localMs + MS_PER_DAY)
    if (before === after && this.offsetMs(localMs - before) === before) return localMs - before
    if (preferredOffsetMs !== undefined && this.offsetMs(localMs - preferredOffsetMs) === preferredOffsetMs)
      return localMs - preferredOffsetMs
    const valid = [before, after].filter((o) => this.offsetMs(localMs - o) === o)
    if (valid.length > 0) return localMs - Math.max(...valid)
    return localMs - before
  }
}

const UTC = new FixedZone('UTC', 0)
const zones = new Map<string, Zone | null>()

const FIXED = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/

function resolve(id: string): Zone | null {
  if (id === 'UTC' || id === 'Z' || id === 'GMT' || id === 'UT' || id === 'Etc/UTC' || id === 'Etc/GMT')
    return UTC
  const m = FIXED.exec(id)
  if (m) {
    const [, sign, h, mi = '0', s = '0'] = m
    const ms = (Number(h) * 3600 + Number(mi) * 60 + Number(s)) * 1000
    if (Number(h) > 18 || Number(mi) > 59 || Number(s) > 59) return null
    return new FixedZone(id, sign === '-' ? -ms : ms)
  }
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id)) return null
  return Number.isNaN(tzOffset(id, new Date(0))) ? null : new RegionZone(id)
}

/** A zone by id (IANA name or offset such as '+02:00'), or null when there is no such zone. */
export function tryZone(id: string): Zone | null {
  let z = zones.get(id)
  if (z === undefined) {
    z = resolve(id)
    if (zones.size > 1000) zones.clear()
    zones.set(id, z)
  }
  return z
}

/** The session's zone; an unknown one is the user's configuration error. */
export function sessionZone(id: string): Zone {
  const z = tryZone(id)
  if (!z) {
    throw new AnalysisError(
      `INVALID_CONF_VALUE: tributary.sql.session.timeZone is '${id}', which is not a time zone. Use an IANA name such as 'America/New_York', 'UTC', or an offset such as '+02:00'.`,
      'INVALID_CONF_VALUE',
    )
  }
  return z
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** Year, month (1..12) and day of a day number, written into `out`. */
export function civilFromDays(days: number, out: Int32Array): Int32Array {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0)
  out[1] = m
  out[2] = d
  return out
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** The local wall-clock time of an instant, as milliseconds since a UTC-less epoch. */
export function localMs(zone: Zone, utcMs: number): number {
  return utcMs + zone.offsetMs(utcMs)
}

/** The local date (days since epoch) of an instant. */
export function localDay(zone: Zone, utcMs: number): number {
  return Math.floor(localMs(zone, utcMs) / MS_PER_DAY)
}

const ZONE_PART = String.raw`(Z|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?|(?:UTC|GMT|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*)`

// Spark's string-to-timestamp forms: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, then ' ' or 'T',
// [h]h:[m]m:[s]s.[fraction], and an optional zone (Z, +hh:mm, UTC+h, or a region id).
const TIMESTAMP = new RegExp(
  String.raw`^([+-]?\d{4,6})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T](?:(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d{0,9}))?)?)?)?\s*${ZONE_PART}?)?)?)?$`,
)

/** Spark's cast of a string to timestamp: zone-less times are read in `zone`; null when it does not parse. */
export function parseTimestampDefault(text: string, zone: Zone): number | null {
  const m = TIMESTAMP.exec(text.trim())
  if (!m) return null
  const y = Number(m[1])
  const mo = m[2] === undefined ? 1 : Number(m[2])
  const d = m[3] === undefined ? 1 : Number(m[3])
  const h = m[4] === undefined ? 0 : Number(m[4])
  const mi = m[5] === undefined ? 0 : Number(m[5])
  const s = m[6] === undefined ? 0 : Number(m[6])
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null
  const local = daysFromCivil(y, mo, d) * MS_PER_DAY + h * MS_PER_HOUR + mi * MS_PER_MINUTE + s * 1000 + ms
  const z = m[8] === undefined ? zone : tryZone(m[8])
  return z ? z.toUtc(local) : null
}

// Spark's string-to-date: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, and anything after a ' ' or 'T' is ignored.
const DATE = /^([+-]?\d{4,6})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T][\s\S]*)?)?)?$/

/** Spark's cast of a string to date, as days since the epoch; null when it does not parse. */
export function parseDateDefault(text: string): number | null {
  const m = DATE.exec(text.trim())
  if (!m) return null
  const y = Number(m[1])
  const mo = m[2] === undefined ? 1 : Number(m[2])
  const d = m[3] === undefined ? 1 : Number(m[3])
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null
  return daysFromCivil(y, mo, d)
}
