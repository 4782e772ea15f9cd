/**
 * A streaming aggregation gives the same answers whichever state store provider it runs
 * on: across stop and start, and when a batch is replayed after its state was committed
 * but its commit log entry was not (the commit file deleted).
 */
import { readdirSync, readlinkSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  AddData,
  CheckAnswer,
  CheckLastBatch,
  StartStream,
  StopStream,
  testStream,
} from '../../../testing/src/index.js'
import { col, collect_list, count, functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ k: 'string', v: 'double', ts: 'timestamp' })
const at = (k: string, v: number, minute: number) => ({
  k,
  v,
  ts: new Date(Date.UTC(2026, 0, 1, 12, minute)),
})
const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute))

function aggregate(input: MemoryStream<{ k: string; v: number; ts: Date }>) {
  return input
    .toDF()
    .groupBy('k')
    .agg(count().alias('n'), F.sum('v').alias('total'), collect_list(col('ts')).alias('times'))
}

/** Open file descriptors of this process that point into `dir` (Linux). */
function openFilesUnder(dir: string): string[] {
  try {
    return readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`)
        } catch {
          return ''
        }
      })
      .filter((target) => target.startsWith(dir))
  } catch {
    return []
  }
}

describe.each(['memory', 'lmdb', 'level'])('streaming aggregation on the %s state store', (provider) => {
  const conf = { 'tributary.stateStore.provider': provider }

  it('update mode, across stop and start', async () => {
    const session = newSession(conf)
    const input = new MemoryStream(session, events)
    await testStream(
      aggregate(input),
      { outputMode: 'update' },
      AddData(input, at('a', 1, 0), at('b', 2, 1), at('a', 3, 2)),
      CheckLastBatch(
        { k: 'a', n: 2, total: 4, times: [t(0), t(2)] },
        { k: 'b', n: 1, total: 2, times: [t(1)] },
      ),
      AddData(input, at('b', 10, 3)),
      CheckLastBatch({ k: 'b', n: 2, total: 12, times: [t(1), t(3)] }),
      StopStream,
      AddData(input, at('c', 5, 4)),
      StartStream(),
      CheckLastBatch({ k: 'c', n: 1, total: 5, times: [t(4)] }),
      AddData(input, at('a', -1, 5)),
      CheckLastBatch({ k: 'a', n: 3, total: 3, times: [t(0), t(2), t(5)] }),
    )
  })

  it('complete mode, across stop and start', async () => {
    const session = newSession(conf)
    const input = new MemoryStream(session, events)
    await testStream(
      aggregate(input),
      { outputMode: 'complete' },
      AddData(input, at('a', 1, 0), at('b', 2, 1)),
      CheckAnswer({ k: 'a', n: 1, total: 1, times: [t(0)] }, { k: 'b', n: 1, total: 2, times: [t(1)] }),
      StopStream,
      StartStream(),
      AddData(input, at('a', 2, 2)),
      CheckAnswer({ k: 'a', n: 2, total: 3, times: [t(0), t(2)] }, { k: 'b', n: 1, total: 2, times: [t(1)] }),
    )
  })

  for (const outputMode of ['update', 'complete'] as const) {
    it(`replays a batch whose commit log entry is missing from the state it first ran on (${outputMode})`, async () => {
      const session = newSession(conf)
      const checkpoint = tempDir()
      const input = new MemoryStream(session, events)
      const df = aggregate(input)
      const outputs = new Map<number, unknown[]>()
      const start = () =>
        df.writeStream
          .outputMode(outputMode)
          .option('checkpointLocation', checkpoint)
          .foreachBatch(async (batch, id) => {
            outputs.set(id, await batch.collect())
          })
          .start()
      const sortByKey = (rows: unknown[] | undefined) =>
        [...(rows ?? [])].sort((x, y) => ((x as { k: string }).k < (y as { k: string }).k ? -1 : 1))

      let q = await start()
      input.addData([at('a', 1, 0), at('b', 2, 1)])
      await q.processAllAvailable()
      input.addData([at('a', 3, 2), at('c', 4, 3)])
      await q.processAllAvailable()
      await q.stop()
      expect(openFilesUnder(checkpoint)).toEqual([])
      const first = sortByKey(outputs.get(1))
      expect(first.length).toBeGreaterThan(0)

      // As if the process died after the state commit of batch 1 and before commits/1.
      rmSync(path.join(checkpoint, 'commits', '1'))
      outputs.clear()
      q = await start()
      await q.processAllAvailable()
      expect(sortByKey(outputs.get(1))).toEqual(first)
      input.addData([at('a', 5, 4)])
      await q.processAllAvailable()
      await q.stop()
      const a = { k: 'a', n: 3, total: 9, times: [t(0), t(2), t(4)] }
      expect(sortByKey(outputs.get(2))).toEqual(
        outputMode === 'update'
          ? [a]
          : [a, { k: 'b', n: 1, total: 2, times: [t(1)] }, { k: 'c', n: 1, total: 4, times: [t(3)] }],
      )
      expect(q.lastProgress?.stateOperators[0].numRowsTotal).toBe(3)
    })
  }
})
