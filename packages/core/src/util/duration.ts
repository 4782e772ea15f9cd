/**
 * Durations as Spark writes them ('10 seconds', '1 minute', '500 ms', '1 hour 30 minutes',
 * '1 month'), ANSI interval literals (`INTERVAL '10' SECOND`, `interval '3:30' minute to
 * second`, `INTERVAL '1 02:03:04' DAY TO SECOND`) and ISO 8601 ('PT10S'), in milliseconds.
 * A month is 31 days and a year 12 of them, as Spark's withWatermark counts them.
 */
const MONTH_MS = 31 * 86_400_000

const units: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  msec: 1,
  msecs: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
  mon: MONTH_MS,
  mons: MONTH_MS,
  month: MONTH_MS,
  months: MONTH_MS,
  y: 12 * MONTH_MS,
  yr: 12 * MONTH_MS,
  yrs: 12 * MONTH_MS,
  year: 12 * MONTH_MS,
  years: 12 * MONTH_MS,
}

/** How many milliseconds of each field an ANSI day-time or year-month literal carries. */
const ansiFields: Record<string, number> = {
  year: 12 * MONTH_MS,
  month: MONTH_MS,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
}
const ansiOrder = ['year', 'month', 'day', 'hour', 'minute', 'second']

/**
 * An ANSI interval literal: `INTERVAL '10' SECOND`, `INTERVAL '-1' DAY`,
 * `INTERVAL '3:30' MINUTE TO SECOND`, `INTERVAL '1 02:03:04.5' DAY TO SECOND`,
 * `INTERVAL '1-2' YEAR TO MONTH`; null when the text is not one.
 */
function ansiInterval(text: string): number | null {
  const m = /^interval\s+([+-]?)\s*'([^']*)'\s+([a-z]+)(?:\s+to\s+([a-z]+))?$/i.exec(text)
  if (!m) return null
  const [, outerSign, body, fromRaw, toRaw] = m
  const from = fromRaw.toLowerCase().replace(/s$/, '')
  const to = (toRaw ?? fromRaw).toLowerCase().replace(/s$/, '')
  const i = ansiOrder.indexOf(from)
  const j = ansiOrder.indexOf(to)
  const fail = (why: string): never => {
    throw new Error(
      `cannot read '${text}' as an interval: ${why}. Write it like INTERVAL '10' SECOND or INTERVAL '3:30' MINUTE TO SECOND.`,
    )
  }
  if (i < 0 || j < 0 || j < i) fail(`'${fromRaw}${toRaw ? ` TO ${toRaw}` : ''}' is not an interval qualifier`)
  if (i <= 1 !== j <= 1) fail('a year-month interval cannot run to days or time')
  let t = body.trim()
  let sign = outerSign === '-' ? -1 : 1
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t[0] === '-') sign = -sign
    t = t.slice(1)
  }
  // The separators of the fields from..to: '-' between year and month, ' ' after day, ':' for time.
  const fields = ansiOrder.slice(i, j + 1)
  const parts = i <= 1 ? t.split('-') : t.split(/[ :]/)
  if (parts.length !== fields.length || parts.some((p) => !/^\d+(\.\d+)?$/.test(p)))
    fail(`'${body}' does not match ${fields.join(' ').toUpperCase()}`)
  let total = 0
  fields.forEach((f, k) => {
    total += Number(parts[k]) * ansiFields[f]
  })
  return sign * Math.round(total)
}

/** Spark's refusal of a negative delay: named as negative, not as unreadable. */
function negative(text: string): never {
  throw new Error(`'${text}' is negative: a duration must be zero or more.`)
}

export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0)
      throw new Error(`a duration must be a non-negative number of milliseconds, got ${text}`)
    return text
  }
  const t = text.trim()
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t)
  if (/^-\s*\d+(\.\d+)?$/.test(t)) negative(text)
  const ansi = ansiInterval(t)
  if (ansi !== null) return ansi < 0 ? negative(text) : ansi
  const iso =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(t)
  if (iso && t.length > 1 && !/T$/i.test(t)) {
    const [, d, h, m, s] = iso
    return Math.round(
      Number(d ?? 0) * 86_400_000 +
        Number(h ?? 0) * 3_600_000 +
        Number(m ?? 0) * 60_000 +
        Number(s ?? 0) * 1000,
    )
  }
  const body = t.replace(/^interval\s+/i, '')
  // '-10 seconds', 'interval -10 seconds', '1 hour -5 minutes' adding up below zero.
  if (/(^|\s)-\s*\d/.test(body)) {
    const total = signedTotal(body)
    if (total !== null && total < 0) negative(text)
  }
  const re = /(\d+(?:\.\d+)?)\s*([a-zA-Z]+)/g
  let total = 0
  let matched = ''
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const unit = units[m[2].toLowerCase()]
    if (unit === undefined) break
    total += Number(m[1]) * unit
    matched += m[0]
  }
  if (matched.replace(/\s/g, '') !== body.replace(/\s/g, '') || matched === '') {
    throw new Error(
      `cannot read '${text}' as a duration. Write it like '10 seconds', '500 ms', '1 minute', '2 hours' or ISO 8601 'PT10S'.`,
    )
  }
  return Math.round(total)
}

/** The sum of `[-]number unit` terms, or null when the text is not only such terms. */
function signedTotal(body: string): number | null {
  const re = /([+-]?)\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)/g
  let total = 0
  let matched = ''
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const unit = units[m[3].toLowerCase()]
    if (unit === undefined) return null
    total += (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit
    matched += m[0]
  }
  return matched.replace(/\s/g, '') === body.replace(/\s/g, '') ? total : null
}
