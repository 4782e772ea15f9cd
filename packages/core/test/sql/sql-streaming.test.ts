/**
 * session.sql over streaming views: watermarks set on the DataFrame carry into the view,
 * windowed aggregations and time-bounded joins run as the fluent queries do (same plan),
 * restart from their checkpoints, and batch-only clauses fail with the fluent API's errors.
 */
import { describe, expect, it } from 'vitest'
import { col, type DataFrame, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const at = (hhmm: string) => new Date(`2026-04-01T${hhmm}:00Z`)
const eventSchema = schema({ user: 'string', ts: 'timestamp', amount: 'double' })
const ev = (user: string, hhmm: string, amount = 1) => ({ user, ts: at(hhmm), amount })

const quietExplain = (df: { explain(extended?: boolean): string }): string => {
  const log = console.log
  console.log = () => {}
  try {
    return df.explain(true)
  } finally {
    console.log = log
  }
}

async function runToMemory(
  df: DataFrame,
  name: string,
  checkpoint: string,
  mode: 'append' | 'update' | 'complete',
) {
  return df.writeStream
    .format('memory')
    .queryName(name)
    .outputMode(mode)
    .option('checkpointLocation', checkpoint)
    .start()
}

const windowSql = `
  SELECT window(ts, '10 minutes') AS w, user, count(*) AS n, sum(amount) AS total
  FROM events
  GROUP BY window(ts, '10 minutes'), user`

describe('streaming queries through session.sql', () => {
  it('a windowed count over a watermarked view: the fluent plan, appended as the watermark passes, resumed from the checkpoint', async () => {
    const session = newSession()
    const input = new MemoryStream(session, eventSchema)
    const events = input.toDF().withWatermark('ts', '5 minutes')
    events.createOrReplaceTempView('events')
    const bySql = session.sql(windowSql)
    expect(bySql.isStreaming).toBe(true)
    const fluent = events
      .groupBy(F.window('ts', '10 minutes').alias('w'), 'user')
      .agg(F.count().alias('n'), F.sum('amount').alias('total'))
    expect(quietExplain(bySql)).toBe(quietExplain(fluent))
    expect(bySql.plan).toEqual(fluent.plan)

    const checkpoint = tempDir()
    let q = await runToMemory(bySql, 'windows', checkpoint, 'append')
    input.addData([ev('ann', '12:01', 2), ev('bob', '12:02'), ev('ann', '12:08', 3)])
    await q.processAllAvailable()
    expect(await session.table('windows').count()).toBe(0)
    input.addData([ev('ann', '12:16')])
    await q.processAllAvailable()
    // The watermark (12:11) passed the end of [12:00, 12:10) in the batch before this one.
    input.addData([ev('bob', '12:17')])
    await q.processAllAvailable()
    await q.stop()
    const first = await session.table('windows').collect()
    expect(first.map((r) => [r.user, r.n, r.total]).sort()).toEqual([
      ['ann', 2, 5],
      ['bob', 1, 1],
    ])

    // A new query from the same SQL text continues from the checkpoint: no window twice.
    const again = session.sql(windowSql)
    q = await runToMemory(again, 'windows', checkpoint, 'append')
    input.addData([ev('ann', '12:40')])
    await q.processAllAvailable()
    input.addData([ev('ann', '12:41')])
    await q.processAllAvailable()
    await q.stop()
    const all = await session.table('windows').collect()
    expect(
      all.map((r) => [r.user, (r.w as { start: Date }).start.toISOString().slice(11, 16), r.n]).sort(),
    ).toEqual([
      ['ann', '12:00', 2],
      ['ann', '12:10', 1],
      ['bob', '12:00', 1],
      ['bob', '12:10', 1],
    ])
  })

  it("Spark's impressions and clicks as SQL: a left outer join with a time range, the fluent join's plan and rows", async () => {
    const session = newSession()
    const impressions = new MemoryStream(session, schema({ adId: 'string', shownAt: 'timestamp' }))
    const clicks = new MemoryStream(session, schema({ clickAdId: 'string', clickedAt: 'timestamp' }))
    impressions.toDF().withWatermark('shownAt', '2 hours').createOrReplaceTempView('impressions')
    clicks.toDF().withWatermark('clickedAt', '3 hours').createOrReplaceTempView('clicks')
    const bySql = session.sql(`
      SELECT i.adId, i.shownAt, c.clickedAt
      FROM impressions i LEFT OUTER JOIN clicks c
        ON c.clickAdId = i.adId
       AND c.clickedAt >= i.shownAt
       AND c.clickedAt <= i.shownAt + INTERVAL 1 HOUR`)
    const fluent = impressions
      .toDF()
      .withWatermark('shownAt', '2 hours')
      .alias('i')
      .join(
        clicks.toDF().withWatermark('clickedAt', '3 hours').alias('c'),
        col('c.clickAdId')
          .eq(col('i.adId'))
          .and(col('c.clickedAt').geq(col('i.shownAt')))
          .and(col('c.clickedAt').leq(col('i.shownAt').plus(F.interval('1 hour')))),
        'left_outer',
      )
      .select('adId', 'shownAt', 'clickedAt')
    expect(quietExplain(bySql)).toBe(quietExplain(fluent))
    const q = await runToMemory(bySql, 'ads', tempDir(), 'append')
    impressions.addData([
      { adId: 'ad1', shownAt: at('12:00') },
      { adId: 'ad2', shownAt: at('12:05') },
    ])
    clicks.addData([{ clickAdId: 'ad1', clickedAt: at('12:30') }])
    await q.processAllAvailable()
    impressions.addData([{ adId: 'late', shownAt: at('18:00') }])
    clicks.addData([{ clickAdId: 'late', clickedAt: at('18:00') }])
    await q.processAllAvailable()
    impressions.addData([{ adId: 'x', shownAt: at('18:01') }])
    await q.processAllAvailable()
    await q.stop()
    const rows = (await session.table('ads').collect()).map((r) => [
      r.adId,
      (r.clickedAt as Date | null)?.toISOString().slice(11, 16) ?? null,
    ])
    expect(rows.sort()).toEqual([
      ['ad1', '12:30'],
      ['ad2', null],
      ['late', '18:00'],
    ])
  })

  it('session_window and the WATERMARK FOR extension build what withWatermark and F.session_window build', () => {
    const session = newSession()
    const input = new MemoryStream(session, eventSchema)
    input.toDF().createOrReplaceTempView('raw')
    const bySql = session.sql(
      "SELECT session_window(ts, '5 minutes'), user, count(*) AS n FROM raw WATERMARK FOR ts AS INTERVAL '10' MINUTES GROUP BY session_window(ts, '5 minutes'), user",
    )
    const fluent = input
      .toDF()
      .withWatermark('ts', '10 minutes')
      .groupBy(F.session_window('ts', '5 minutes'), 'user')
      .agg(F.count().alias('n'))
    expect(quietExplain(bySql)).toBe(quietExplain(fluent))
  })

  it('ORDER BY and LIMIT on a stream fail at start as orderBy() and limit() do', async () => {
    const session = newSession()
    const input = new MemoryStream(session, eventSchema)
    input.toDF().createOrReplaceTempView('events')
    const sqlError = await session
      .sql('SELECT user, amount FROM events ORDER BY amount')
      .writeStream.format('memory')
      .queryName('sorted')
      .start()
      .then(
        () => null,
        (e: Error) => e.message,
      )
    const fluentError = await input
      .toDF()
      .select('user', 'amount')
      .orderBy('amount')
      .writeStream.format('memory')
      .queryName('sorted2')
      .start()
      .then(
        () => null,
        (e: Error) => e.message,
      )
    expect(sqlError).toMatch(/STREAMING_SORT_NOT_SUPPORTED/)
    expect(sqlError).toBe(fluentError)
    await expect(session.sql('SELECT user FROM events LIMIT 5').collect()).rejects.toThrow(
      /STREAMING_QUERY_NEEDS_START|collect/,
    )
  })
})
