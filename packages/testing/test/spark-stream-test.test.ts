/**
 * The test kit's actions mean what Spark's StreamTest actions mean: complete-mode
 * CheckNewAnswer, clock advances that wait for the query, recovery cases written with
 * BetweenRuns, and drop counts summed since the previous state check.
 */
import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { col, count, functions as F, type GroupState, MemoryStream, Session, schema } from '@tributary/core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AddData,
  AdvanceManualClock,
  AssertNumRowsDroppedByWatermark,
  AssertOnQuery,
  BetweenRuns,
  CheckNewAnswer,
  ManualClock,
  StartStream,
  StopStream,
  testStream,
} from '../src/index.js'

let session: Session
afterEach(() => session?.stop())

describe('StreamTest semantics', () => {
  it('CheckNewAnswer in complete mode is the newest batch, not the batches concatenated', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, schema({ k: 'string' }))
    const counts = input.toDF().groupBy('k').agg(count().alias('n'))
    await testStream(
      counts,
      { outputMode: 'complete' },
      AddData(input, { k: 'a' }),
      CheckNewAnswer({ k: 'a', n: 1 }),
      AddData(input, { k: 'b' }),
      // Batch 1 runs without a check; batch 2's answer is the whole table, not batches 1 and 2.
      AssertOnQuery(async (q) => {
        await q.processAllAvailable()
        return true
      }),
      AddData(input, { k: 'c' }),
      CheckNewAnswer({ k: 'a', n: 1 }, { k: 'b', n: 1 }, { k: 'c', n: 1 }),
      // No batch since the last check: nothing new.
      CheckNewAnswer(),
    )
  })

  it('AdvanceManualClock waits for the query to wait on the clock: back-to-back advances fire each timeout', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, schema({ k: 'string' }))
    const expired = input
      .toDF()
      .groupByKey((r) => r.k)
      .flatMapGroupsWithState(
        'update',
        'ProcessingTimeTimeout',
        (k: string, _rows: unknown[], state: GroupState<number>) => {
          if (state.hasTimedOut) {
            state.remove()
            return [{ k, expired: true }]
          }
          state.update(1)
          state.setTimeoutDuration('1 second')
          return []
        },
        schema({ k: 'string', expired: 'boolean' }),
      )
    await testStream(
      expired,
      { outputMode: 'update', trigger: { processingTime: '1 second' }, clock: new ManualClock(0) },
      AddData(input, { k: 'a' }),
      AdvanceManualClock(1000),
      AdvanceManualClock(1000),
      AdvanceManualClock(1000),
      CheckNewAnswer({ k: 'a', expired: true }),
    )
  })

  it('BetweenRuns: a lost commit makes the batch run again, into a cleared sink', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, schema({ k: 'string' }))
    const counts = input.toDF().groupBy('k').agg(count().alias('n'))
    await testStream(
      counts,
      { outputMode: 'update' },
      AddData(input, { k: 'a' }, { k: 'a' }),
      CheckNewAnswer({ k: 'a', n: 2 }),
      StopStream,
      BetweenRuns(({ checkpointLocation, clearSink, sinkBatches }) => {
        expect([...sinkBatches.keys()]).toEqual([0])
        rmSync(path.join(checkpointLocation, 'commits', '0'))
        clearSink()
      }),
      StartStream(),
      CheckNewAnswer({ k: 'a', n: 2 }),
      AddData(input, { k: 'a' }),
      CheckNewAnswer({ k: 'a', n: 3 }),
    )
  })

  it('AssertNumRowsDroppedByWatermark counts the batch that had the late row', async () => {
    session = Session.builder().create()
    const input = new MemoryStream(session, schema({ ts: 'timestamp' }))
    const sec = (n: number) => ({ ts: new Date(n * 1000) })
    const counts = input
      .toDF()
      .withWatermark('ts', '5 seconds')
      .groupBy(F.window(col('ts'), '5 seconds'))
      .count()
    await testStream(
      counts,
      { outputMode: 'append' },
      AddData(input, sec(20)),
      CheckNewAnswer(),
      // 1 s is late (watermark 15 s), and 30 s moves the watermark: a batch without data follows.
      AddData(input, sec(1), sec(30)),
      CheckNewAnswer({ window: { start: new Date(20_000), end: new Date(25_000) }, count: 1 }),
      AssertNumRowsDroppedByWatermark(1),
    )
  })
})
