/**
 * Date and time functions. Timestamps are instants (epoch ms); dates are days stored as
 * ms at UTC midnight. Fields (year, hour, ...) and truncation are read in the session's
 * zone (EvalContext.timeZone, from tributary.sql.session.timeZone). current_timestamp()
 * and current_date() come from the batch's timestamp, recorded in the offset log, so
 * every row of a micro-batch sees one value and a replayed batch sees the same one —
 * never the wall clock.
 */
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import { numberVector, type Vector, valueAt } from '../../batch/vector.js'
import {
  type DataType,
  DateType,
  IntType,
  isNumeric,
  LongType,
  StringType,
  TimestampType,
} from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'
import type { Compiled, EvalContext } from '../compiled.js'
import { expectArity, registerFunction } from '../registry.js'
import {
  expectArg,
  expectIntegral,
  expectNumeric,
  expectString,
  map1,
  map2,
  nullVector,
  SmallCache,
} from './common.js'
import { compileDateTimePattern, type DateTimePattern } from './datetime-pattern.js'
import {
  civilFromDays,
  daysFromCivil,
  localDay,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  parseDateDefault,
  parseTimestampDefault,
  sessionZone,
  type Zone,
} from './zones.js'

const temporalOrString = (t: DataType): boolean =>
  t.kind === 'timestamp' || t.kind === 'date' || t.kind === 'string'

function expectTime(fn: string, args: readonly Compiled[], i: number): void {
  expectArg(
    fn,
    args,
    i,
    temporalOrString,
    'a timestamp, a date or a string',
    "Convert it with .cast('timestamp') or to_timestamp(col, pattern).",
  )
}

/** Reads a timestamp, date or string column as instants (dates at local midnight, strings as Spark casts them). */
function instants(type: DataType, v: Vector, zone: Zone): Float64Array {
  const n = v.length
  const out = new Float64Array(n)
  if (type.kind === 'timestamp' && v.kind === 'number') {
    const src = v.values
    const valid = v.validity
    for (let i = 0; i < n; i++) out[i] = valid !== null && valid[i] === 0 ? Number.NaN : src[i]
    return out
  }
  for (let i = 0; i < n; i++) {
    const x = valueAt(v, i)
    if (x === null) out[i] = Number.NaN
    else if (type.kind === 'date') out[i] = zone.toUtc(x as number)
    else if (type.kind === 'string') out[i] = parseTimestampDefault(x as string, zone) ?? Number.NaN
    else out[i] = x as number
  }
  return out
}

/** Reads a timestamp, date or string column as local days since the epoch (NaN for null). */
function days(type: DataType, v: Vector, zone: Zone): Float64Array {
  const n = v.length
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const x = valueAt(v, i)
    if (x === null) out[i] = Number.NaN
    else if (type.kind === 'date') out[i] = Math.floor((x as number) / MS_PER_DAY)
    else if (type.kind === 'string') out[i] = parseDateDefault(x as string) ?? Number.NaN
    else out[i] = localDay(zone, x as number)
  }
  return out
}

/** A Float64Array with NaN for null, as a vector of `type`. */
function fromNaN(type: DataType, values: Float64Array): Vector {
  let validity: Uint8Array | null = null
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) {
      validity ??= new Uint8Array(values.length).fill(1)
      validity[i] = 0
    }
  }
  return numberVector(type, values, validity)
}

/** A pattern argument: compiled once when it is a literal, per distinct value otherwise. */
function patternArg(fn: string, args: readonly Compiled[], i: number, parsing: boolean) {
  expectString(fn, args, i)
  const c = args[i].constant
  const cache = new SmallCache<DateTimePattern>(64)
  return {
    constant: c
      ? c.value === null
        ? null
        : compileDateTimePattern(c.value as string, fn, parsing)
      : undefined,
    compiled: (p: string): DateTimePattern => cache.get(p, () => compileDateTimePattern(p, fn, parsing)),
  }
}

/** Parses strings with a pattern (or Spark's default forms) into instants; NaN where a string does not parse. */
function parseColumn(
  fn: string,
  args: readonly Compiled[],
  defaultPattern: string | null,
): (batch: ColumnarBatch<unknown>, ctx: EvalContext) => Float64Array {
  const [a, fmt] = args
  const pattern = fmt ? patternArg(fn, args, 1, true) : null
  const fallback = defaultPattern === null ? null : compileDateTimePattern(defaultPattern, fn, true)
  return (batch, ctx) => {
    const zone = sessionZone(ctx.timeZone)
    const v = a.evaluate(batch, ctx)
    const n = batch.numRows
    if (a.type.kind !== 'string') {
      if (isNumeric(a.type)) {
        const out = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          const x = valueAt(v, i) as number | null
          out[i] = x === null ? Number.NaN : Math.trunc(x * 1000)
        }
        return out
      }
      return instants(a.type, v, zone)
    }
    const out = new Float64Array(n)
    if (pattern?.constant === null) return out.fill(Number.NaN)
    const fixed = pattern?.constant ?? fallback
    const fmts = pattern && pattern.constant === undefined ? fmt.evaluate(batch, ctx) : null
    for (let i = 0; i < n; i++) {
      const s = valueAt(v, i) as string | null
      let p = fixed
      if (fmts) {
        const f = valueAt(fmts, i) as string | null
        if (f === null) {
          out[i] = Number.NaN
          continue
        }
        p = pattern!.compiled(f)
      }
      if (s === null) out[i] = Number.NaN
      else out[i] = (p ? p.parse(s, zone) : parseTimestampDefault(s, zone)) ?? Number.NaN
    }
    return out
  }
}

registerFunction({
  kind: 'scalar',
  name: 'to_timestamp',
  bind(args) {
    expectArity('to_timestamp', args, 1, 2)
    if (args.length === 2) expectTime('to_timestamp', args, 0)
    else
      expectArg(
        'to_timestamp',
        args,
        0,
        (t) => temporalOrString(t) || isNumeric(t),
        'a string, a number of seconds, a timestamp or a date',
        "Convert it with .cast('string').",
      )
    const parse = parseColumn('to_timestamp', args, null)
    return {
      type: TimestampType,
      evaluate: (batch, ctx) =>
        args[0].type.kind === 'null'
          ? nullVector(TimestampType, batch.numRows)
          : fromNaN(TimestampType, parse(batch, ctx)),
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'to_date',
  bind(args) {
    expectArity('to_date', args, 1, 2)
    expectTime('to_date', args, 0)
    const [a] = args
    const parse = parseColumn('to_date', args, null)
    return {
      type: DateType,
      evaluate: (batch, ctx) => {
        const n = batch.numRows
        if (a.type.kind === 'null') return nullVector(DateType, n)
        const zone = sessionZone(ctx.timeZone)
        // Without a pattern a string is read as a date (time of day ignored), as Spark's cast does.
        const d =
          args.length === 1 || a.type.kind !== 'string'
            ? days(a.type, a.evaluate(batch, ctx), zone)
            : parse(batch, ctx).map((ms) => (Number.isNaN(ms) ? ms : localDay(zone, ms)))
        for (let i = 0; i < n; i++) d[i] *= MS_PER_DAY
        return fromNaN(DateType, d)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'date_format',
  bind(args) {
    expectArity('date_format', args, 2)
    expectTime('date_format', args, 0)
    const [a, fmt] = args
    const pattern = patternArg('date_format', args, 1, false)
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        const n = batch.numRows
        if (pattern.constant === null || a.type.kind === 'null') return nullVector(StringType, n)
        const zone = sessionZone(ctx.timeZone)
        const ts = fromNaN(TimestampType, instants(a.type, a.evaluate(batch, ctx), zone))
        const p = pattern.constant
        if (p !== undefined) return map1<number>(StringType, ts, (ms) => p.format(ms, zone))
        return map2<number, string>(StringType, ts, fmt.evaluate(batch, ctx), (ms, f) =>
          pattern.compiled(f).format(ms, zone),
        )
      },
    }
  },
})

/** year, month, ...: one int field of the local time, computed without Date objects. */
function field(
  name: string,
  fromDay: ((days: number, ymd: Int32Array) => number) | null,
  fromMs?: (localMs: number) => number,
): void {
  registerFunction({
    kind: 'scalar',
    name,
    bind(args) {
      expectArity(name, args, 1)
      expectTime(name, args, 0)
      const [a] = args
      return {
        type: IntType,
        evaluate: (batch, ctx) => {
          const n = batch.numRows
          if (a.type.kind === 'null') return nullVector(IntType, n)
          const zone = sessionZone(ctx.timeZone)
          const v = a.evaluate(batch, ctx)
          const ymd = new Int32Array(3)
          let out: Float64Array
          if (fromDay) {
            out = days(a.type, v, zone)
            for (let i = 0; i < n; i++) if (!Number.isNaN(out[i])) out[i] = fromDay(out[i], ymd)
          } else {
            // Time-of-day fields: a date is its local midnight, so they are 0.
            out = instants(a.type, v, zone)
            for (let i = 0; i < n; i++) {
              const t = out[i]
              if (Number.isNaN(t)) continue
              const local = t + zone.offsetMs(t)
              out[i] = fromMs!(local - Math.floor(local / MS_PER_DAY) * MS_PER_DAY)
            }
          }
          return fromNaN(IntType, out)
        },
      }
    },
  })
}
field('year', (d, ymd) => civilFromDays(d, ymd)[0])
field('month', (d, ymd) => civilFromDays(d, ymd)[1])
field('dayofmonth', (d, ymd) => civilFromDays(d, ymd)[2])
// 1970-01-01 was a Thursday; Spark numbers Sunday 1 to Saturday 7.
field('dayofweek', (d) => ((((d + 4) % 7) + 7) % 7) + 1)
field('hour', null, (ms) => Math.floor(ms / MS_PER_HOUR))
field('minute', null, (ms) => Math.floor(ms / MS_PER_MINUTE) % 60)
field('second', null, (ms) => Math.floor(ms / 1000) % 60)

registerFunction({
  kind: 'scalar',
  name: 'unix_timestamp',
  bind(args) {
    expectArity('unix_timestamp', args, 0, 2)
    if (args.length === 0) {
      return {
        type: LongType,
        evaluate: (batch, ctx) =>
          numberVector(
            LongType,
            new Float64Array(batch.numRows).fill(Math.floor(ctx.batchTimestampMs / 1000)),
          ),
      }
    }
    expectTime('unix_timestamp', args, 0)
    // A string without a pattern is read with Spark's default 'yyyy-MM-dd HH:mm:ss'.
    const parse = parseColumn('unix_timestamp', args, 'yyyy-MM-dd HH:mm:ss')
    return {
      type: LongType,
      evaluate: (batch, ctx) => {
        if (args[0].type.kind === 'null') return nullVector(LongType, batch.numRows)
        const ms = parse(batch, ctx)
        for (let i = 0; i < ms.length; i++) ms[i] = Math.floor(ms[i] / 1000)
        return fromNaN(LongType, ms)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'from_unixtime',
  bind(args) {
    expectArity('from_unixtime', args, 1, 2)
    expectNumeric('from_unixtime', args, 0)
    const [a, fmt] = args
    const pattern = fmt
      ? patternArg('from_unixtime', args, 1, false)
      : {
          constant: compileDateTimePattern('yyyy-MM-dd HH:mm:ss', 'from_unixtime', false),
          compiled: undefined,
        }
    return {
      type: StringType,
      evaluate: (batch, ctx) => {
        if (pattern.constant === null || a.type.kind === 'null') return nullVector(StringType, batch.numRows)
        const zone = sessionZone(ctx.timeZone)
        const secs = a.evaluate(batch, ctx)
        // Spark reads the seconds as a long, dropping any fraction.
        const p = pattern.constant
        if (p !== undefined)
          return map1<number>(StringType, secs, (s) => p.format(Math.trunc(s) * 1000, zone))
        return map2<number, string>(StringType, secs, fmt.evaluate(batch, ctx), (s, f) =>
          pattern.compiled!(f).format(Math.trunc(s) * 1000, zone),
        )
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'current_timestamp',
  bind(args) {
    expectArity('current_timestamp', args, 0)
    return {
      type: TimestampType,
      evaluate: (batch, ctx) =>
        numberVector(TimestampType, new Float64Array(batch.numRows).fill(ctx.batchTimestampMs)),
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'current_date',
  bind(args) {
    expectArity('current_date', args, 0)
    return {
      type: DateType,
      evaluate: (batch, ctx) =>
        numberVector(
          DateType,
          new Float64Array(batch.numRows).fill(
            localDay(sessionZone(ctx.timeZone), ctx.batchTimestampMs) * MS_PER_DAY,
          ),
        ),
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'date_add',
  bind(args) {
    expectArity('date_add', args, 2)
    expectTime('date_add', args, 0)
    expectIntegral('date_add', args, 1)
    const [a, n] = args
    return {
      type: DateType,
      evaluate: (batch, ctx) => {
        const rows = batch.numRows
        if (a.type.kind === 'null' || n.type.kind === 'null') return nullVector(DateType, rows)
        const d = days(a.type, a.evaluate(batch, ctx), sessionZone(ctx.timeZone))
        const k = n.evaluate(batch, ctx)
        for (let i = 0; i < rows; i++) {
          const add = valueAt(k, i) as number | null
          d[i] = add === null ? Number.NaN : (d[i] + add) * MS_PER_DAY
        }
        return fromNaN(DateType, d)
      },
    }
  },
})

registerFunction({
  kind: 'scalar',
  name: 'datediff',
  bind(args) {
    expectArity('datediff', args, 2)
    expectTime('datediff', args, 0)
    expectTime('datediff', args, 1)
    const [end, start] = args
    return {
      type: IntType,
      evaluate: (batch, ctx) => {
        if (end.type.kind === 'null' || start.type.kind === 'null') return nullVector(IntType, batch.numRows)
        const zone = sessionZone(ctx.timeZone)
        const e = days(end.type, end.evaluate(batch, ctx), zone)
        const s = days(start.type, start.evaluate(batch, ctx), zone)
        for (let i = 0; i < e.length; i++) e[i] -= s[i]
        return fromNaN(IntType, e)
      },
    }
  },
})

type TruncUnit = 'year' | 'quarter' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second' | 'millisecond'

const TRUNC_UNITS: Record<string, TruncUnit> = {
  year: 'year',
  yyyy: 'year',
  yy: 'year',
  quarter: 'quarter',
  month: 'month',
  mm: 'month',
  mon: 'month',
  week: 'week',
  day: 'day',
  dd: 'day',
  hour: 'hour',
  minute: 'minute',
  second: 'second',
  millisecond: 'millisecond',
  microsecond: 'millisecond',
}

function truncUnit(unit: string): TruncUnit | undefined {
  return TRUNC_UNITS[unit.toLowerCase()]
}

/** The start of the unit containing an instant, in the zone's local time. */
function truncate(unit: TruncUnit, t: number, zone: Zone, ymd: Int32Array): number {
  const offset = zone.offsetMs(t)
  const local = t + offset
  const sub = (size: number): number => {
    // Sub-day units keep the instant's offset when that is still valid (java.time's truncatedTo).
    const truncated = Math.floor(local / size) * size
    return zone.toUtc(truncated, offset)
  }
  switch (unit) {
    case 'millisecond':
      return t
    case 'second':
      return sub(1000)
    case 'minute':
      return sub(MS_PER_MINUTE)
    case 'hour':
      return sub(MS_PER_HOUR)
    default: {
      const day = Math.floor(local / MS_PER_DAY)
      let start: number
      if (unit === 'day') start = day
      else if (unit === 'week') start = day - ((((day + 3) % 7) + 7) % 7)
      else {
        const [y, m] = civilFromDays(day, ymd)
        start =
          unit === 'year'
            ? daysFromCivil(y, 1, 1)
            : unit === 'quarter'
              ? daysFromCivil(y, m - ((m - 1) % 3), 1)
              : daysFromCivil(y, m, 1)
      }
      return zone.toUtc(start * MS_PER_DAY)
    }
  }
}

function unitError(unit: string): AnalysisError {
  return new AnalysisError(
    `INVALID_PARAMETER_VALUE: date_trunc does not know the unit '${unit}'. Use one of 'year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond' (or Spark's aliases 'yyyy', 'yy', 'mm', 'mon', 'dd').`,
    'INVALID_PARAMETER_VALUE',
  )
}

registerFunction({
  kind: 'scalar',
  name: 'date_trunc',
  bind(args) {
    expectArity('date_trunc', args, 2)
    expectString('date_trunc', args, 0)
    expectTime('date_trunc', args, 1)
    const [u, a] = args
    // A literal unit Spark does not know would give null on every row; here it is an error at analysis.
    let constantUnit: TruncUnit | null | undefined
    if (u.constant) {
      const name = u.constant.value as string | null
      constantUnit = name === null ? null : truncUnit(name)
      if (constantUnit === undefined) throw unitError(name as string)
    }
    return {
      type: TimestampType,
      evaluate: (batch, ctx) => {
        const n = batch.numRows
        if (constantUnit === null || a.type.kind === 'null') return nullVector(TimestampType, n)
        const zone = sessionZone(ctx.timeZone)
        const ts = instants(a.type, a.evaluate(batch, ctx), zone)
        const units = constantUnit ? null : u.evaluate(batch, ctx)
        const ymd = new Int32Array(3)
        for (let i = 0; i < n; i++) {
          if (Number.isNaN(ts[i])) continue
          let unit = constantUnit
          if (units) {
            const s = valueAt(units, i) as string | null
            // Spark gives null for a unit it does not know when the unit comes from a column.
            unit = s === null ? undefined : truncUnit(s)
          }
          ts[i] = unit ? truncate(unit, ts[i], zone, ymd) : Number.NaN
        }
        return fromNaN(TimestampType, ts)
      },
    }
  },
})
