/**
 * Durations as Spark writes them ('10 seconds', '1 minute', '500 ms', '1 hour 30 minutes')
 * and ISO 8601 ('PT10S'), in milliseconds.
 */
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
}

export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0)
      throw new Error(`a duration must be a non-negative number of milliseconds, got ${text}`)
    return text
  }
  const t = text.trim()
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t)
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
