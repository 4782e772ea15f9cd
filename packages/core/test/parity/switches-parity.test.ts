/**
 * Spark's switches and per-operator metrics: no-data batches can be turned off, and each
 * stateful operator reports its partitions and custom metrics such as
 * numDroppedDuplicateRows.
 */
import { describe, expect, it } from 'vitest'
import { AddData, AssertOnQuery, CheckNewAnswer, testStream } from '../../../testing/src/index.js'
import { col, count, functions as F, MemoryStream, type StreamingQuery, schema } from '../../src/index.js'
import { newSession } from '../helpers.js'

const sec = (n: number) => new Date(n * 1000)

function windowCounts(conf: Record<string, string>) {
  const s = newSession(conf)
  const input = new MemoryStream(s, schema({ ts: 'timestamp' }))
  const counts = input
    .toDF()
    .withWatermark('ts', '5 seconds')
    .groupBy(F.window(col('ts'), '5 seconds').alias('w'))
    .agg(count().alias('n'))
    .select(col('w.start').alias('start'), 'n')
  return { input, counts }
}

describe('tributary.sql.streaming.noDataMicroBatches.enabled', () => {
  it('on (the default): a window closes in a batch without data right after the watermark moves', async () => {
    const { input, counts } = windowCounts({})
    await testStream(
      counts,
      { outputMode: 'append' },
      AddData(input, { ts: sec(1) }, { ts: sec(11) }),
      CheckNewAnswer({ start: sec(0), n: 1 }),
    )
  })

  it('off: nothing runs until new data comes, which then closes the window', async () => {
    const { input, counts } = windowCounts({ 'tributary.sql.streaming.noDataMicroBatches.enabled': 'false' })
    await testStream(
      counts,
      { outputMode: 'append' },
      AddData(input, { ts: sec(1) }, { ts: sec(11) }),
      CheckNewAnswer(),
      AssertOnQuery((q: StreamingQuery) => q.recentProgress.length === 1, 'one batch, no batch without data'),
      AddData(input, { ts: sec(12) }),
      CheckNewAnswer({ start: sec(0), n: 1 }),
    )
  })

  it('refuses values other than true and false', () => {
    expect(() => newSession({ 'tributary.sql.streaming.noDataMicroBatches.enabled': 'sometimes' })).toThrow(
      /Valid values are 'true' and 'false'/,
    )
  })
})

describe('state operator metrics', () => {
  it('numShufflePartitions, and numDroppedDuplicateRows for dropDuplicates', async () => {
    const s = newSession({ 'tributary.sql.shuffle.partitions': '3' })
    const input = new MemoryStream(s, schema({ id: 'long', ts: 'timestamp' }))
    const deduped = input.toDF().withWatermark('ts', '10 seconds').dropDuplicates(['id', 'ts'])
    await testStream(
      deduped,
      { outputMode: 'append' },
      AddData(
        input,
        { id: 1, ts: sec(20) },
        { id: 1, ts: sec(20) },
        { id: 2, ts: sec(20) },
        { id: 2, ts: sec(20) },
      ),
      CheckNewAnswer({ id: 1, ts: sec(20) }, { id: 2, ts: sec(20) }),
      AssertOnQuery((q: StreamingQuery) => {
        const withInput = q.recentProgress.filter((p) => p.numInputRows > 0)
        const op = withInput[withInput.length - 1].stateOperators[0]
        expect(op.numShufflePartitions).toBe(3)
        expect(op.numStateStoreInstances).toBe(3)
        expect(op.customMetrics).toEqual({ numDroppedDuplicateRows: 2 })
        return true
      }),
      // A late row is dropped by the watermark, not counted as a duplicate.
      AddData(input, { id: 3, ts: sec(1) }, { id: 1, ts: sec(20) }),
      CheckNewAnswer(),
      AssertOnQuery((q: StreamingQuery) => {
        const op = q.recentProgress.filter((p) => p.numInputRows > 0).at(-1)!.stateOperators[0]
        expect([op.numRowsDroppedByWatermark, op.customMetrics.numDroppedDuplicateRows]).toEqual([1, 1])
        return true
      }),
    )
  })
})
