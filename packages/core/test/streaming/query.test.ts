import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { firstValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import {
  col,
  functions as F,
  ManualClock,
  MemoryStream,
  type Session,
  type SinkProvider,
  StreamingQueryException,
  type StreamingQueryProgress,
  schema,
} from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const events = schema({ id: 'long', user: 'string', amount: 'double' })
type Event = { id: number; user: string; amount: number }
const ev = (id: number, user = `u${id % 3}`, amount = id * 1.5): Event => ({ id, user, amount })

async function tableRows(session: Session, name: string) {
  return (await session.table(name).collect()) as Record<string, unknown>[]
}

describe('streaming query lifecycle', () => {
  it('runs a stateless query batch by batch into the memory sink', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const q = await input
      .toDF()
      .where(col('amount').gt(2))
      .select('id', col('amount').multiply(2).alias('double'))
      .writeStream.format('memory')
      .queryName('out')
      .start()
    input.addData([ev(1), ev(2), ev(3)])
    await q.processAllAvailable()
    input.addData([ev(4)])
    await q.processAllAvailable()
    expect(await tableRows(session, 'out')).toEqual([
      { id: 2, double: 6 },
      { id: 3, double: 9 },
      { id: 4, double: 12 },
    ])
    expect(q.recentProgress.map((p) => p.batchId)).toEqual([0, 1])
    expect(q.isActive).toBe(true)
    await q.stop()
    expect(q.isActive).toBe(false)
    expect(q.status.message).toBe('Stopped')
  })

  it('reports Spark progress fields for every batch', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    input.addData([ev(1), ev(2)])
    const q = await input.toDF().writeStream.format('memory').queryName('p').start()
    await q.processAllAvailable()
    const p = q.lastProgress as StreamingQueryProgress
    expect(p.batchId).toBe(0)
    expect(p.id).toBe(q.id)
    expect(p.runId).toBe(q.runId)
    expect(p.name).toBe('p')
    expect(p.numInputRows).toBe(2)
    expect(p.sources).toHaveLength(1)
    expect(p.sources[0]).toMatchObject({ startOffset: -1, endOffset: 0, numInputRows: 2 })
    expect(p.sink).toMatchObject({ description: 'MemorySink[p]', numOutputRows: 2 })
    expect(Object.keys(p.durationMs).sort()).toEqual(
      [
        'addBatch',
        'commitOffsets',
        'getBatch',
        'latestOffset',
        'queryPlanning',
        'triggerExecution',
        'walCommit',
      ].sort(),
    )
    expect(p.processedRowsPerSecond).toBeGreaterThan(0)
    expect(Number.isNaN(Date.parse(p.timestamp))).toBe(false)
    await q.stop()
  })

  it('calls listeners in order and streams progress through progress$', async () => {
    const session = newSession()
    const seen: string[] = []
    session.streams.addListener({
      onQueryStarted: (e) => seen.push(`started:${e.name}`),
      onQueryProgress: (e) => seen.push(`progress:${e.progress.batchId}`),
      onQueryIdle: () => {
        if (seen[seen.length - 1] !== 'idle') seen.push('idle')
      },
      onQueryTerminated: (e) => seen.push(`terminated:${e.exception}`),
    })
    const input = new MemoryStream(session, events)
    input.addData([ev(1)])
    const q = await input.toDF().writeStream.format('memory').queryName('l').start()
    const all = firstValueFrom(q.progress$.pipe(toArray()))
    await q.processAllAvailable()
    input.addData([ev(2)])
    await q.processAllAvailable()
    await q.stop()
    expect((await all).map((p) => p.batchId)).toEqual([0, 1])
    expect(seen[0]).toBe('started:l')
    expect(seen).toContain('progress:0')
    expect(seen.indexOf('progress:1')).toBeGreaterThan(seen.indexOf('progress:0'))
    expect(seen[seen.length - 1]).toBe('terminated:null')
    expect(session.streams.active).toHaveLength(0)
  })

  it('a failing user function terminates the query with a StreamingQueryException', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const terminated: (string | null)[] = []
    session.streams.addListener({ onQueryTerminated: (e) => terminated.push(e.exception) })
    const q = await input
      .toDF()
      .map(
        (r) => {
          if (r.id === 13) throw new Error('unlucky row')
          return { id: r.id }
        },
        schema({ id: 'long' }),
      )
      .writeStream.format('memory')
      .queryName('f')
      .start()
    const anyTermination = session.streams.awaitAnyTermination()
    input.addData([ev(12), ev(13)])
    await expect(q.awaitTermination()).rejects.toBeInstanceOf(StreamingQueryException)
    await expect(anyTermination).rejects.toThrow(/unlucky row/)
    expect(q.isActive).toBe(false)
    expect(q.exception?.message).toMatch(
      /Query f \[id = .*, runId = .*\] terminated with exception: unlucky row/,
    )
    expect((q.exception!.cause as Error).message).toBe('unlucky row')
    expect(terminated[0]).toMatch(/unlucky row/)
  })

  it('awaitTermination with a timeout returns false while the query runs', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const q = await input.toDF().writeStream.format('memory').queryName('t').start()
    expect(await q.awaitTermination(30)).toBe(false)
    await q.stop()
    expect(await q.awaitTermination(30)).toBe(true)
  })

  it('foreach calls open, process and close per batch with the batch id', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const calls: string[] = []
    const q = await input
      .toDF()
      .select('id')
      .writeStream.foreach({
        open: (partition, epoch) => {
          calls.push(`open ${partition} ${epoch}`)
          return true
        },
        process: (row) => {
          calls.push(`row ${row.id}`)
        },
        close: (err) => {
          calls.push(`close ${err}`)
        },
      })
      .start()
    input.addData([ev(1), ev(2)])
    await q.processAllAvailable()
    input.addData([ev(3)])
    await q.processAllAvailable()
    await q.stop()
    expect(calls).toEqual(['open 0 0', 'row 1', 'row 2', 'close null', 'open 0 1', 'row 3', 'close null'])
  })

  it('toObservable emits rows and batches and completes on stop', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    const { sink, writer } = input.toDF().select('id').writeStream.toObservable()
    const rows = firstValueFrom(sink.rows$.pipe(toArray()))
    const batches = firstValueFrom(sink.batches$.pipe(toArray()))
    const q = await writer.start()
    input.addData([ev(1), ev(2)])
    await q.processAllAvailable()
    input.addData([ev(3)])
    await q.processAllAvailable()
    await q.stop()
    expect(await rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    expect((await batches).map((b) => [b.batchId, b.rows.length])).toEqual([
      [0, 2],
      [1, 1],
    ])
  })
})

describe('triggers', () => {
  it('once runs a single batch of everything available, then stops', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    input.addData([ev(1)])
    input.addData([ev(2), ev(3)])
    const q = await input
      .toDF()
      .writeStream.format('memory')
      .queryName('once')
      .trigger({ once: true })
      .start()
    expect(await q.awaitTermination()).toBe(true)
    expect(q.recentProgress).toHaveLength(1)
    expect(await tableRows(session, 'once')).toHaveLength(3)
  })

  it('availableNow processes what is there and stops', async () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    input.addData([ev(1), ev(2)])
    const q = await input
      .toDF()
      .writeStream.format('memory')
      .queryName('an')
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination()
    expect(await tableRows(session, 'an')).toHaveLength(2)
    expect(q.isActive).toBe(false)
  })

  it('processingTime waits for the interval on the query clock', async () => {
    const session = newSession()
    const clock = new ManualClock(0)
    const input = new MemoryStream(session, events)
    input.addData([ev(1)])
    const q = await input
      .toDF()
      .writeStream.format('memory')
      .queryName('pt')
      .trigger({ processingTime: '10 seconds' })
      .clock(clock)
      .start()
    await waitFor(() => q.recentProgress.length === 1 && clock.isWaiting)
    input.addData([ev(2)])
    await sleep(50)
    expect(q.recentProgress).toHaveLength(1)
    clock.advance(9_999)
    await sleep(30)
    expect(q.recentProgress).toHaveLength(1)
    clock.advance(1)
    await waitFor(() => q.recentProgress.length === 2)
    expect(q.recentProgress[1].timestamp).toBe(new Date(10_000).toISOString())
    await q.stop()
  })

  it('rejects a trigger it cannot read', () => {
    const session = newSession()
    const input = new MemoryStream(session, events)
    expect(() => input.toDF().writeStream.trigger({ processingTime: 'ten seconds' })).toThrow(
      /cannot read 'ten seconds' as a duration/,
    )
  })
})

describe('checkpoint and restart', () => {
  it('a restarted query keeps its id, gets a new runId and writes each row once', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const input = new MemoryStream(session, events)
    const start = () =>
      input
        .toDF()
        .writeStream.format('memory')
        .queryName('r')
        .option('checkpointLocation', checkpoint)
        .start()
    const q1 = await start()
    input.addData([ev(1), ev(2)])
    await q1.processAllAvailable()
    await q1.stop()
    input.addData([ev(3)])
    const q2 = await start()
    await q2.processAllAvailable()
    input.addData([ev(4)])
    await q2.processAllAvailable()
    await q2.stop()
    expect(q2.id).toBe(q1.id)
    expect(q2.runId).not.toBe(q1.runId)
    expect((await tableRows(session, 'r')).map((r) => r.id)).toEqual([1, 2, 3, 4])
    expect(q2.recentProgress.map((p) => p.batchId)).toEqual([1, 2])
  })

  it('replays a batch whose offsets were logged but not committed, with the same offsets and timestamp', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const input = new MemoryStream(session, events)
    const seen: { batchId: number; ids: number[]; ts: number }[] = []
    const start = () =>
      input
        .toDF()
        .select('id', F.current_timestamp().alias('ts'))
        .writeStream.option('checkpointLocation', checkpoint)
        .foreachBatch(async (df, batchId) => {
          const rows = await df.collect()
          seen.push({ batchId, ids: rows.map((r) => r.id), ts: rows[0].ts.getTime() })
        })
        .start()
    const q1 = await start()
    input.addData([ev(1)])
    await q1.processAllAvailable()
    input.addData([ev(2), ev(3)])
    await q1.processAllAvailable()
    await q1.stop()
    // A crash after the sink write but before commits/1: the commit is missing.
    const { rmSync } = await import('node:fs')
    rmSync(path.join(checkpoint, 'commits', '1'))
    input.addData([ev(4)])
    const q2 = await start()
    await q2.processAllAvailable()
    await q2.stop()
    expect(seen.map((s) => [s.batchId, s.ids])).toEqual([
      [0, [1]],
      [1, [2, 3]],
      [1, [2, 3]],
      [2, [4]],
    ])
    expect(seen[2].ts).toBe(seen[1].ts)
    const logged = JSON.parse(readFileSync(path.join(checkpoint, 'offsets', '1'), 'utf8').split('\n')[1])
    expect(logged.batchTimestampMs).toBe(seen[1].ts)
  })

  it('refuses a checkpoint written by a query with another number of sources', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const a = new MemoryStream(session, events)
    const b = new MemoryStream(session, events)
    const q1 = await a
      .toDF()
      .writeStream.format('memory')
      .queryName('x')
      .option('checkpointLocation', checkpoint)
      .start()
    a.addData([ev(1)])
    await q1.processAllAvailable()
    await q1.stop()
    await expect(
      a
        .toDF()
        .union(b.toDF())
        .writeStream.format('memory')
        .queryName('x')
        .option('checkpointLocation', checkpoint)
        .start(),
    ).rejects.toThrow(
      /INCOMPATIBLE_CHECKPOINT: .* the number of sources changed from 1 \(memory\) to 2 \(memory, memory\)\. Restore the original query, or start this one with a new checkpointLocation/,
    )
  })

  it('refuses a restart with another number of state partitions', async () => {
    const checkpoint = tempDir()
    const s1 = newSession()
    const a = new MemoryStream(s1, events)
    const q1 = await a
      .toDF()
      .writeStream.format('memory')
      .queryName('x')
      .option('checkpointLocation', checkpoint)
      .start()
    await q1.stop()
    const s2 = newSession({ 'tributary.sql.shuffle.partitions': '16' })
    const b = new MemoryStream(s2, events)
    await expect(
      b.toDF().writeStream.format('memory').queryName('x').option('checkpointLocation', checkpoint).start(),
    ).rejects.toThrow(/tributary.sql.shuffle.partitions changed from 4 to 16/)
  })
})

describe('streaming analysis rules', () => {
  const mk = () => {
    const session = newSession()
    return { session, df: new MemoryStream(session, events).toDF() }
  }

  it('refuses sort, limit and distinct on a stream, naming the rule', async () => {
    const { df } = mk()
    await expect(df.orderBy('id').writeStream.format('memory').queryName('a').start()).rejects.toThrow(
      /STREAMING_SORT_NOT_SUPPORTED/,
    )
    await expect(df.limit(3).writeStream.format('memory').queryName('a').start()).rejects.toThrow(
      /STREAMING_LIMIT_NOT_SUPPORTED/,
    )
    await expect(df.distinct().writeStream.format('memory').queryName('a').start()).rejects.toThrow(
      /STREAMING_DISTINCT_NOT_SUPPORTED/,
    )
  })

  it('refuses complete mode without aggregation and a union of stream and batch', async () => {
    const { session, df } = mk()
    await expect(
      df.writeStream.outputMode('complete').format('memory').queryName('a').start(),
    ).rejects.toThrow(/COMPLETE_MODE_WITHOUT_AGGREGATION/)
    const batch = session.createDataFrame([ev(1)], events)
    await expect(df.union(batch).writeStream.format('memory').queryName('a').start()).rejects.toThrow(
      /STREAMING_UNION_WITH_BATCH/,
    )
  })

  it('refuses batch actions on a stream and writeStream on a batch', async () => {
    const { session, df } = mk()
    expect(df.isStreaming).toBe(true)
    await expect(df.collect()).rejects.toThrow(/STREAMING_QUERY_NEEDS_START: collect\(\)/)
    expect(() => session.createDataFrame([ev(1)], events).writeStream).toThrow(/WRITE_STREAM_NOT_ALLOWED/)
  })

  it('refuses unknown sink options with near matches, and durable sinks without a checkpoint', async () => {
    const { df } = mk()
    await expect(df.writeStream.format('console').option('numRow', 5).start()).rejects.toThrow(
      /unknown option 'numRow'. Did you mean 'numRows'\?/,
    )
    const durable: SinkProvider = {
      name: 'durable',
      createSink: () => ({ description: 'd', addBatch: async () => {} }),
    }
    await expect(df.writeStream.format(durable).start()).rejects.toThrow(/CHECKPOINT_LOCATION_REQUIRED/)
    await expect(df.writeStream.format('nosuch').start()).rejects.toThrow(
      /UNKNOWN_FORMAT: no sink for format 'nosuch'/,
    )
  })
})

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms))
}

async function waitFor(cond: () => boolean, timeoutMs = 5000) {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for condition')
    await sleep(5)
  }
}
