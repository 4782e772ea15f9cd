/**
 * Date and time functions against Spark's documented results ("doc"; the docs run in
 * America/Los_Angeles where it matters), session time zones, and the batch timestamp
 * that current_timestamp() reads from the offset log.
 */
import { readFileSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { col, functions as F, lit, ManualClock, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'
import { call, errorOf, frame, scalar, typeOf, values } from './eval.js'

const TZ = 'tributary.sql.session.timeZone'
const utc = (iso: string) => new Date(iso)
const LA = { [TZ]: 'America/Los_Angeles' }

const stringsIn = (conf: Record<string, string>, rows: (string | null)[]) =>
  frame(
    newSession(conf),
    { s: { type: 'string', nullable: true } },
    rows.map((s) => ({ s })),
  )
const timestampsIn = (conf: Record<string, string>, rows: (string | null)[]) =>
  frame(
    newSession(conf),
    { t: { type: 'timestamp', nullable: true } },
    rows.map((t) => ({ t: t === null ? null : utc(t) })),
  )

describe('to_timestamp and to_date', () => {
  it('doc: to_timestamp("2016-12-31 00:12:00") and with a pattern', async () => {
    const df = stringsIn({}, ['2016-12-31 00:12:00', '2016-12-31', 'not a date', '', null])
    expect(await values(df, F.to_timestamp('s'))).toEqual([
      utc('2016-12-31T00:12:00Z'),
      utc('2016-12-31T00:00:00Z'),
      null,
      null,
      null,
    ])
    expect(await values(df, F.to_timestamp('s', 'yyyy-MM-dd'))).toEqual([
      null,
      utc('2016-12-31T00:00:00Z'),
      null,
      null,
      null,
    ])
    expect(typeOf(df, F.to_timestamp('s'))).toBe('timestamp')
  })

  it('reads zone-less text in the session zone and honours a zone in the text', async () => {
    const df = stringsIn(LA, [
      '2016-12-31 00:12:00',
      '2016-12-31T00:12:00.5',
      '2024-01-01T10:00:00+02:00',
      '2024-01-01 10:00:00Z',
      '2024-01-01 10:00:00 UTC',
      '2024-01-01 10:00:00 Asia/Kolkata',
      '2024-02-30 10:00:00',
      '2024-01-01 25:00:00',
    ])
    expect(await values(df, F.to_timestamp('s'))).toEqual([
      utc('2016-12-31T08:12:00Z'),
      utc('2016-12-31T08:12:00.500Z'),
      utc('2024-01-01T08:00:00Z'),
      utc('2024-01-01T10:00:00Z'),
      utc('2024-01-01T10:00:00Z'),
      utc('2024-01-01T04:30:00Z'),
      null,
      null,
    ])
    expect(await values(df, F.to_timestamp('s', 'yyyy-MM-dd HH:mm:ss'))).toEqual([
      utc('2016-12-31T08:12:00Z'),
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ])
  })

  it('numbers are seconds since the epoch; dates become local midnight', async () => {
    const s = newSession(LA)
    expect(await scalar(s, F.to_timestamp(lit(1460098800)))).toEqual(utc('2016-04-08T07:00:00Z'))
    expect(await scalar(s, F.to_timestamp(lit(1.5)))).toEqual(utc('1970-01-01T00:00:01.500Z'))
    const dates = frame(s, { d: 'date' }, [{ d: utc('2024-03-10T00:00:00Z') }])
    expect(await values(dates, F.to_timestamp('d'))).toEqual([utc('2024-03-10T08:00:00Z')])
  })

  it('gap and overlap at daylight-saving changes follow java.time', async () => {
    const df = stringsIn({ [TZ]: 'America/New_York' }, ['2024-03-10 02:30:00', '2024-11-03 01:30:00'])
    // 02:30 does not exist (moves forward to 03:30 EDT); 01:30 happens twice (the earlier, EDT, wins).
    expect(await values(df, F.to_timestamp('s'))).toEqual([
      utc('2024-03-10T07:30:00Z'),
      utc('2024-11-03T05:30:00Z'),
    ])
  })

  it('doc: to_date("2009-07-30 04:17:52") and to_date("2016-12-31", "yyyy-MM-dd")', async () => {
    const df = stringsIn(LA, ['2009-07-30 04:17:52', '2016-12-31', '2016-1-5', 'x', null])
    expect(await values(df, F.to_date('s'))).toEqual([
      utc('2009-07-30T00:00:00Z'),
      utc('2016-12-31T00:00:00Z'),
      utc('2016-01-05T00:00:00Z'),
      null,
      null,
    ])
    const patterned = stringsIn(LA, ['2009-07-30 04:17:52', '2016-12-31', 'x', null])
    expect(await values(patterned, F.to_date('s', 'yyyy-MM-dd'))).toEqual([
      null,
      utc('2016-12-31T00:00:00Z'),
      null,
      null,
    ])
    expect(typeOf(df, F.to_date('s'))).toBe('date')
  })

  it('to_date of a timestamp is its local date in the session zone', async () => {
    const rows = ['2024-01-01T03:00:00Z', '2024-01-01T12:00:00Z']
    expect(await values(timestampsIn({ [TZ]: 'America/New_York' }, rows), F.to_date('t'))).toEqual([
      utc('2023-12-31T00:00:00Z'),
      utc('2024-01-01T00:00:00Z'),
    ])
    expect(await values(timestampsIn({}, rows), F.to_date('t'))).toEqual([
      utc('2024-01-01T00:00:00Z'),
      utc('2024-01-01T00:00:00Z'),
    ])
  })
})

describe('datetime patterns', () => {
  it('parse strictly, as Spark 3 does: two letters take two digits, the whole text must match', async () => {
    const df = stringsIn({}, ['2016-1-5', '2016-01-05', '2016-01-05 ', '2016-02-30'])
    expect(await values(df, F.to_timestamp('s', 'yyyy-MM-dd'))).toEqual([
      null,
      utc('2016-01-05T00:00:00Z'),
      null,
      null,
    ])
    expect(await values(df, F.to_timestamp('s', 'yyyy-M-d'))).toEqual([
      utc('2016-01-05T00:00:00Z'),
      utc('2016-01-05T00:00:00Z'),
      null,
      null,
    ])
  })

  it('parse compact, 12-hour, month-name, fraction, offset and day-of-year forms', async () => {
    const s = newSession({ [TZ]: 'America/New_York' })
    const p = (text: string, pattern: string) => scalar(s, F.to_timestamp(lit(text) as never, pattern))
    expect(await p('20240105103000', 'yyyyMMddHHmmss')).toEqual(utc('2024-01-05T15:30:00Z'))
    expect(await p('05/01/2024 10:15 PM', 'dd/MM/yyyy hh:mm a')).toEqual(utc('2024-01-06T03:15:00Z'))
    expect(await p('05/01/2024 12:15 am', 'dd/MM/yyyy hh:mm a')).toEqual(utc('2024-01-05T05:15:00Z'))
    expect(await p('jan 5, 2024', 'MMM d, yyyy')).toEqual(utc('2024-01-05T05:00:00Z'))
    expect(await p('September 30 24', 'MMMM d yy')).toEqual(utc('2024-09-30T04:00:00Z'))
    expect(await p('2024-01-01 10:00:00.123456', 'yyyy-MM-dd HH:mm:ss.SSSSSS')).toEqual(
      utc('2024-01-01T15:00:00.123Z'),
    )
    expect(await p('2024-01-01T10:00:00Z', "yyyy-MM-dd'T'HH:mm:ssXXX")).toEqual(utc('2024-01-01T10:00:00Z'))
    expect(await p('2024-01-01T10:00:00+02:00', "yyyy-MM-dd'T'HH:mm:ssXXX")).toEqual(
      utc('2024-01-01T08:00:00Z'),
    )
    expect(await p('2024-01-01 10:00 -0130', 'yyyy-MM-dd HH:mm Z')).toEqual(utc('2024-01-01T11:30:00Z'))
    expect(await p('2024-01-01 10:00 Europe/Paris', 'yyyy-MM-dd HH:mm VV')).toEqual(
      utc('2024-01-01T09:00:00Z'),
    )
    expect(await p('2024-060', 'yyyy-DDD')).toEqual(utc('2024-02-29T05:00:00Z'))
    expect(await p("10 o'clock", "HH 'o''clock'")).toEqual(utc('1970-01-01T15:00:00Z'))
    // Optional sections, as in Spark's own JSON default yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX].
    const iso = "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]"
    expect(await p('2024-01-01T10:00:00', iso)).toEqual(utc('2024-01-01T15:00:00Z'))
    expect(await p('2024-01-01T10:00:00.250+02:00', iso)).toEqual(utc('2024-01-01T08:00:00.250Z'))
    expect(await p('2024-01-01T10:00:00Z', iso)).toEqual(utc('2024-01-01T10:00:00Z'))
    expect(await p('2024-01-01T10:00:00.25', iso)).toBe(null)
    expect(await p('2024-01-01', 'yyyy-MM-dd[ HH:mm[:ss]]')).toEqual(utc('2024-01-01T05:00:00Z'))
    expect(await p('2024-01-01 10:30', 'yyyy-MM-dd[ HH:mm[:ss]]')).toEqual(utc('2024-01-01T15:30:00Z'))
  })

  it('format every field the way java.time does', async () => {
    const t = ['2024-01-01T15:30:05.007Z']
    const kolkata = timestampsIn({ [TZ]: 'Asia/Kolkata' }, t)
    const f = async (pattern: string) => (await values(kolkata, F.date_format('t', pattern)))[0]
    const expected: Record<string, string> = {
      yy: '24',
      y: '2024',
      MMMM: 'January',
      MMM: 'Jan',
      M: '1',
      EEEE: 'Monday',
      E: 'Mon',
      k: '21',
      K: '9',
      'hh a': '09 PM',
      G: 'AD',
      QQQ: 'Q1',
      Z: '+0530',
      ZZZZ: 'GMT+05:30',
      ZZZZZ: '+05:30',
      O: 'GMT+5:30',
      OOOO: 'GMT+05:30',
      xxx: '+05:30',
      X: '+0530',
      VV: 'Asia/Kolkata',
      D: '1',
      DDD: '001',
      'ss.SSS': '05.007',
      S: '0',
      "h 'o''clock' a": "9 o'clock PM",
    }
    for (const [pattern, text] of Object.entries(expected))
      expect([pattern, await f(pattern)]).toEqual([pattern, text])
    expect(await f("yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]")).toBe('2024-01-01T21:00:05.007+05:30')
    const inUtc = timestampsIn({}, t)
    expect(await values(inUtc, F.date_format('t', 'X|xx|Z|ZZZZ|ZZZZZ'))).toEqual(['Z|+0000|+0000|GMT|Z'])
  })
})

describe('fields', () => {
  it('doc: year, month, dayofmonth, dayofweek of strings', async () => {
    const df = stringsIn({}, ['2016-07-30', '2009-07-30', null])
    expect(await values(df, F.year('s'))).toEqual([2016, 2009, null])
    expect(await values(df, F.month('s'))).toEqual([7, 7, null])
    expect(await values(df, F.dayofmonth('s'))).toEqual([30, 30, null])
    // 2009-07-30 was a Thursday: 5 with Sunday = 1.
    expect(await values(df, F.dayofweek('s'))).toEqual([7, 5, null])
    expect(typeOf(df, F.year('s'))).toBe('int')
  })

  it('doc: hour, minute, second of "2009-07-30 12:58:59"', async () => {
    const df = stringsIn({}, ['2009-07-30 12:58:59'])
    expect(await values(df, F.hour('s'))).toEqual([12])
    expect(await values(df, F.minute('s'))).toEqual([58])
    expect(await values(df, F.second('s'))).toEqual([59])
  })

  it('are read in the session time zone, across daylight-saving changes', async () => {
    const rows = [
      '2024-03-10T06:59:59Z',
      '2024-03-10T07:00:00Z',
      '2024-01-01T04:59:59.999Z',
      '1969-12-31T23:59:59Z',
      null,
    ]
    const ny = timestampsIn({ [TZ]: 'America/New_York' }, rows)
    expect(await values(ny, F.hour('t'))).toEqual([1, 3, 23, 18, null])
    expect(await values(ny, F.dayofmonth('t'))).toEqual([10, 10, 31, 31, null])
    expect(await values(ny, F.year('t'))).toEqual([2024, 2024, 2023, 1969, null])
    const u = timestampsIn({}, rows)
    expect(await values(u, F.hour('t'))).toEqual([6, 7, 4, 23, null])
    expect(await values(u, F.second('t'))).toEqual([59, 0, 59, 59, null])
    const kolkata = timestampsIn({ [TZ]: 'Asia/Kolkata' }, rows)
    expect(await values(kolkata, F.minute('t'))).toEqual([29, 30, 29, 29, null])
    const offset = timestampsIn({ [TZ]: '+05:45' }, rows)
    expect(await values(offset, F.minute('t'))).toEqual([44, 45, 44, 44, null])
  })

  it('a date has its own fields whatever the zone, and midnight for hour', async () => {
    const df = frame(newSession({ [TZ]: 'Pacific/Kiritimati' }), { d: 'date' }, [
      { d: utc('2000-02-29T00:00:00Z') },
    ])
    expect(await values(df, F.dayofmonth('d'))).toEqual([29])
    expect(await values(df, F.dayofweek('d'))).toEqual([3])
    expect(await values(df, F.hour('d'))).toEqual([0])
  })
})

describe('formatting and epoch seconds', () => {
  it('doc: date_format("2016-04-08", "y") = "2016"', async () => {
    expect(await values(stringsIn({}, ['2016-04-08']), F.date_format('s', 'y'))).toEqual(['2016'])
  })

  it('date_format writes in the session zone', async () => {
    const rows = ['2024-01-01T10:00:00.123Z', null]
    expect(await values(timestampsIn({}, rows), F.date_format('t', 'yyyy-MM-dd HH:mm:ss.SSS'))).toEqual([
      '2024-01-01 10:00:00.123',
      null,
    ])
    expect(
      await values(
        timestampsIn({ [TZ]: 'Asia/Kolkata' }, rows),
        F.date_format('t', "yyyy-MM-dd'T'HH:mm XXX"),
      ),
    ).toEqual(['2024-01-01T15:30 +05:30', null])
    expect(await values(timestampsIn({}, rows), F.date_format('t', 'EEE, d MMM yyyy hh:mm a'))).toEqual([
      'Mon, 1 Jan 2024 10:00 AM',
      null,
    ])
  })

  it('refuses datetime patterns Spark refuses, naming the letter', async () => {
    const df = timestampsIn({}, ['2024-01-01T00:00:00Z'])
    expect(await errorOf(df, F.date_format('t', 'yyyy-MM-ddTHH'))).toBe(
      "INVALID_PARAMETER_VALUE.DATETIME_PATTERN: date_format cannot use the datetime pattern 'yyyy-MM-ddTHH': 'T' is not a pattern letter. See Spark's datetime pattern reference; quote literal text with '...'.",
    )
    expect(await errorOf(df, F.date_format('t', 'YYYY-ww'))).toMatch(
      /week-based pattern letters are unsupported since Spark 3\.0, detected 'Y'/,
    )
    expect(await errorOf(df, F.to_timestamp('t', 'EEE yyyy'))).toMatch(
      /'E' can be used to format but not to parse/,
    )
  })

  it('doc: unix_timestamp("2016-04-08", "yyyy-MM-dd") = 1460098800 in Los Angeles', async () => {
    expect(
      await values(stringsIn(LA, ['2016-04-08', 'x', null]), F.unix_timestamp('s', 'yyyy-MM-dd')),
    ).toEqual([1460098800, null, null])
    expect(await values(stringsIn({}, ['2016-04-08 00:00:01']), F.unix_timestamp('s'))).toEqual([1460073601])
    const ts = timestampsIn({}, ['1969-12-31T23:59:59.500Z'])
    expect(await values(ts, F.unix_timestamp('t'))).toEqual([-1])
    expect(typeOf(ts, F.unix_timestamp('t'))).toBe('long')
  })

  it('doc: from_unixtime(0, "yyyy-MM-dd HH:mm:ss") = "1969-12-31 16:00:00" in Los Angeles', async () => {
    const df = frame(newSession(LA), { n: { type: 'long', nullable: true } }, [{ n: 0 }, { n: null }])
    expect(await values(df, F.from_unixtime('n'))).toEqual(['1969-12-31 16:00:00', null])
    expect(await values(df, F.from_unixtime('n', 'yyyy'))).toEqual(['1969', null])
  })

  it('unix_timestamp() and current_timestamp() agree within one query', async () => {
    const s = newSession()
    const df = s.range(3)
    const rows = (await df
      .select(F.current_timestamp().alias('ts'), F.unix_timestamp().alias('u'), F.current_date().alias('d'))
      .collect()) as { ts: Date; u: number; d: Date }[]
    expect(new Set(rows.map((r) => r.ts.getTime())).size).toBe(1)
    expect(rows[0].u).toBe(Math.floor(rows[0].ts.getTime() / 1000))
    expect(rows[0].d.toISOString().slice(0, 10)).toBe(rows[0].ts.toISOString().slice(0, 10))
  })
})

describe('date arithmetic and truncation', () => {
  it('doc: date_add("2016-07-30", 1) and datediff', async () => {
    const df = frame(newSession(), { a: 'string', b: 'string' }, [
      { a: '2009-07-31', b: '2009-07-30' },
      { a: '2016-02-28', b: '2016-03-01' },
    ])
    expect(await values(df, F.date_add('a', 1))).toEqual([
      utc('2009-08-01T00:00:00Z'),
      utc('2016-02-29T00:00:00Z'),
    ])
    expect(await values(df, F.date_add('a', -31))).toEqual([
      utc('2009-06-30T00:00:00Z'),
      utc('2016-01-28T00:00:00Z'),
    ])
    expect(await values(df, F.datediff('a', 'b'))).toEqual([1, -2])
    expect(await values(df, F.datediff('b', 'a'))).toEqual([-1, 2])
    expect(typeOf(df, F.datediff('a', 'b'))).toBe('int')
    expect(typeOf(df, F.date_add('a', 1))).toBe('date')
    expect(await scalar(newSession(), F.date_add(lit('2016-07-30') as never, 1))).toEqual(
      utc('2016-07-31T00:00:00Z'),
    )
  })

  it('datediff of timestamps counts local dates', async () => {
    const df = frame(newSession({ [TZ]: 'America/New_York' }), { a: 'timestamp', b: 'timestamp' }, [
      { a: utc('2024-01-02T04:00:00Z'), b: utc('2024-01-01T06:00:00Z') },
    ])
    // Local dates 2024-01-01 (23:00) and 2024-01-01 (01:00).
    expect(await values(df, F.datediff('a', 'b'))).toEqual([0])
  })

  it('doc: date_trunc of "2015-03-05T09:32:05.359"', async () => {
    const df = stringsIn({}, ['2015-03-05T09:32:05.359'])
    const trunc = (unit: string) => values(df, F.date_trunc(unit, 's'))
    expect(await trunc('YEAR')).toEqual([utc('2015-01-01T00:00:00Z')])
    expect(await trunc('MM')).toEqual([utc('2015-03-01T00:00:00Z')])
    expect(await trunc('DD')).toEqual([utc('2015-03-05T00:00:00Z')])
    expect(await trunc('HOUR')).toEqual([utc('2015-03-05T09:00:00Z')])
    expect(await trunc('minute')).toEqual([utc('2015-03-05T09:32:00Z')])
    expect(await trunc('second')).toEqual([utc('2015-03-05T09:32:05Z')])
    expect(await trunc('millisecond')).toEqual([utc('2015-03-05T09:32:05.359Z')])
    expect(await trunc('week')).toEqual([utc('2015-03-02T00:00:00Z')])
    expect(await trunc('quarter')).toEqual([utc('2015-01-01T00:00:00Z')])
    expect(typeOf(df, F.date_trunc('day', 's'))).toBe('timestamp')
  })

  it('date_trunc works in the session zone, keeping the offset through a repeated hour', async () => {
    const df = timestampsIn({ [TZ]: 'America/New_York' }, [
      '2024-11-03T06:30:00Z', // 01:30 EST, the second 01:30 of the night
      '2024-11-03T05:30:00Z', // 01:30 EDT, the first
      '2024-03-10T12:00:00Z',
    ])
    expect(await values(df, F.date_trunc('hour', 't'))).toEqual([
      utc('2024-11-03T06:00:00Z'),
      utc('2024-11-03T05:00:00Z'),
      utc('2024-03-10T12:00:00Z'),
    ])
    expect(await values(df, F.date_trunc('day', 't'))).toEqual([
      utc('2024-11-03T04:00:00Z'),
      utc('2024-11-03T04:00:00Z'),
      utc('2024-03-10T05:00:00Z'),
    ])
    expect(await values(df, F.date_trunc('month', 't'))).toEqual([
      utc('2024-11-01T04:00:00Z'),
      utc('2024-11-01T04:00:00Z'),
      utc('2024-03-01T05:00:00Z'),
    ])
  })

  it('a unit date_trunc does not know is an error when literal, null when it comes from a column', async () => {
    const df = frame(newSession(), { t: 'timestamp', u: 'string' }, [
      { t: utc('2024-05-05T05:05:05Z'), u: 'days' },
    ])
    expect(await errorOf(df, F.date_trunc('days', 't'))).toMatch(
      /^INVALID_PARAMETER_VALUE: date_trunc does not know the unit 'days'/,
    )
    expect(await values(df, call('date_trunc', col('u'), col('t')))).toEqual([null])
  })
})

describe('errors', () => {
  it('type errors say what to do', async () => {
    const df = frame(newSession(), { n: 'int' }, [{ n: 1 }])
    expect(await errorOf(df, F.year(col('n') as never))).toBe(
      "DATATYPE_MISMATCH: the first argument of year must be a timestamp, a date or a string, but n is int. Convert it with .cast('timestamp') or to_timestamp(col, pattern).",
    )
    expect(await errorOf(df, F.from_unixtime(lit('x') as never))).toMatch(
      /^DATATYPE_MISMATCH: the first argument of from_unixtime must be a number/,
    )
  })

  it('an unknown session time zone is named', async () => {
    const df = timestampsIn({ [TZ]: 'Mars/Olympus' }, ['2024-01-01T00:00:00Z'])
    expect(await errorOf(df, F.hour('t'))).toBe(
      "INVALID_CONF_VALUE: tributary.sql.session.timeZone is 'Mars/Olympus', which is not a time zone. Use an IANA name such as 'America/New_York', 'UTC', or an offset such as '+02:00'.",
    )
  })
})

describe('current_timestamp in a stream', () => {
  const ids = schema({ id: 'long' })

  it('is one value per micro-batch: the batch timestamp of the offset log, again on replay', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const input = new MemoryStream(session, ids)
    const seen: { batchId: number; ts: number[]; unix: number[]; dates: string[] }[] = []
    const start = (clock: ManualClock) =>
      input
        .toDF()
        .select(
          'id',
          F.current_timestamp().alias('ts'),
          F.unix_timestamp().alias('u'),
          F.current_date().alias('d'),
        )
        .writeStream.option('checkpointLocation', checkpoint)
        .clock(clock)
        .foreachBatch(async (df, batchId) => {
          const rows = (await df.collect()) as { ts: Date; u: number; d: Date }[]
          seen.push({
            batchId,
            ts: rows.map((r) => r.ts.getTime()),
            unix: rows.map((r) => r.u),
            dates: rows.map((r) => r.d.toISOString()),
          })
        })
        .start()
    const logged = (n: number): number =>
      JSON.parse(readFileSync(path.join(checkpoint, 'offsets', String(n)), 'utf8').split('\n')[1])
        .batchTimestampMs

    const clock = new ManualClock(1_700_000_000_123)
    const q1 = await start(clock)
    input.addData([{ id: 1 }, { id: 2 }, { id: 3 }])
    await q1.processAllAvailable()
    clock.advance(86_400_000)
    input.addData([{ id: 4 }, { id: 5 }])
    await q1.processAllAvailable()
    await q1.stop()

    expect(seen[0].ts).toEqual([1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_123])
    expect(seen[0].ts[0]).toBe(logged(0))
    expect(seen[0].unix).toEqual([1_700_000_000, 1_700_000_000, 1_700_000_000])
    expect(seen[0].dates[0]).toBe('2023-11-14T00:00:00.000Z')
    expect(seen[1].ts).toEqual([logged(1), logged(1)])
    expect(logged(1)).toBe(1_700_086_400_123)

    // A crash between the sink write and commits/1: the restarted query replays batch 1
    // with its recorded timestamp, though its clock now reads a year later.
    rmSync(path.join(checkpoint, 'commits', '1'))
    const q2 = await start(new ManualClock(1_731_536_000_000))
    await q2.processAllAvailable()
    await q2.stop()
    expect(seen.map((s) => s.batchId)).toEqual([0, 1, 1])
    expect(seen[2]).toEqual(seen[1])
  })

  it('is the same for every row written to the memory sink', async () => {
    const session = newSession()
    const input = new MemoryStream(session, ids)
    const q = await input
      .toDF()
      .select('id', F.current_timestamp().alias('ts'))
      .writeStream.format('memory')
      .queryName('now')
      .clock(new ManualClock(42_000))
      .start()
    input.addData(Array.from({ length: 100 }, (_, id) => ({ id })))
    await q.processAllAvailable()
    await q.stop()
    const rows = (await session.table('now').collect()) as { ts: Date }[]
    expect(rows).toHaveLength(100)
    expect(new Set(rows.map((r) => r.ts.getTime()))).toEqual(new Set([42_000]))
  })
})

describe('date patterns of date fields only', () => {
  it('give, row after row, the text a fresh formatter gives (the per-day memo)', async () => {
    const { compileDateTimePattern } = await import('../../src/expr/functions/datetime-pattern.js')
    const { sessionZone } = await import('../../src/expr/functions/zones.js')
    const fc = (await import('fast-check')).default
    const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']
    const patterns = ['yyyy-MM-dd', 'EEE d MMM yyyy', "D 'day' G", 'yyyy-MM-dd HH:mm']
    // Times around DST changes and day boundaries, in runs that stay within a day and jump.
    const start = Date.UTC(2026, 2, 6)
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 * 86_400_000 }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(...zones),
        fc.constantFrom(...patterns),
        (offsets, zoneId, pattern) => {
          const zone = sessionZone(zoneId)
          const shared = compileDateTimePattern(pattern, 'date_format', false)
          for (const o of [...offsets].sort((a, b) => a - b).concat(offsets)) {
            const fresh = compileDateTimePattern(pattern, 'date_format', false)
            expect(shared.format(start + o, zone)).toBe(fresh.format(start + o, zone))
          }
        },
      ),
    )
  })
})
