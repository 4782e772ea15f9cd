/**
 * Stream-stream joins: Spark's impressions and clicks example, every join type Spark
 * supports between streams, state bounded by watermarks and time ranges or event-time
 * windows, restarts and replays, and the refusals of what cannot be bounded.
 */
import { readdirSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  AddData,
  AssertNumRowsDroppedByWatermark,
  AssertNumStateRows,
  AssertOnQuery,
  CheckAnswer,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, type DataFrame, functions as F, MemoryStream, type Session, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const at = (hhmm: string) => new Date(`2026-04-01T${hhmm}:00Z`)
const impressionSchema = schema({ impressionAdId: 'string', impressionTime: 'timestamp' })
const clickSchema = schema({ clickAdId: 'string', clickTime: 'timestamp' })
const imp = (ad: string, hhmm: string) => ({ impressionAdId: ad, impressionTime: at(hhmm) })
const click = (ad: string, hhmm: string) => ({ clickAdId: ad, clickTime: at(hhmm) })
type Joined = {
  impressionAdId: string | null
  impressionTime: Date | null
  clickAdId: string | null
  clickTime: Date | null
}
const pair = (ad: string, shown: string, clicked: string | null): Joined => ({
  impressionAdId: ad,
  impressionTime: at(shown),
  clickAdId: clicked === null ? null : ad,
  clickTime: clicked === null ? null : at(clicked),
})
const unmatchedClick = (ad: string, clicked: string): Joined => ({
  impressionAdId: null,
  impressionTime: null,
  clickAdId: ad,
  clickTime: at(clicked),
})

/** Spark's guide: impressions with a 2-hour watermark, clicks with 3 hours, a click counts within an hour. */
function adsQuery(
  session: Session,
  how: 'inner' | 'left_outer' | 'right_outer' | 'full_outer' | 'left_semi',
) {
  const impressions = new MemoryStream(session, impressionSchema)
  const clicks = new MemoryStream(session, clickSchema)
  const joined = impressions
    .toDF()
    .withWatermark('impressionTime', '2 hours')
    .join(
      clicks.toDF().withWatermark('clickTime', '3 hours'),
      col('clickAdId')
        .eq(col('impressionAdId'))
        .and(col('clickTime').geq(col('impressionTime')))
        .and(col('clickTime').leq(col('impressionTime').plus(F.interval('1 hour')))),
      how,
    )
  return { impressions, clicks, joined }
}

describe("Spark's impressions and clicks", () => {
  it('inner join: each click within an hour of its impression, once; state evicted by the watermark', async () => {
    const { impressions, clicks, joined } = adsQuery(newSession(), 'inner')
    expect(joined.explain()).toMatch(
      /StreamingSymmetricHashJoin \[impressionAdId\], \[clickAdId\], Inner, .*state: left impressionTime <= watermark - 3600001 ms, right clickTime <= watermark - 1 ms/,
    )
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(impressions, imp('ad1', '12:00'), imp('ad2', '12:05')),
      AddData(clicks, click('ad1', '12:30')),
      CheckNewAnswer(pair('ad1', '12:00', '12:30')),
      // 65 minutes after ad2 was shown: too late to count. A second click on ad1 counts.
      AddData(clicks, click('ad2', '13:10'), click('ad1', '12:45')),
      CheckNewAnswer(pair('ad1', '12:00', '12:45')),
      AssertNumStateRows(5),
      // Watermark min(16:00 - 2h, 16:20 - 3h) = 13:20: impressions up to 12:20 and clicks up to 13:20 go.
      AddData(impressions, imp('ad3', '16:00')),
      AddData(clicks, click('ad3', '16:20')),
      CheckNewAnswer(pair('ad3', '16:00', '16:20')),
      AssertOnQuery(
        (q) => q.lastProgress?.eventTime.watermark === at('13:20').toISOString(),
        'watermark 13:20',
      ),
      AssertNumStateRows(2),
      AssertOnQuery((q) => q.lastProgress?.stateOperators[0].operatorName === 'symmetricHashJoin'),
      // An impression at 11:00 is below the watermark: late, dropped.
      AddData(impressions, imp('ad4', '11:00')),
      CheckNewAnswer(),
      AssertNumRowsDroppedByWatermark(1),
    )
  })

  it('left outer join: an impression without a click comes out once, when the watermark shows no click can come', async () => {
    const { impressions, clicks, joined } = adsQuery(newSession(), 'left_outer')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(impressions, imp('ad1', '12:00'), imp('ad2', '12:05')),
      AddData(clicks, click('ad1', '12:30')),
      CheckNewAnswer(pair('ad1', '12:00', '12:30')),
      // Watermark 12:40 (clicks 15:40 - 3h); ad2 needs 13:05 before it is final.
      AddData(clicks, click('zz', '15:40')),
      AddData(impressions, imp('zz', '15:00')),
      CheckNewAnswer(pair('zz', '15:00', '15:40')),
      StopStream,
      StartStream(),
      // Watermark min(16:10 - 2h, 16:10 - 3h) = 13:10: ad2 has no click and can get none now.
      AddData(impressions, imp('zz', '16:10')),
      AddData(clicks, click('zz', '16:10')),
      CheckNewAnswer(pair('ad2', '12:05', null), pair('zz', '16:10', '16:10')),
      AddData(impressions, imp('yy', '16:30')),
      CheckNewAnswer(),
      // Every impression appears once: ad1 matched, ad2 unmatched, and nothing more.
      CheckAnswer(
        pair('ad1', '12:00', '12:30'),
        pair('zz', '15:00', '15:40'),
        pair('ad2', '12:05', null),
        pair('zz', '16:10', '16:10'),
      ),
    )
  })

  it('right outer join: a click without an impression comes out once the watermark passes it', async () => {
    const { impressions, clicks, joined } = adsQuery(newSession(), 'right_outer')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(clicks, click('ad9', '12:00'), click('ad1', '12:30')),
      AddData(impressions, imp('ad1', '12:10')),
      CheckNewAnswer(pair('ad1', '12:10', '12:30')),
      AddData(impressions, imp('zz', '15:30')),
      AddData(clicks, click('zz', '15:30')),
      // Watermark 12:30: ad9's click (12:00) can no longer meet an impression.
      CheckNewAnswer(unmatchedClick('ad9', '12:00'), pair('zz', '15:30', '15:30')),
    )
  })

  it('full outer join: unmatched rows of both sides, each once', async () => {
    const { impressions, clicks, joined } = adsQuery(newSession(), 'full_outer')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(impressions, imp('ad1', '12:00'), imp('ad2', '12:05')),
      AddData(clicks, click('ad1', '12:30'), click('ad9', '12:40')),
      CheckNewAnswer(pair('ad1', '12:00', '12:30')),
      AddData(impressions, imp('zz', '17:00')),
      AddData(clicks, click('zz', '17:00')),
      CheckNewAnswer(
        pair('ad2', '12:05', null),
        unmatchedClick('ad9', '12:40'),
        pair('zz', '17:00', '17:00'),
      ),
      AssertNumStateRows(2),
    )
  })

  it('left semi join: an impression that got a click, once, however many clicks', async () => {
    const { impressions, clicks, joined } = adsQuery(newSession(), 'left_semi')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(impressions, imp('ad1', '12:00'), imp('ad2', '12:05')),
      AddData(clicks, click('ad1', '12:30')),
      CheckNewAnswer(imp('ad1', '12:00')),
      AddData(clicks, click('ad1', '12:40'), click('ad2', '12:50')),
      CheckNewAnswer(imp('ad2', '12:05')),
      AddData(impressions, imp('ad2', '12:20')),
      CheckNewAnswer(imp('ad2', '12:20')),
    )
  })
})

describe('stream-stream joins on event-time windows and without watermarks', () => {
  it('joins rows of the same event-time window; the window key bounds the state', async () => {
    const session = newSession()
    const temps = new MemoryStream(session, schema({ sensor: 'string', ts: 'timestamp', celsius: 'double' }))
    const hums = new MemoryStream(session, schema({ sensor: 'string', hts: 'timestamp', humidity: 'double' }))
    const t = temps
      .toDF()
      .withWatermark('ts', '10 minutes')
      .select('sensor', F.window(col('ts'), '15 minutes').alias('w'), 'celsius', 'ts')
    const h = hums
      .toDF()
      .withWatermark('hts', '10 minutes')
      .select('sensor', F.window(col('hts'), '15 minutes').alias('w'), 'humidity', 'hts')
    const joined = t.join(h, ['sensor', 'w'], 'left').select('sensor', 'w', 'celsius', 'humidity')
    expect(joined.explain()).toMatch(/state: left key w <= watermark, right key w <= watermark/)
    const w = (from: string, to: string) => ({ start: at(from), end: at(to) })
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(
        temps,
        { sensor: 's1', ts: at('10:01'), celsius: 20 },
        { sensor: 's2', ts: at('10:02'), celsius: 25 },
      ),
      AddData(hums, { sensor: 's1', hts: at('10:14'), humidity: 50 }),
      CheckNewAnswer({ sensor: 's1', w: w('10:00', '10:15'), celsius: 20, humidity: 50 }),
      AddData(temps, { sensor: 's1', ts: at('10:40'), celsius: 21 }),
      AddData(hums, { sensor: 's1', hts: at('10:40'), humidity: 51 }),
      // Watermark 10:30 closes 10:00-10:15: s2 had no humidity in it.
      CheckNewAnswer(
        { sensor: 's1', w: w('10:30', '10:45'), celsius: 21, humidity: 51 },
        { sensor: 's2', w: w('10:00', '10:15'), celsius: 25, humidity: null },
      ),
      AssertNumStateRows(2),
    )
  })

  it('an inner join without watermarks keeps every row: its state grows with the streams', async () => {
    const session = newSession()
    const a = new MemoryStream(session, schema({ k: 'long', a: 'string' }))
    const b = new MemoryStream(session, schema({ k: 'long', b: 'string' }))
    const joined = a.toDF().join(b.toDF(), 'k')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(a, { k: 1, a: 'x' }, { k: 2, a: 'y' }),
      AddData(b, { k: 1, b: 'p' }),
      CheckNewAnswer({ k: 1, a: 'x', b: 'p' }),
      AddData(b, { k: 2, b: 'q' }, { k: 1, b: 'r' }),
      CheckNewAnswer({ k: 2, a: 'y', b: 'q' }, { k: 1, a: 'x', b: 'r' }),
      AddData(a, { k: 1, a: 'z' }),
      CheckNewAnswer({ k: 1, a: 'z', b: 'p' }, { k: 1, a: 'z', b: 'r' }),
      // Six rows stored, each updated once over the three batches (summed since the last check, as Spark counts).
      AssertNumStateRows(6, 6),
    )
  })

  it('a self-join of one stream reads its rows once per batch', async () => {
    const session = newSession()
    const events = new MemoryStream(session, schema({ user: 'string', kind: 'string', ts: 'timestamp' }))
    const e = events.toDF().withWatermark('ts', '5 minutes')
    const views = e.where(col('kind').eq('view')).select('user', col('ts').alias('viewTs'))
    const buys = e.where(col('kind').eq('buy')).select(col('user').alias('buyer'), col('ts').alias('buyTs'))
    const converted = views.join(
      buys,
      col('user')
        .eq(col('buyer'))
        .and(col('buyTs').between(col('viewTs'), col('viewTs').plus(F.interval('10 minutes')))),
    )
    await testStream(
      converted,
      { outputMode: 'append' },
      AddData(
        events,
        { user: 'u1', kind: 'view', ts: at('09:00') },
        { user: 'u1', kind: 'buy', ts: at('09:04') },
        { user: 'u2', kind: 'view', ts: at('09:01') },
      ),
      CheckNewAnswer({ user: 'u1', viewTs: at('09:00'), buyer: 'u1', buyTs: at('09:04') }),
      AddData(events, { user: 'u2', kind: 'buy', ts: at('09:30') }),
      CheckNewAnswer(),
    )
  })

  it('sends late rows of either side to withLateRows', async () => {
    const { impressions, clicks, joined } = adsQuery(newSession(), 'inner')
    const late: Record<string, unknown>[] = []
    const q = await joined.writeStream
      .format('memory')
      .queryName('late_joins')
      .withLateRows((rows) => {
        late.push(...rows)
      })
      .start()
    impressions.addData([imp('ad1', '18:00')])
    clicks.addData([click('ad1', '18:00')])
    await q.processAllAvailable()
    impressions.addData([imp('old', '10:00')])
    clicks.addData([click('old', '10:00')])
    await q.processAllAvailable()
    await q.stop()
    expect(late).toEqual([imp('old', '10:00'), click('old', '10:00')])
  })
})

describe('stream-stream joins across restarts and replays', () => {
  for (const provider of ['memory', 'lmdb', 'level']) {
    it(`keeps both sides in the ${provider} state store across a restart`, async () => {
      const session = newSession({ 'tributary.stateStore.provider': provider })
      const { impressions, clicks, joined } = adsQuery(session, 'full_outer')
      await testStream(
        joined,
        { outputMode: 'append' },
        AddData(impressions, imp('ad1', '12:00'), imp('ad2', '12:05')),
        AddData(clicks, click('ad9', '12:40')),
        CheckNewAnswer(),
        StopStream,
        StartStream(),
        AddData(clicks, click('ad1', '12:30')),
        CheckNewAnswer(pair('ad1', '12:00', '12:30')),
        StopStream,
        StartStream(),
        AddData(impressions, imp('zz', '17:00')),
        AddData(clicks, click('zz', '17:00')),
        CheckNewAnswer(
          pair('ad2', '12:05', null),
          unmatchedClick('ad9', '12:40'),
          pair('zz', '17:00', '17:00'),
        ),
        AssertNumStateRows(2),
      )
    })
  }

  it('replays a batch whose commit was lost with the same output and state', async () => {
    const session = newSession()
    const { impressions, clicks, joined } = adsQuery(session, 'left_outer')
    const checkpoint = tempDir()
    const attempts = new Map<number, unknown[][]>()
    const start = () =>
      joined.writeStream
        .option('checkpointLocation', checkpoint)
        .foreachBatch(async (df, id) => {
          attempts.set(id, [...(attempts.get(id) ?? []), await df.collect()])
        })
        .start()
    let q = await start()
    impressions.addData([imp('ad1', '12:00'), imp('ad2', '12:05')])
    await q.processAllAvailable()
    clicks.addData([click('ad1', '12:20')])
    await q.processAllAvailable()
    impressions.addData([imp('zz', '17:00')])
    clicks.addData([click('zz', '17:00')])
    await q.processAllAvailable()
    await q.stop()
    const commits = path.join(checkpoint, 'commits')
    const last = Math.max(
      ...readdirSync(commits)
        .filter((f) => /^\d+$/.test(f))
        .map(Number),
    )
    // Losing commits/N (a crash after the sink, before the commit) makes the next start run batch N again.
    rmSync(path.join(commits, String(last)))
    q = await start()
    await q.processAllAvailable()
    await q.stop()
    const replayed = attempts.get(last)!
    expect(replayed.length).toBe(2)
    expect(replayed[1]).toEqual(replayed[0])
    const everything = [...attempts.values()].flatMap((a) => a[a.length - 1])
    expect(everything.map((r) => JSON.stringify(r)).sort()).toEqual(
      [pair('ad1', '12:00', '12:20'), pair('ad2', '12:05', null), pair('zz', '17:00', '17:00')]
        .map((r) => JSON.stringify(r))
        .sort(),
    )
  })

  it('refuses to restart a checkpoint with another join condition', async () => {
    const session = newSession()
    const { impressions, clicks, joined } = adsQuery(session, 'inner')
    const checkpoint = tempDir()
    const q = await joined.writeStream
      .format('memory')
      .queryName('a1')
      .option('checkpointLocation', checkpoint)
      .start()
    impressions.addData([imp('ad1', '12:00')])
    await q.processAllAvailable()
    await q.stop()
    const other = impressions
      .toDF()
      .withWatermark('impressionTime', '2 hours')
      .join(clicks.toDF().withWatermark('clickTime', '3 hours'), col('clickAdId').eq(col('impressionAdId')))
    await expect(
      other.writeStream.format('memory').queryName('a2').option('checkpointLocation', checkpoint).start(),
    ).rejects.toThrow(/INCOMPATIBLE_CHECKPOINT/)
  })
})

describe('stream-stream joins Spark refuses', () => {
  const start = (df: DataFrame<Record<string, unknown>>, mode: 'append' | 'update' = 'append') =>
    df.writeStream.outputMode(mode).format('memory').queryName('refused').start()
  const streams = () => {
    const session = newSession()
    const impressions = new MemoryStream(session, impressionSchema).toDF()
    const clicks = new MemoryStream(session, clickSchema).toDF()
    return { impressions, clicks }
  }
  const onAd = col('clickAdId').eq(col('impressionAdId'))
  const within = col('clickTime').between(col('impressionTime'), col('impressionTime').plus(3_600_000))
  const asRows = <R>(df: DataFrame<R>) => df as unknown as DataFrame<Record<string, unknown>>

  it('in update output mode', async () => {
    const { impressions, clicks } = streams()
    await expect(start(asRows(impressions.join(clicks, onAd)), 'update')).rejects.toThrow(
      /STREAM_STREAM_JOIN_OUTPUT_MODE: .*only in append output mode/,
    )
  })

  it('outer and semi joins without watermarks, or without a time range', async () => {
    const { impressions, clicks } = streams()
    await expect(start(asRows(impressions.join(clicks, onAd.and(within), 'left')))).rejects.toThrow(
      /STREAM_STREAM_JOIN_WITHOUT_WATERMARK: Stream-stream LeftOuter join .* without a watermark in the join keys, or a watermark on the nullable side \(right\) and an appropriate range condition/,
    )
    const wi = impressions.withWatermark('impressionTime', '1 hour')
    const wc = clicks.withWatermark('clickTime', '1 hour')
    await expect(start(asRows(wi.join(wc, onAd, 'right')))).rejects.toThrow(
      /STREAM_STREAM_JOIN_WITHOUT_WATERMARK/,
    )
    // clickTime >= impressionTime alone bounds how long a click waits (no impression above the
    // watermark can precede it), but an impression could still get a click at any later time.
    const lowerOnly = onAd.and(col('clickTime').geq(col('impressionTime')))
    // A full outer join starts with a bound on either side, as in Spark (the other side's rows stay).
    const full = await start(asRows(wi.join(wc, lowerOnly, 'full')))
    await full.stop()
    await expect(start(asRows(wi.join(wc, lowerOnly, 'semi')))).rejects.toThrow(
      /STREAM_STREAM_JOIN_WITHOUT_WATERMARK/,
    )
    const q = await start(asRows(wi.join(wc, lowerOnly, 'right')))
    await q.stop()
  })

  it('left anti joins, and joins without an equality between the sides', async () => {
    const { impressions, clicks } = streams()
    await expect(start(asRows(impressions.join(clicks, onAd, 'anti')))).rejects.toThrow(
      /STREAM_STREAM_JOIN_TYPE_NOT_SUPPORTED: LeftAnti/,
    )
    await expect(start(asRows(impressions.join(clicks, within)))).rejects.toThrow(
      /STREAM_STREAM_JOIN_WITHOUT_EQUALITY/,
    )
    await expect(start(asRows(impressions.crossJoin(clicks)))).rejects.toThrow(
      /STREAM_STREAM_JOIN_WITHOUT_EQUALITY/,
    )
  })
})
