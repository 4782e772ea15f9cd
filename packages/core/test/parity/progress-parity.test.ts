/**
 * Progress reports as Spark's: eventTime is empty without a watermark, and with one holds
 * the batch's min, max and average event time (the average truncated to the millisecond,
 * kept as a running mean) and the watermark; with several inputs, the first one's.
 */
import { describe, expect, it } from 'vitest'
import { AddData, AssertOnQuery, CheckAnswer, testStream } from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, type StreamingQuery, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const ints = schema({ value: 'long' })
const iso = (ms: number) => new Date(ms).toISOString()

/** Spark's assertEventStats: the eventTime of the newest batch that had input. */
const eventStats = (check: (e: Readonly<Record<string, string>>) => void) =>
  AssertOnQuery((q: StreamingQuery) => {
    const withInput = q.recentProgress.filter((p) => p.numInputRows > 0)
    check(withInput[withInput.length - 1].eventTime)
    return true
  }, 'event-time statistics')

const stats = (min: number, max: number, avg: number, watermark: number) => ({
  min: iso(min * 1000),
  max: iso(max * 1000),
  avg: iso(avg * 1000),
  watermark: iso(watermark * 1000),
})

describe('progress eventTime', () => {
  it('is empty when the query has no watermark', async () => {
    const session = newSession()
    const input = new MemoryStream(session, ints)
    const counts = input
      .toDF()
      .withColumn('eventTime', col('value').cast('timestamp'))
      .groupBy(F.window(col('eventTime'), '5 seconds').alias('window'))
      .agg(count().alias('count'))
      .select(col('window.start').cast('long').alias('start'), 'count')
    await testStream(
      counts,
      { outputMode: 'complete' },
      AddData(input, { value: 15 }),
      CheckAnswer({ start: 15, count: 1 }),
      eventStats((e) => expect(e).toEqual({})),
    )
  })

  it('holds min, max, avg and the watermark the batch ran with', async () => {
    const session = newSession()
    const input = new MemoryStream(session, ints)
    const counts = input
      .toDF()
      .withColumn('eventTime', col('value').cast('timestamp'))
      .withWatermark('eventTime', '10 seconds')
      .groupBy(F.window(col('eventTime'), '5 seconds').alias('window'))
      .agg(count().alias('count'))
      .select(col('window.start').cast('long').alias('start'), 'count')
    await testStream(
      counts,
      { outputMode: 'append' },
      AddData(input, { value: 15 }),
      CheckAnswer(),
      eventStats((e) => expect(e).toEqual(stats(15, 15, 15, 0))),
      AddData(input, { value: 10 }, { value: 12 }, { value: 14 }),
      CheckAnswer(),
      eventStats((e) => expect(e).toEqual(stats(10, 14, 12, 5))),
      AddData(input, { value: 25 }),
      CheckAnswer({ start: 10, count: 3 }),
      eventStats((e) => expect(e).toEqual(stats(25, 25, 25, 5))),
    )
  })

  it('truncates the average to the millisecond, as Spark does (avg.toLong)', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ t: 'timestamp' }))
    const q = await input
      .toDF()
      .withWatermark('t', '1 second')
      .writeStream.format('memory')
      .queryName('avg_t')
      .start()
    const base = Date.UTC(2026, 11, 7, 12)
    // Mean base + 0.5 ms: Spark reports base, not base + 1.
    input.addData([{ t: new Date(base) }, { t: new Date(base + 1) }])
    await q.processAllAvailable()
    const e = q.recentProgress.filter((p) => p.numInputRows > 0)[0].eventTime
    await q.stop()
    expect(e).toEqual({ min: iso(base), max: iso(base + 1), avg: iso(base), watermark: iso(0) })
  })
})
