/**
 * The global watermark of a query with several watermarked inputs moves as Spark's does
 * (EventTimeWatermarkSuite): an input without data holds it at 0 under `min`, the policy
 * in force is the one the checkpoint recorded, and a policy Spark does not know is refused.
 */
import { describe, expect, it } from 'vitest'
import {
  AddData,
  AssertOnQuery,
  CheckLastBatch,
  MultiAddData,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, MemoryStream, type Session, type StreamingQuery, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const ints = schema({ value: 'long' })
const sec = (s: number) => new Date(s * 1000).toISOString()

/** Two int streams, each value also its event time in seconds, with 10 s and 15 s of delay. */
function twoWatermarks(session: Session) {
  const input1 = new MemoryStream(session, ints)
  const input2 = new MemoryStream(session, ints)
  const side = (s: MemoryStream<{ value: number }>, delay: string) =>
    s
      .toDF()
      .withColumn('eventTime', col('value').cast('timestamp'))
      .withWatermark('eventTime', delay)
      .select('value')
  return { input1, input2, df: side(input1, '10 seconds').union(side(input2, '15 seconds')) }
}

/** Spark's checkWatermark: one more row on input1, then the watermark that batch ran with. */
const watermarkIs = (input: MemoryStream<{ value: number }>, seconds: number) =>
  AssertOnQuery(async (q: StreamingQuery) => {
    input.addData([{ value: 1 }])
    await q.processAllAvailable()
    expect(q.lastProgress?.eventTime.watermark).toBe(sec(seconds))
    return true
  }, `watermark ${seconds} s`)

describe('several watermarks', () => {
  it('min: the global watermark stays at 0 until every input has seen data', async () => {
    const session = newSession()
    const { input1, input2, df } = twoWatermarks(session)
    await testStream(
      df,
      { outputMode: 'append' },
      AddData(input1, { value: 11 }),
      CheckLastBatch({ value: 11 }),
      watermarkIs(input1, 0),
      AddData(input2, { value: 16 }),
      CheckLastBatch({ value: 16 }),
      // min(11 - 10, 16 - 15) = 1 s
      watermarkIs(input1, 1),
    )
  })

  it('the policy recorded in the checkpoint wins over the session’s after a restart', async () => {
    const session = newSession({ 'tributary.streaming.multipleWatermarkPolicy': 'max' })
    const checkpoint = tempDir()
    const { input1, input2, df } = twoWatermarks(session)
    await testStream(
      df,
      { outputMode: 'append' },
      StartStream({ checkpointLocation: checkpoint }),
      MultiAddData(AddData(input1, { value: 20 }), AddData(input2, { value: 30 })),
      CheckLastBatch({ value: 20 }, { value: 30 }),
      // max(20 - 10, 30 - 15) = 15
      watermarkIs(input1, 15),
      StopStream,
      StartStream({ conf: { 'tributary.streaming.multipleWatermarkPolicy': 'min' } }),
      watermarkIs(input1, 15),
      MultiAddData(AddData(input1, { value: 120 }), AddData(input2, { value: 130 })),
      CheckLastBatch({ value: 120 }, { value: 130 }),
      // Still max: max(120 - 10, 130 - 15) = 115, where min would give 110.
      watermarkIs(input1, 115),
      AddData(input1, { value: 150 }),
      CheckLastBatch({ value: 150 }),
      watermarkIs(input1, 140),
    )
    expect(session.conf.get('tributary.streaming.multipleWatermarkPolicy')).toBe('max')
  })

  it('refuses a policy that is neither min nor max', () => {
    const session = newSession()
    for (const bad of ['', 'random']) {
      expect(() => session.conf.set('tributary.streaming.multipleWatermarkPolicy', bad)).toThrow(
        /multipleWatermarkPolicy cannot be '.*'\. Valid values are 'min' and 'max'/,
      )
    }
    expect(() => newSession({ 'tributary.streaming.multipleWatermarkPolicy': 'random' })).toThrow(
      /INVALID_OPTION/,
    )
    session.conf.set('tributary.streaming.multipleWatermarkPolicy', 'MAX')
  })
})
