import { describe, expect, it } from 'vitest'
import { col, count, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ key: 'string', ts: 'timestamp', v: 'long' })

describe('smoke', () => {
  it('runs an aggregation on 2 threads', async () => {
    const session = newSession({ 'tributary.executor.threads': '2', 'tributary.sql.shuffle.partitions': '4' })
    const input = new MemoryStream(session, events)
    const out: Record<string, unknown>[][] = []
    const t0 = Date.now()
    const q = await input
      .toDF()
      .groupBy('key')
      .agg(count().alias('n'), F.sum('v').alias('s'))
      .writeStream.outputMode('complete')
      .option('checkpointLocation', tempDir())
      .foreachBatch(async (df) => {
        out.push(await df.collect())
      })
      .start()
    input.addData([
      { key: 'a', ts: new Date(0), v: 1 },
      { key: 'b', ts: new Date(0), v: 2 },
      { key: 'a', ts: new Date(0), v: 3 },
    ])
    await q.processAllAvailable()
    console.log('first batch after', Date.now() - t0, 'ms')
    input.addData([{ key: 'c', ts: new Date(0), v: 5 }])
    await q.processAllAvailable()
    console.log(q.explain())
    console.log(JSON.stringify(q.lastProgress?.executor), JSON.stringify(q.lastProgress?.stateOperators))
    await q.stop()
    const last = out[out.length - 1].map((r) => JSON.stringify(r)).sort()
    expect(last).toEqual(
      [
        { key: 'a', n: 2, s: 4 },
        { key: 'b', n: 1, s: 2 },
        { key: 'c', n: 1, s: 5 },
      ].map((r) => JSON.stringify(r)),
    )
    void col
  })
})
