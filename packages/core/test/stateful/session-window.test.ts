import { describe, expect, it } from 'vitest'
import {
  AddData,
  CheckAnswer,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, schema, when } from '../../src/index.js'
import { newSession } from '../helpers.js'

const clicks = schema({ user: 'string', ts: 'timestamp', page: 'string' })
const t = (min: number, sec = 0) => new Date(Date.UTC(2026, 0, 1, 12, min, sec))
const click = (user: string, min: number, page = 'p') => ({ user, ts: t(min), page })
const session = (from: number, to: number) => ({ start: t(from), end: t(to) })

describe('session windows', () => {
  it('groups a batch DataFrame into sessions per key', async () => {
    const s = newSession()
    const df = s.createDataFrame(
      [click('a', 0), click('a', 3), click('a', 20), click('b', 1), click('a', 7), click('b', 30)],
      clicks,
    )
    const out = await df
      .groupBy('user', F.session_window(col('ts'), '5 minutes'))
      .agg(count().alias('clicks'))
      .orderBy('user', 'session_window')
      .collect()
    expect(out).toEqual([
      { user: 'a', session_window: session(0, 12), clicks: 3 },
      { user: 'a', session_window: session(20, 25), clicks: 1 },
      { user: 'b', session_window: session(1, 6), clicks: 1 },
      { user: 'b', session_window: session(30, 35), clicks: 1 },
    ])
  })

  it('merges sessions bridged by a later event and emits them in append mode once closed', async () => {
    const s = newSession()
    const input = new MemoryStream(s, clicks)
    const sessions = input
      .toDF()
      .withWatermark('ts', '10 minutes')
      .groupBy(F.session_window(col('ts'), '5 minutes'), 'user')
      .agg(count().alias('clicks'), F.collect_list('page').alias('pages'))
    await testStream(
      sessions,
      { outputMode: 'append' },
      AddData(input, click('a', 0, 'home'), click('a', 8, 'cart')),
      CheckNewAnswer(),
      StopStream,
      StartStream(),
      // 12:04 bridges [12:00, 12:05) and [12:08, 12:13) into one session.
      AddData(input, click('a', 4, 'search')),
      CheckNewAnswer(),
      // Watermark 12:20: the merged session [12:00, 12:13) closes.
      AddData(input, click('b', 30, 'home')),
      CheckNewAnswer({
        session_window: session(0, 13),
        user: 'a',
        clicks: 3,
        pages: ['home', 'search', 'cart'],
      }),
      // Too late for any open session: [12:01, 12:06) ends before the watermark.
      AddData(input, click('a', 1, 'late')),
      CheckNewAnswer(),
    )
  })

  it('takes a dynamic gap per row', async () => {
    const s = newSession()
    const df = s.createDataFrame(
      [click('a', 0, 'x'), click('a', 6, 'y'), click('b', 0, 'x'), click('b', 6, 'y')],
      clicks,
    )
    const out = await df
      .groupBy(
        'user',
        F.session_window(col('ts'), when(col('user').eq('a'), '10 minutes').otherwise('5 minutes')),
      )
      .count()
      .orderBy('user', 'session_window')
      .collect()
    expect(out).toEqual([
      { user: 'a', session_window: session(0, 16), count: 2 },
      { user: 'b', session_window: session(0, 5), count: 1 },
      { user: 'b', session_window: session(6, 11), count: 1 },
    ])
  })

  it('update mode is refused (as in Spark: a session may still merge); complete mode holds every session', async () => {
    const s = newSession()
    const input = new MemoryStream(s, clicks)
    const sessions = input
      .toDF()
      .groupBy('user', F.session_window(col('ts'), '5 minutes'))
      .count()
    await expect(
      sessions.writeStream.outputMode('update').format('memory').queryName('sessions_update').start(),
    ).rejects.toThrow(/STREAMING_SESSION_WINDOW_UPDATE_MODE/)
    input.addData([click('a', 0), click('b', 0), click('a', 3)])
    const complete = input
      .toDF()
      .groupBy('user', F.session_window(col('ts'), '5 minutes'))
      .count()
    await testStream(
      complete,
      { outputMode: 'complete' },
      AddData(input, click('c', 0)),
      CheckAnswer(
        { user: 'a', session_window: session(0, 8), count: 2 },
        { user: 'b', session_window: session(0, 5), count: 1 },
        { user: 'c', session_window: session(0, 5), count: 1 },
      ),
    )
  })
})
