import { describe, expect, it } from 'vitest'
import {
  AddData,
  AssertOnQuery,
  CheckAnswer,
  CheckLastBatch,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const words = schema({ ts: 'timestamp', word: 'string' })
const at = (hhmm: string, word: string) => ({ ts: new Date(`2026-01-01T${hhmm}:00Z`), word })
const win = (from: string, to: string) => ({
  start: new Date(`2026-01-01T${from}:00Z`),
  end: new Date(`2026-01-01T${to}:00Z`),
})

describe('streaming aggregation', () => {
  it('word count in complete mode (the Structured Streaming guide quick example)', async () => {
    const session = newSession()
    const lines = new MemoryStream(session, schema({ value: 'string' }))
    const counts = lines
      .toDF()
      .select(F.explode(F.split(col('value'), ' ')).alias('word'))
      .groupBy('word')
      .count()
    await testStream(
      counts,
      { outputMode: 'complete' },
      AddData(lines, { value: 'apache spark' }, { value: 'apache hadoop' }),
      CheckAnswer({ word: 'apache', count: 2 }, { word: 'spark', count: 1 }, { word: 'hadoop', count: 1 }),
      AddData(lines, { value: 'spark tributary' }),
      CheckAnswer(
        { word: 'apache', count: 2 },
        { word: 'spark', count: 2 },
        { word: 'hadoop', count: 1 },
        { word: 'tributary', count: 1 },
      ),
      StopStream,
      AddData(lines, { value: 'apache' }),
      StartStream(),
      CheckAnswer(
        { word: 'apache', count: 3 },
        { word: 'spark', count: 2 },
        { word: 'hadoop', count: 1 },
        { word: 'tributary', count: 1 },
      ),
    )
  })

  it('update mode emits only the groups a batch changed', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ k: 'string', v: 'double' }))
    const agg = input
      .toDF()
      .groupBy('k')
      .agg(F.sum('v').alias('total'), count().alias('n'), F.max('v').alias('top'))
    await testStream(
      agg,
      { outputMode: 'update' },
      AddData(input, { k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'a', v: 3 }),
      CheckLastBatch({ k: 'a', total: 4, n: 2, top: 3 }, { k: 'b', total: 2, n: 1, top: 2 }),
      AddData(input, { k: 'b', v: 10 }),
      CheckLastBatch({ k: 'b', total: 12, n: 2, top: 10 }),
      StopStream,
      StartStream(),
      AddData(input, { k: 'a', v: -1 }),
      CheckLastBatch({ k: 'a', total: 3, n: 3, top: 3 }),
    )
  })

  it('windowed word count with a watermark: the guide walkthrough in update mode', async () => {
    const session = newSession()
    const input = new MemoryStream(session, words)
    const windowed = input
      .toDF()
      .withWatermark('ts', '10 minutes')
      .groupBy(F.window(col('ts'), '10 minutes', '5 minutes'), 'word')
      .count()
    await testStream(
      windowed,
      { outputMode: 'update' },
      AddData(input, at('12:07', 'dog'), at('12:08', 'owl')),
      CheckNewAnswer(
        { window: win('12:00', '12:10'), word: 'dog', count: 1 },
        { window: win('12:05', '12:15'), word: 'dog', count: 1 },
        { window: win('12:00', '12:10'), word: 'owl', count: 1 },
        { window: win('12:05', '12:15'), word: 'owl', count: 1 },
      ),
      // Max event time 12:08, so the watermark becomes 11:58.
      AddData(input, at('12:14', 'dog'), at('12:09', 'cat')),
      CheckNewAnswer(
        { window: win('12:05', '12:15'), word: 'dog', count: 2 },
        { window: win('12:10', '12:20'), word: 'dog', count: 1 },
        { window: win('12:00', '12:10'), word: 'cat', count: 1 },
        { window: win('12:05', '12:15'), word: 'cat', count: 1 },
      ),
      // Watermark 12:04. A late 12:04 donkey still counts in 12:00-12:10 (not closed yet).
      AddData(
        input,
        at('12:15', 'cat'),
        at('12:08', 'dog'),
        at('12:13', 'owl'),
        at('12:21', 'owl'),
        at('12:04', 'donkey'),
      ),
      CheckNewAnswer(
        { window: win('12:10', '12:20'), word: 'cat', count: 1 },
        { window: win('12:15', '12:25'), word: 'cat', count: 1 },
        { window: win('12:00', '12:10'), word: 'dog', count: 2 },
        { window: win('12:05', '12:15'), word: 'dog', count: 3 },
        { window: win('12:05', '12:15'), word: 'owl', count: 2 },
        { window: win('12:10', '12:20'), word: 'owl', count: 1 },
        { window: win('12:15', '12:25'), word: 'owl', count: 1 },
        { window: win('12:20', '12:30'), word: 'owl', count: 1 },
        { window: win('11:55', '12:05'), word: 'donkey', count: 1 },
        { window: win('12:00', '12:10'), word: 'donkey', count: 1 },
      ),
      // Watermark 12:11 now: a 12:04 donkey is too late for 12:00-12:10 and 11:55-12:05.
      AddData(input, at('12:04', 'donkey')),
      CheckNewAnswer(),
      AssertOnQuery(
        (q) => q.lastProgress?.stateOperators[0].numRowsDroppedByWatermark === 2,
        'two late window rows dropped',
      ),
    )
  })

  it('append mode emits each window once, when the watermark passes its end', async () => {
    const session = newSession()
    const input = new MemoryStream(session, words)
    const windowed = input
      .toDF()
      .withWatermark('ts', '10 minutes')
      .groupBy(F.window(col('ts'), '10 minutes'), 'word')
      .count()
    await testStream(
      windowed,
      { outputMode: 'append' },
      AddData(input, at('12:07', 'dog'), at('12:08', 'owl')),
      CheckNewAnswer(),
      AddData(input, at('12:25', 'cat')),
      // The watermark moves to 12:15 after this batch; a no-data batch then closes 12:00-12:10.
      CheckNewAnswer(
        { window: win('12:00', '12:10'), word: 'dog', count: 1 },
        { window: win('12:00', '12:10'), word: 'owl', count: 1 },
      ),
      AddData(input, at('12:09', 'dog')),
      CheckNewAnswer(),
      AddData(input, at('12:41', 'cat')),
      CheckNewAnswer({ window: win('12:20', '12:30'), word: 'cat', count: 1 }),
    )
  })

  it('refuses append mode on an aggregation without a watermark', async () => {
    const session = newSession()
    const input = new MemoryStream(session, words)
    await expect(
      input.toDF().groupBy('word').count().writeStream.format('memory').queryName('x').start(),
    ).rejects.toThrow(/STREAMING_AGGREGATION_APPEND_WITHOUT_WATERMARK/)
  })
})
