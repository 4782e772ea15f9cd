import { col, MemoryStream, Session, schema } from '@tributary/core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AddData,
  AdvanceManualClock,
  AssertNumRowsDroppedByWatermark,
  AssertNumStateRows,
  AssertOnQuery,
  CheckAnswer,
  CheckLastBatch,
  CheckNewAnswer,
  ExpectFailure,
  ManualClock,
  StartStream,
  StopStream,
  StreamTestFailure,
  testStream,
} from '../src/index.js'

const s = schema({ n: 'long' })
let session: Session
afterEach(() => session?.stop())

describe('testStream', () => {
  it('checks answers across batches, stops and restarts', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, s)
    const df = input.toDF().where(col('n').gt(0)).select(col('n').multiply(10).alias('x'))
    await testStream(
      df,
      {},
      AddData(input, { n: 1 }, { n: -1 }, { n: 2 }),
      CheckAnswer({ x: 10 }, { x: 20 }),
      AddData(input, { n: 3 }),
      CheckNewAnswer({ x: 30 }),
      CheckLastBatch({ x: 30 }),
      StopStream,
      AddData(input, { n: 4 }),
      StartStream(),
      CheckNewAnswer({ x: 40 }),
      CheckAnswer({ x: 10 }, { x: 20 }, { x: 30 }, { x: 40 }),
      AssertOnQuery((q) => q.lastProgress?.batchId === 2, 'three batches ran'),
    )
  })

  it('fails with the expected and actual rows when a check does not hold', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, s)
    const run = testStream(input.toDF(), {}, AddData(input, { n: 1 }), CheckAnswer({ n: 2 }))
    await expect(run).rejects.toBeInstanceOf(StreamTestFailure)
    await expect(run).rejects.toThrow(/CheckAnswer failed\nexpected:\n {2}\{"n":2\}\nactual:\n {2}\{"n":1\}/)
  })

  it('drives processing-time triggers with a manual clock', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, s)
    const clock = new ManualClock(0)
    await testStream(
      input.toDF(),
      { trigger: { processingTime: '5 seconds' }, clock },
      AddData(input, { n: 1 }),
      CheckAnswer(),
      AdvanceManualClock(5000),
      CheckAnswer({ n: 1 }),
      AddData(input, { n: 2 }),
      CheckAnswer({ n: 1 }),
      AdvanceManualClock(4999),
      CheckAnswer({ n: 1 }),
      AdvanceManualClock(1),
      CheckAnswer({ n: 1 }, { n: 2 }),
    )
  })

  it('expects failures', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, s)
    const df = input.toDF().map(
      (r) => {
        if (r.n === 0) throw new RangeError('zero')
        return { inv: 1 / r.n }
      },
      schema({ inv: 'double' }),
    )
    await testStream(df, {}, AddData(input, { n: 0 }), ExpectFailure(RangeError))
    await testStream(df, {}, AddData(input, { n: 0 }), ExpectFailure(/zero/))
  })
})

describe('state assertions', () => {
  it('checks rows in state and rows dropped by the watermark', async () => {
    const { functions: F, col: c } = await import('@tributary/core')
    session = Session.builder().create()
    const events = schema({ ts: 'timestamp', k: 'string' })
    const input = new MemoryStream(session, events)
    const at = (min: number, k: string) => ({ ts: new Date(Date.UTC(2026, 0, 1, 0, min)), k })
    const df = input
      .toDF()
      .withWatermark('ts', '5 minutes')
      .groupBy(F.window(c('ts'), '10 minutes'), 'k')
      .count()
    await testStream(
      df,
      { outputMode: 'update' },
      AddData(input, at(1, 'a'), at(2, 'b'), at(12, 'a')),
      // Updated rows are summed since the previous check, as in Spark: the data batch's 3,
      // and 0 from the batch without data after it (the watermark moved to 00:07).
      AssertNumStateRows(3, 3),
      AddData(input, at(30, 'a')),
      // Watermark 00:25 evicts the three windows that end by then; one window was updated.
      AssertNumStateRows(1, 1),
      AddData(input, at(3, 'a')),
      AssertNumRowsDroppedByWatermark(1),
    )
    await expect(
      testStream(df, { outputMode: 'update' }, AddData(input, at(40, 'z')), AssertNumStateRows(7)),
    ).rejects.toThrow(/numRowsTotal of operator 0 is \d+, expected 7/)
  })
})
