/**
 * Aggregations give Spark's answers at the edges: sessions that only touch are one session
 * (whatever store holds them), and complete mode counts rows the watermark calls late.
 */
import { describe, it } from 'vitest'
import { AddData, CheckAnswer, CheckNewAnswer, testStream } from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const events = schema({ key: 'string', ts: 'timestamp' })
const sec = (s: number) => new Date(s * 1000)
const ev = (key: string, s: number) => ({ key, ts: sec(s) })
const win = (from: number, to: number) => ({ start: sec(from), end: sec(to) })

describe('session windows that touch', () => {
  for (const provider of ['memory', 'lmdb', 'level']) {
    it(`merge [25, 40) and [40, 50) into [25, 50) with the ${provider} store`, async () => {
      const s = newSession({ 'tributary.stateStore.provider': provider })
      const input = new MemoryStream(s, events)
      const sessions = input
        .toDF()
        .withWatermark('ts', '10 seconds')
        .groupBy(F.session_window(col('ts'), '10 seconds'), 'key')
        .agg(count().alias('n'))
      await testStream(
        sessions,
        { outputMode: 'complete' },
        // 25 and 30 make [25, 40); 40 starts exactly where it ends.
        AddData(input, ev('a', 25), ev('a', 30)),
        CheckNewAnswer({ session_window: win(25, 40), key: 'a', n: 2 }),
        AddData(input, ev('a', 40)),
        CheckNewAnswer({ session_window: win(25, 50), key: 'a', n: 3 }),
      )
      // In append mode the merged session comes out once the watermark passes its end.
      const appended = new MemoryStream(s, events)
      await testStream(
        appended
          .toDF()
          .withWatermark('ts', '10 seconds')
          .groupBy(F.session_window(col('ts'), '10 seconds'), 'key')
          .agg(count().alias('n')),
        { outputMode: 'append' },
        AddData(appended, ev('a', 25), ev('a', 30)),
        CheckNewAnswer(),
        AddData(appended, ev('a', 40)),
        CheckNewAnswer(),
        AddData(appended, ev('b', 70)),
        CheckNewAnswer({ session_window: win(25, 50), key: 'a', n: 3 }),
      )
    })
  }

  it('merge within one batch and in a batch DataFrame', async () => {
    const s = newSession()
    const out = await s
      .createDataFrame([ev('a', 25), ev('a', 30), ev('a', 40), ev('a', 60)], events)
      .groupBy('key', F.session_window(col('ts'), '10 seconds'))
      .count()
      .orderBy('session_window')
      .collect()
    const { expect } = await import('vitest')
    expect(out).toEqual([
      { key: 'a', session_window: win(25, 50), count: 3 },
      { key: 'a', session_window: win(60, 70), count: 1 },
    ])
  })
})

describe('complete mode and the watermark', () => {
  it('keeps every window and counts rows behind the watermark (Spark: no eviction in complete mode)', async () => {
    const s = newSession()
    const input = new MemoryStream(s, schema({ eventTime: 'timestamp' }))
    const counts = input
      .toDF()
      .withWatermark('eventTime', '10 seconds')
      .groupBy(F.window(col('eventTime'), '5 seconds').alias('window'))
      .agg(count().alias('count'))
      .select(col('window.start').alias('start'), 'count')
    await testStream(
      counts,
      { outputMode: 'complete' },
      AddData(input, { eventTime: sec(10) }, { eventTime: sec(11) }, { eventTime: sec(12) }),
      CheckAnswer({ start: sec(10), count: 3 }),
      AddData(input, { eventTime: sec(25) }),
      CheckAnswer({ start: sec(10), count: 3 }, { start: sec(25), count: 1 }),
      AddData(input, { eventTime: sec(25) }),
      CheckAnswer({ start: sec(10), count: 3 }, { start: sec(25), count: 2 }),
      // The watermark is 15 s: window [10, 15) is closed, yet complete mode still counts 10.
      AddData(input, { eventTime: sec(10) }),
      CheckAnswer({ start: sec(10), count: 4 }, { start: sec(25), count: 2 }),
    )
  })
})
