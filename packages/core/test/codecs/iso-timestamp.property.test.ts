/**
 * The ISO timestamp scanner of the JSON and CSV readers against the regex-and-Date parser it
 * replaced (kept here as the reference), on generated texts of Spark's forms, near misses and
 * garbage. The only intended difference: offsets that do not exist (beyond ±18:00, or with
 * minutes over 59), which the old parser took (`+99:99`), are refused. In a region zone, zone-less text must equal the string cast's
 * reading (java.time's rules in DST gaps and overlaps, as in Spark).
 */
import { tzOffset } from '@date-fns/tz'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseTimestampDefault, tryZone, type Zone } from '../../src/expr/functions/zones.js'
import { parseIsoTimestamp } from '../../src/formats/codecs/temporal.js'

// ---- the former implementation, verbatim but for the names ----
const ISO_TIMESTAMP =
  /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi, s, ms)
  return date.getTime()
}
function daysInMonth(year: number, month: number): number {
  return new Date(utcMillis(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate()
}
function wallClockToMillis(
  zone: string,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
) {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return Number.NaN
  const utc = utcMillis(y, mo, d, h, mi, s, ms)
  if (zone === 'UTC') return utc
  const first = utc - tzOffset(zone, new Date(utc)) * 60_000
  return utc - tzOffset(zone, new Date(first)) * 60_000
}
function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'UTC' || zone === 'GMT') return 0
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'))
}
function oldParse(raw: string, zone: string): number | null {
  const m = ISO_TIMESTAMP.exec(raw.trim())
  if (m === null) return null
  const fraction = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  const f = [
    Number(m[1]),
    Number(m[2] ?? 1),
    Number(m[3] ?? 1),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  ]
  const t = wallClockToMillis(m[8] === undefined ? zone : 'UTC', f[0], f[1], f[2], f[3], f[4], f[5], fraction)
  if (Number.isNaN(t)) return null
  return m[8] === undefined ? t : t - offsetMinutes(m[8]) * 60_000
}
/** Whether the old parser's match ends in an offset that does not exist (beyond ±18:00, or minutes over 59), now refused. */
function offsetOutOfRange(raw: string): boolean {
  const m = ISO_TIMESTAMP.exec(raw.trim())
  const z = m?.[8]
  if (z === undefined || !/\d/.test(z)) return false
  return Math.abs(offsetMinutes(z)) > 18 * 60 || Number(z.replace(':', '').slice(3, 5) || '0') > 59
}
// ----

const RUNS = Number(process.env.CODEC_FUZZ_RUNS ?? 400)

const num = (min: number, max: number, width: 1 | 2 | 'either') =>
  fc
    .integer({ min, max })
    .chain((v) =>
      width === 'either' && v < 10
        ? fc.constantFrom(String(v), `0${v}`)
        : fc.constant(String(v).padStart(width === 2 ? 2 : 1, '0')),
    )

/** Spark's forms, with fields a little beyond their ranges so that refusals are exercised too. */
const isoText = fc
  .record({
    lead: fc.constantFrom('', ' ', '\t'),
    year: fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')),
    month: fc.option(num(0, 13, 'either'), { nil: undefined }),
    day: fc.option(num(0, 32, 'either'), { nil: undefined }),
    sep: fc.constantFrom('T', ' '),
    hour: fc.option(num(0, 25, 'either'), { nil: undefined }),
    minute: num(0, 61, 2),
    second: fc.option(num(0, 61, 2), { nil: undefined }),
    fraction: fc.option(fc.tuple(fc.constantFrom('.', ','), fc.stringMatching(/^\d{1,10}$/)), {
      nil: undefined,
    }),
    space: fc.constantFrom('', ' ', '  '),
    zone: fc.option(
      fc.oneof(
        fc.constantFrom('Z', 'UTC', 'GMT', 'z', 'CET'),
        fc
          .tuple(
            fc.constantFrom('+', '-'),
            num(0, 99, 2),
            fc.constantFrom('', ':'),
            fc.option(num(0, 99, 2), { nil: '' }),
          )
          .map(([s, h, c, m]) => `${s}${h}${m === '' ? '' : c}${m}`),
      ),
      { nil: undefined },
    ),
    trail: fc.constantFrom('', ' ', '\n'),
  })
  .map((p) => {
    let t = p.lead + p.year
    if (p.month !== undefined) {
      t += `-${p.month}`
      if (p.day !== undefined) {
        t += `-${p.day}`
        if (p.hour !== undefined) {
          t += `${p.sep}${p.hour}:${p.minute}`
          if (p.second !== undefined) {
            t += `:${p.second}`
            if (p.fraction) t += p.fraction[0] + p.fraction[1]
          }
        }
      }
    }
    if (p.zone !== undefined) t += p.space + p.zone
    return t + p.trail
  })

/** A valid text with one character changed, dropped or added. */
const nearMiss = fc
  .tuple(
    isoText,
    fc.nat(),
    fc.constantFrom('drop', 'swap', 'add'),
    fc.constantFrom('-', ':', 'T', ' ', '0', '9', '.', '+', 'x'),
  )
  .map(([t, at, how, c]) => {
    const i = at % (t.length + 1)
    if (how === 'drop') return t.slice(0, i) + t.slice(i + 1)
    if (how === 'swap') return t.slice(0, i) + c + t.slice(i + 1)
    return t.slice(0, i) + c + t.slice(i)
  })

const anyText = fc.oneof(
  { weight: 5, arbitrary: isoText },
  { weight: 3, arbitrary: nearMiss },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
)

function zone(id: string): Zone {
  const z = tryZone(id)
  if (!z) throw new Error(id)
  return z
}

describe('parseIsoTimestamp', () => {
  for (const id of ['UTC', '+05:30', '-08:00']) {
    it(`reads what the former parser read, in ${id}, and refuses offsets beyond ±18:00`, () => {
      const z = zone(id)
      fc.assert(
        fc.property(anyText, (text) => {
          const expected = offsetOutOfRange(text) ? null : oldParse(text, id)
          expect(parseIsoTimestamp(text, z)).toBe(expected)
        }),
        { numRuns: RUNS * 5 },
      )
    })
  }

  it('reads zone-less text in a region zone as the string cast does, DST gaps and overlaps included', () => {
    const z = zone('America/New_York')
    const local = fc
      .record({
        day: fc.integer({ min: 0, max: 365 * 3 }),
        minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      })
      .map(({ day, minute }) => {
        const d = new Date(Date.UTC(2023, 0, 1) + day * 86_400_000 + minute * 60_000)
        return d.toISOString().slice(0, 16).replace('T', ' ')
      })
    // DST days in 2024, where the gap and the overlap are.
    const transitions = fc.constantFrom(
      '2024-03-10 02:30',
      '2024-11-03 01:30',
      '2024-03-10 01:59',
      '2024-11-03 02:00',
    )
    fc.assert(
      fc.property(fc.oneof(local, transitions), (text) => {
        expect(parseIsoTimestamp(text, z)).toBe(parseTimestampDefault(text, z))
      }),
      { numRuns: RUNS * 2 },
    )
    // In the spring gap java.time moves forward by the gap; in the autumn overlap the earlier instant wins.
    expect(new Date(parseIsoTimestamp('2024-03-10 02:30', z) as number).toISOString()).toBe(
      '2024-03-10T07:30:00.000Z',
    )
    expect(new Date(parseIsoTimestamp('2024-11-03 01:30', z) as number).toISOString()).toBe(
      '2024-11-03T05:30:00.000Z',
    )
  })

  it('reads the usual shapes', () => {
    const utc = zone('UTC')
    const at = (t: string) => {
      const ms = parseIsoTimestamp(t, utc)
      return ms === null ? null : new Date(ms).toISOString()
    }
    expect(at('2024-01-15T10:20:30.123Z')).toBe('2024-01-15T10:20:30.123Z')
    expect(at('2024-1-5 3:04')).toBe('2024-01-05T03:04:00.000Z')
    expect(at('2024-01-15T10:20:30.123456789+02:00')).toBe('2024-01-15T08:20:30.123Z')
    expect(at(' 2024-02-29 ')).toBe('2024-02-29T00:00:00.000Z')
    expect(at('2023-02-29')).toBeNull()
    expect(at('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z')
    expect(at('2024-01-15T10:00:00+99:99')).toBeNull()
  })
})
