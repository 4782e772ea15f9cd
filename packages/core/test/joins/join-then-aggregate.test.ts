/**
 * Joins compose with a stateful operator after them (Spark 3.4+ allows several stateful
 * operators in append mode). The aggregation after a stream-stream join runs with the
 * join's output watermark: the previous batch's watermark lowered by how far back the
 * join's state reaches, so rows the join emits late (outer rows, pairs with old stored
 * rows) are not dropped, and windows close once no joined row can fall into them.
 */
import { describe, expect, it } from 'vitest'
import {
  AddData,
  AssertOnQuery,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, type Session, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const at = (hhmm: string) => new Date(`2026-05-01T${hhmm}:00Z`)
const hour = (from: string, to: string) => ({ start: at(from), end: at(to) })

function streams(session: Session) {
  const impressions = new MemoryStream(
    session,
    schema({ impressionAdId: 'string', impressionTime: 'timestamp' }),
  )
  const clicks = new MemoryStream(session, schema({ clickAdId: 'string', clickTime: 'timestamp' }))
  return { impressions, clicks }
}

describe('a windowed aggregation after a stream-stream join', () => {
  it('counts impressions and clicks per hour in append mode, outer rows included', async () => {
    const session = newSession()
    const { impressions, clicks } = streams(session)
    const perHour = impressions
      .toDF()
      .withWatermark('impressionTime', '10 minutes')
      .join(
        clicks.toDF().withWatermark('clickTime', '10 minutes'),
        col('clickAdId')
          .eq(col('impressionAdId'))
          .and(
            col('clickTime').between(
              col('impressionTime'),
              col('impressionTime').plus(F.interval('30 minutes')),
            ),
          ),
        'left',
      )
      .groupBy(F.window(col('impressionTime'), '1 hour'))
      .agg(count().alias('impressions'), count('clickTime').alias('clicks'))
    expect(perHour.explain()).toMatch(
      /JoinOutputWatermark previous batch's watermark - 1800001 ms\n\+- StreamingAggregate/,
    )
    await testStream(
      perHour,
      { outputMode: 'append' },
      AddData(
        impressions,
        { impressionAdId: 'a', impressionTime: at('10:00') },
        { impressionAdId: 'b', impressionTime: at('10:50') },
      ),
      AddData(clicks, { clickAdId: 'a', clickTime: at('10:20') }),
      CheckNewAnswer(),
      StopStream,
      StartStream(),
      // Watermark 11:50. b (10:50) is final only at 11:20 and is emitted by the join then, with
      // an impression time below the query's watermark: the aggregation still counts it.
      AddData(impressions, { impressionAdId: 'z', impressionTime: at('12:00') }),
      AddData(clicks, { clickAdId: 'z', clickTime: at('12:00') }),
      CheckNewAnswer({ window: hour('10:00', '11:00'), impressions: 2, clicks: 1 }),
      AssertOnQuery(
        (q) => q.lastProgress?.stateOperators.map((o) => o.numRowsDroppedByWatermark).join() === '0,0',
        'nothing dropped as late',
      ),
      // Watermark min(13:45, 13:50) - 10 minutes = 13:35; the aggregation's, 13:05, closes 12:00-13:00.
      AddData(impressions, { impressionAdId: 'y', impressionTime: at('13:45') }),
      AddData(clicks, { clickAdId: 'y', clickTime: at('13:50') }),
      CheckNewAnswer({ window: hour('12:00', '13:00'), impressions: 1, clicks: 1 }),
    )
  })

  it('gives the batch answer for every window it closes (inner join, then count per ad and hour)', async () => {
    const session = newSession()
    const { impressions, clicks } = streams(session)
    const build = (i: typeof impressionsDf, c: typeof clicksDf) =>
      i
        .join(
          c,
          col('clickAdId')
            .eq(col('impressionAdId'))
            .and(
              col('clickTime').between(
                col('impressionTime'),
                col('impressionTime').plus(F.interval('1 hour')),
              ),
            ),
        )
        .groupBy(F.window(col('clickTime'), '1 hour'), 'impressionAdId')
        .agg(count().alias('clicks'))
    const impressionsDf = impressions.toDF().withWatermark('impressionTime', '15 minutes')
    const clicksDf = clicks.toDF().withWatermark('clickTime', '15 minutes')
    const shown = ['09:00', '09:10', '09:40', '10:05', '10:30', '11:00'].map((t, i) => ({
      impressionAdId: `ad${i % 3}`,
      impressionTime: at(t),
    }))
    const clicked = ['09:20', '09:50', '10:10', '10:20', '10:40', '11:30', '11:50'].map((t, i) => ({
      clickAdId: `ad${i % 3}`,
      clickTime: at(t),
    }))
    const q = await build(impressionsDf, clicksDf)
      .writeStream.format('memory')
      .queryName('clicks_per_hour')
      .start()
    for (let i = 0; i < 7; i++) {
      if (shown[i]) impressions.addData([shown[i]])
      clicks.addData([clicked[i]])
      await q.processAllAvailable()
    }
    // Far-away rows move the watermark past every window above.
    impressions.addData([{ impressionAdId: 'end', impressionTime: at('20:00') }])
    clicks.addData([{ clickAdId: 'end', clickTime: at('20:00') }])
    await q.processAllAvailable()
    await q.stop()
    const streamed = await session.table('clicks_per_hour').collect()
    const batch = await build(
      session.createDataFrame(shown, impressions.schema),
      session.createDataFrame(clicked, clicks.schema),
    ).collect()
    const key = (r: Record<string, unknown>) => JSON.stringify(r)
    expect(streamed.map(key).sort()).toEqual(batch.map((r) => key(r as Record<string, unknown>)).sort())
  })

  it('refuses an append-mode aggregation after a join whose state nothing bounds', async () => {
    const session = newSession()
    const { impressions, clicks } = streams(session)
    const unbounded = impressions
      .toDF()
      .withWatermark('impressionTime', '10 minutes')
      .join(
        clicks.toDF().withWatermark('clickTime', '10 minutes'),
        col('clickAdId').eq(col('impressionAdId')),
      )
      .groupBy(F.window(col('impressionTime'), '1 hour'))
      .count()
    await expect(unbounded.writeStream.format('memory').queryName('u').start()).rejects.toThrow(
      /STREAMING_AGGREGATION_AFTER_UNBOUNDED_JOIN: .*time range/,
    )
  })

  it('deduplicates the output of a join with the join’s watermark', async () => {
    const session = newSession()
    const { impressions, clicks } = streams(session)
    const firstClicks = impressions
      .toDF()
      .withWatermark('impressionTime', '10 minutes')
      .join(
        clicks.toDF().withWatermark('clickTime', '10 minutes'),
        col('clickAdId')
          .eq(col('impressionAdId'))
          .and(
            col('clickTime').between(
              col('impressionTime'),
              col('impressionTime').plus(F.interval('30 minutes')),
            ),
          ),
      )
      .dropDuplicates(['impressionAdId', 'impressionTime'])
      .select('impressionAdId', 'clickTime')
    expect(firstClicks.explain()).toMatch(/JoinOutputWatermark .*\n\s*\+- StreamingDeduplicate/)
    await testStream(
      firstClicks,
      { outputMode: 'append' },
      AddData(impressions, { impressionAdId: 'a', impressionTime: at('10:00') }),
      AddData(clicks, { clickAdId: 'a', clickTime: at('10:05') }, { clickAdId: 'a', clickTime: at('10:06') }),
      CheckNewAnswer({ impressionAdId: 'a', clickTime: at('10:05') }),
      AddData(clicks, { clickAdId: 'a', clickTime: at('10:20') }),
      CheckNewAnswer(),
    )
  })
})
