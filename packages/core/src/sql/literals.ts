/**
 * SQL's typed literals: `INTERVAL '10' MINUTE` (and the ANSI `'1:30' HOUR TO MINUTE` forms,
 * `INTERVAL 10 MINUTES`, `INTERVAL '1 hour 30 minutes'`), `TIMESTAMP '2024-01-01 10:00:00'`
 * and `DATE '2024-01-01'`. Intervals become milliseconds, as `F.interval(...)` does, so that
 * `ts + INTERVAL '10' MINUTE` builds the same expression as the fluent form.
 */
import { constantVector, valueAt } from '../batch/vector.js'
import { castVector } from '../expr/cast.js'
import { type Expr, literal } from '../expr/expr.js'
import { type DataType, DateType, StringType, TimestampType } from '../types/data-types.js'
import { parseDuration } from '../util/duration.js'
import type { TokenStream } from './token-stream.js'

const unitMs: Record<string, number> = {
  DAY: 86_400_000,
  HOUR: 3_600_000,
  MINUTE: 60_000,
  SECOND: 1000,
  MILLISECOND: 1,
  MICROSECOND: 0.001,
  WEEK: 604_800_000,
}
const dayTimeOrder = ['DAY', 'HOUR', 'MINUTE', 'SECOND']

/** The unit a word names (`minutes` → MINUTE), or null. YEAR and MONTH are named so they can be refused clearly. */
function unitOf(word: string): string | null {
  const u = word.toUpperCase().replace(/S$/, '')
  return Object.hasOwn(unitMs, u) || u === 'YEAR' || u === 'MONTH' ? u : null
}

/** Reads what follows the INTERVAL keyword. */
export function parseIntervalLiteral(ts: TokenStream, start: number): Expr {
  const first = ts.peek()
  // INTERVAL '1 hour 30 minutes' (no unit after the string): the duration syntax of withWatermark.
  if (first.kind === 'string' && !(ts.peek(1).kind === 'word' && unitOf(ts.peek(1).text))) {
    ts.next()
    try {
      return literal(parseDuration(first.text))
    } catch (e) {
      throw ts.errorAt(first.start, `INTERVAL '${first.text}': ${(e as Error).message}`)
    }
  }
  let total = 0
  let parts = 0
  for (;;) {
    const t = ts.peek()
    let sign = 1
    if (t.kind === 'op' && t.text === '-' && ts.peek(1).kind === 'number') {
      ts.next()
      sign = -1
    }
    const value = ts.peek()
    if (value.kind !== 'number' && value.kind !== 'string') {
      if (parts > 0) break
      throw ts.unexpected(`an interval value such as '10' MINUTE`)
    }
    const unitToken = ts.peek(1)
    const unit = unitToken.kind === 'word' ? unitOf(unitToken.text) : null
    if (!unit) {
      if (parts > 0) break
      ts.next()
      throw ts.unexpected('an interval unit (DAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND)')
    }
    ts.next()
    ts.next()
    if (unit === 'YEAR' || unit === 'MONTH') {
      throw ts.errorAt(
        unitToken.start,
        `year-month intervals (INTERVAL ... ${unit}) have no fixed length in milliseconds, so they cannot shift timestamps or size windows here. Use days: INTERVAL '30' DAY.`,
      )
    }
    if (ts.isWord('TO')) {
      ts.next()
      const toToken = ts.peek()
      const to = toToken.kind === 'word' ? unitOf(toToken.text) : null
      if (!to || dayTimeOrder.indexOf(to) <= dayTimeOrder.indexOf(unit)) {
        throw ts.unexpected(`a unit smaller than ${unit} after TO`)
      }
      ts.next()
      total += sign * rangeValue(ts, value.text, value.start, unit, to)
    } else {
      const n = Number(value.text.replace(/[LDSY]$/i, ''))
      if (!Number.isFinite(n)) {
        throw ts.errorAt(value.start, `INTERVAL '${value.text}' ${unit}: the value must be a number.`)
      }
      total += sign * n * unitMs[unit]
    }
    parts++
  }
  if (parts === 0) throw ts.errorAt(start, 'INTERVAL needs a value and a unit, as in INTERVAL 10 MINUTES.')
  return literal(Math.round(total * 1000) / 1000)
}

/** `'1 10:30:00' DAY TO SECOND` and the other ANSI day-time ranges. */
function rangeValue(ts: TokenStream, text: string, at: number, from: string, to: string): number {
  const units = dayTimeOrder.slice(dayTimeOrder.indexOf(from), dayTimeOrder.indexOf(to) + 1)
  const trimmed = text.trim()
  const negative = trimmed.startsWith('-')
  const fields = trimmed.replace(/^[-+]/, '').split(/[ :]/)
  const valid =
    fields.length === units.length &&
    fields.every((f, i) => /^\d+(\.\d+)?$/.test(f) && (i === fields.length - 1 || !f.includes('.')))
  if (!valid) {
    const example: Record<string, string> = { DAY: 'd', HOUR: 'h', MINUTE: 'm', SECOND: 's' }
    const shape = units
      .map((u) => example[u])
      .join(':')
      .replace(/^d:/, 'd ')
    throw ts.errorAt(at, `INTERVAL '${text}' ${from} TO ${to}: write the value as '${shape}'.`)
  }
  const ms = fields.reduce((sum, f, i) => sum + Number(f) * unitMs[units[i]], 0)
  return negative ? -ms : ms
}

/** `TIMESTAMP '...'` or `DATE '...'`: read now, with the same rules as CAST(string AS TIMESTAMP). */
export function typedLiteral(ts: TokenStream, keyword: 'TIMESTAMP' | 'DATE'): Expr {
  const value = ts.next()
  const type: DataType = keyword === 'DATE' ? DateType : TimestampType
  const ms = valueAt(castVector(constantVector(StringType, value.text, 1), type, ts.timeZone), 0)
  if (typeof ms !== 'number') {
    throw ts.errorAt(
      value.start,
      `${keyword} '${value.text}' is not a ${keyword.toLowerCase()}. Write it as '${keyword === 'DATE' ? '2024-01-31' : '2024-01-31 10:00:00'}'.`,
    )
  }
  // A timestamp literal is what lit(new Date(...)) makes, so both forms explain alike.
  return keyword === 'DATE' ? literal(new Date(ms), DateType) : literal(new Date(ms))
}
