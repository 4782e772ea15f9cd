/**
 * Stream-stream joins keep and drop the rows Spark keeps and drops: ports of cases from
 * Spark's StreamingJoinSuite (inputs of whole seconds, `value` cast to a timestamp).
 */
import { describe, it } from 'vitest'
import {
  AddData,
  AssertNumStateRows,
  CheckNewAnswer,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, functions as F, MemoryStream, type Session, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const ints = schema({ value: 'long' })
const pairs = schema({ key: 'long', time: 'long' })
const rows = (...vs: number[]) => vs.map((value) => ({ value }))
const kt = (...ps: [number, number][]) => ps.map(([key, time]) => ({ key, time }))

/** A stream of ints as (key, window(10 s) over the value as seconds, value * multiplier); watermarked 10 s or not. */
function windowed(session: Session, prefix: string, multiplier: number, watermark: boolean) {
  const input = new MemoryStream(session, ints)
  let df = input
    .toDF()
    .select(
      col('value').alias('key'),
      col('value').cast('timestamp').alias(`${prefix}Time`),
      col('value').multiply(multiplier).alias(`${prefix}Value`),
    )
  if (watermark) df = df.withWatermark(`${prefix}Time`, '10 seconds')
  return {
    input,
    df: df.select('key', F.window(col(`${prefix}Time`), '10 seconds').alias('window'), `${prefix}Value`),
  }
}

const end = (s: number) => new Date(s * 1000)

describe('joins keyed by an event-time window', () => {
  it('a watermark on one side evicts both sides by the window key and drops late windows', async () => {
    const session = newSession()
    const left = windowed(session, 'left', 2, true)
    const right = windowed(session, 'right', 3, false)
    const joined = left.df
      .join(right.df, ['key', 'window'])
      .select('key', col('window.end').alias('end'), 'leftValue', 'rightValue')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(left.input, ...rows(1)),
      CheckNewAnswer(),
      AssertNumStateRows(1, 1),
      AddData(right.input, ...rows(1)),
      CheckNewAnswer({ key: 1, end: end(10), leftValue: 2, rightValue: 3 }),
      AssertNumStateRows(2, 1),
      StopStream,
      StartStream(),
      // Watermark 15 s: both rows of window [0, 10) leave state, the right one too.
      AddData(left.input, ...rows(25)),
      CheckNewAnswer(),
      AssertNumStateRows(1, 1),
      AddData(right.input, ...rows(25)),
      CheckNewAnswer({ key: 25, end: end(30), leftValue: 50, rightValue: 75 }),
      AssertNumStateRows(2, 1),
      StopStream,
      StartStream(),
      // A right row of window [0, 10): no left row left to join, and not stored.
      AddData(right.input, ...rows(1)),
      CheckNewAnswer(),
      AssertNumStateRows(2, 0),
      // A left row of window [0, 10): late (its window ends before the watermark), dropped.
      AddData(left.input, ...rows(5)),
      CheckNewAnswer(),
      AssertNumStateRows([2], [0]),
      AssertNumStateRows(2, 0),
    )
  })

  it('a full outer join drops a late left row instead of emitting it with nulls', async () => {
    const session = newSession()
    const left = windowed(session, 'left', 2, true)
    const right = windowed(session, 'right', 3, true)
    const joined = left.df
      .join(right.df, ['key', 'window'], 'full_outer')
      .select('key', col('window.end').alias('end'), 'leftValue', 'rightValue')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(left.input, ...rows(1, 2, 3)),
      AddData(right.input, ...rows(1, 2, 3)),
      CheckNewAnswer(
        { key: 1, end: end(10), leftValue: 2, rightValue: 3 },
        { key: 2, end: end(10), leftValue: 4, rightValue: 6 },
        { key: 3, end: end(10), leftValue: 6, rightValue: 9 },
      ),
      // Watermark 20 s closes window [0, 10) and [10, 20).
      AddData(left.input, ...rows(30)),
      AddData(right.input, ...rows(30)),
      CheckNewAnswer({ key: 30, end: end(40), leftValue: 60, rightValue: 90 }),
      // 5 lies in [0, 10), long closed: late on the left, no null-padded row.
      AddData(left.input, ...rows(5)),
      CheckNewAnswer(),
      AssertNumStateRowsDropped(1),
    )
  })

  it('a left semi join counts the late left row as dropped', async () => {
    const session = newSession()
    const left = windowed(session, 'left', 2, true)
    const right = windowed(session, 'right', 3, true)
    const joined = left.df.join(right.df, ['key', 'window'], 'left_semi').select('key', 'leftValue')
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(left.input, ...rows(1, 2)),
      AddData(right.input, ...rows(1)),
      CheckNewAnswer({ key: 1, leftValue: 2 }),
      AddData(left.input, ...rows(30)),
      AddData(right.input, ...rows(30)),
      CheckNewAnswer({ key: 30, leftValue: 60 }),
      AddData(left.input, ...rows(5)),
      CheckNewAnswer(),
      AssertNumStateRowsDropped(1),
    )
  })
})

/** Rows dropped as late since the previous state check, by the one join. */
function AssertNumStateRowsDropped(n: number) {
  return {
    kind: 'assertState' as const,
    total: null,
    updated: null,
    droppedByWatermark: [n],
    operator: 0,
  }
}

describe('time-range joins evict exactly at Spark’s state watermark', () => {
  it('two range conditions: a non-strict bound keeps the row at the state watermark', async () => {
    const session = newSession()
    const leftInput = new MemoryStream(session, pairs)
    const rightInput = new MemoryStream(session, pairs)
    const df1 = leftInput
      .toDF()
      .select(
        col('key').alias('leftKey'),
        col('time').cast('timestamp').alias('leftTime'),
        col('key').multiply(2).alias('leftValue'),
      )
      .withWatermark('leftTime', '20 seconds')
    const df2 = rightInput
      .toDF()
      .select(
        col('key').alias('rightKey'),
        col('time').cast('timestamp').alias('rightTime'),
        col('key').multiply(3).alias('rightValue'),
      )
      .withWatermark('rightTime', '30 seconds')
    const joined = df1
      .join(
        df2,
        col('leftKey')
          .eq(col('rightKey'))
          .and(
            col('leftTime').between(
              col('rightTime').minus(F.interval('10 seconds')),
              col('rightTime').plus(F.interval('5 seconds')),
            ),
          ),
      )
      .select('leftKey', col('leftTime').cast('long').alias('l'), col('rightTime').cast('long').alias('r'))
    const out = (l: number, r: number) => ({ leftKey: 1, l, r })
    await testStream(
      joined,
      { outputMode: 'append' },
      AddData(leftInput, ...kt([1, 20])),
      CheckNewAnswer(),
      AddData(rightInput, ...kt([1, 14], [1, 15], [1, 25], [1, 26], [1, 30], [1, 31])),
      CheckNewAnswer(out(20, 15), out(20, 25), out(20, 26), out(20, 30)),
      AssertNumStateRows(7, 7),
      AddData(rightInput, ...kt([1, 60])),
      CheckNewAnswer(),
      AddData(leftInput, ...kt([1, 49], [1, 50], [1, 65], [1, 66])),
      CheckNewAnswer(out(50, 60), out(65, 60)),
      // Watermark min(66 - 20, 60 - 30) = 30: the left keeps time >= 20, the right time >= 25 (14 and 15 go).
      AssertNumStateRows(10, 5),
      AddData(leftInput, ...kt([1, 30], [1, 31])),
      CheckNewAnswer(out(31, 26), out(31, 30), out(31, 31)),
      AssertNumStateRows(11, 1),
      AddData(rightInput, ...kt([1, 80])),
      CheckNewAnswer(),
      // Watermark 46: the left keeps time >= 36, the right time >= 41.
      AssertNumStateRows(6, 1),
      AddData(rightInput, ...kt([1, 46], [1, 50])),
      CheckNewAnswer(out(49, 50), out(50, 50)),
      AssertNumStateRows(7, 1),
    )
  })
})
