/**
 * Intervals as Spark reads them: years and months (31 days, as withWatermark counts them),
 * ANSI quoted literals, in withWatermark, windows, session gaps and join bounds; negative
 * delays refused as negative.
 */
import { describe, expect, it } from 'vitest'
import { AddData, CheckNewAnswer, testStream } from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, parseDuration, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const DAY = 86_400_000

describe('interval syntax', () => {
  it('reads years, months and ANSI literals', () => {
    expect(parseDuration('1 month')).toBe(31 * DAY)
    expect(parseDuration('1 year 2 months')).toBe(14 * 31 * DAY)
    expect(parseDuration("INTERVAL '10' SECOND")).toBe(10_000)
    expect(parseDuration("interval '3:30' minute to second")).toBe(210_000)
    expect(parseDuration("INTERVAL '1 02:03:04.5' DAY TO SECOND")).toBe(
      DAY + 2 * 3_600_000 + 3 * 60_000 + 4500,
    )
    expect(parseDuration("INTERVAL '2:15' HOUR TO MINUTE")).toBe(2 * 3_600_000 + 15 * 60_000)
    expect(parseDuration("INTERVAL '1-2' YEAR TO MONTH")).toBe(14 * 31 * DAY)
    expect(() => parseDuration("INTERVAL '1:2' DAY TO SECOND")).toThrow(
      /does not match DAY HOUR MINUTE SECOND/,
    )
  })

  it('refuses negative delays as negative', () => {
    const s = newSession()
    const df = new MemoryStream(s, schema({ ts: 'timestamp' })).toDF()
    for (const delay of [
      '-10 seconds',
      'interval -10 seconds',
      "INTERVAL '-10' SECOND",
      "INTERVAL -'10' SECOND",
    ])
      expect(() => df.withWatermark('ts', delay)).toThrow(
        /^withWatermark\('ts', .*is negative: a duration must be zero or more/,
      )
    expect(() => df.withWatermark('ts', '1 month')).not.toThrow()
  })

  it('refuses months in window durations, as Spark does', () => {
    const s = newSession()
    const df = s.createDataFrame([{ ts: new Date(0) }], schema({ ts: 'timestamp' }))
    expect(() =>
      df
        .groupBy(F.window(col('ts'), '1 month'))
        .count()
        .explain(),
    ).toThrow(/INVALID_WINDOW.*months or years/)
  })

  it('takes ANSI literals in withWatermark, window() and join bounds', async () => {
    const s = newSession()
    const input = new MemoryStream(s, schema({ ts: 'timestamp' }))
    const sec = (n: number) => new Date(n * 1000)
    const counts = input
      .toDF()
      .withWatermark('ts', "INTERVAL '10' SECOND")
      .groupBy(F.window(col('ts'), "interval '0:05' minute to second").alias('w'))
      .agg(count().alias('n'))
      .select(col('w.start').alias('start'), 'n')
    await testStream(
      counts,
      { outputMode: 'append' },
      AddData(input, { ts: sec(1) }, { ts: sec(4) }),
      CheckNewAnswer(),
      // Watermark 21 - 10 = 11 s closes [0, 5) and [5, 10).
      AddData(input, { ts: sec(21) }),
      CheckNewAnswer({ start: sec(0), n: 2 }),
    )
    const l = new MemoryStream(s, schema({ k: 'long', lt: 'timestamp' }))
    const r = new MemoryStream(s, schema({ k2: 'long', rt: 'timestamp' }))
    const joined = l
      .toDF()
      .withWatermark('lt', "INTERVAL '10' SECOND")
      .join(
        r.toDF().withWatermark('rt', "INTERVAL '10' SECOND"),
        col('k')
          .eq(col('k2'))
          .and(col('rt').between(col('lt'), col('lt').plus(F.interval("INTERVAL '5' SECOND")))),
      )
    expect(joined.explain()).toMatch(/state: left lt <= watermark - 5001 ms, right rt <= watermark - 1 ms/)
  })
})
