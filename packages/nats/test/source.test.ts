import { readFileSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import type { DataFrame, Session, StreamingQuery } from '@tributary/core'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { NATS_HOST, NATS_PORT, newSession, type Row, SERVERS, tempDir, testStream, texts } from './helpers.js'

const check = await requireService('NATS JetStream', NATS_HOST, NATS_PORT)

function natsStream(
  session: Session,
  stream: string,
  options: Record<string, string | number | boolean> = {},
) {
  return session.readStream
    .format('nats')
    .options({ servers: SERVERS, stream, startingPosition: 'earliest', ...options })
    .load()
}

async function toMemory(df: DataFrame<Row>, name: string, checkpoint: string): Promise<StreamingQuery> {
  return df.writeStream.format('memory').queryName(name).option('checkpointLocation', checkpoint).start()
}

const rowsOf = async (session: Session, name: string) => (await session.table(name).collect()) as Row[]

describe.skipIf(!check.available)('nats source', () => {
  it('reads every stored message once, with subject, data, sequence and timestamp', async () => {
    const s = await testStream()
    const before = Date.now()
    await s.publish(`${s.prefix}.a`, ['one', 'two'])
    await s.publish(`${s.prefix}.b`, ['three'])
    const session = newSession()
    const q = await toMemory(natsStream(session, s.name), 'all', tempDir())
    await q.processAllAvailable()
    await s.publish(`${s.prefix}.a`, ['four'])
    await q.processAllAvailable()
    await q.stop()
    const rows = await rowsOf(session, 'all')
    expect(rows.map((r) => [r.subject, r.sequence])).toEqual([
      [`${s.prefix}.a`, 1],
      [`${s.prefix}.a`, 2],
      [`${s.prefix}.b`, 3],
      [`${s.prefix}.a`, 4],
    ])
    expect(texts(rows)).toEqual(['one', 'two', 'three', 'four'])
    for (const r of rows) {
      expect(r.timestamp).toBeInstanceOf(Date)
      expect((r.timestamp as Date).getTime()).toBeGreaterThanOrEqual(before - 1000)
      expect((r.timestamp as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000)
    }
    // The offsets are stream sequences: batch 0 ended at 3, batch 1 at 4.
    expect(q.recentProgress.map((p) => [p.sources[0].startOffset, p.sources[0].endOffset])).toEqual([
      [0, 3],
      [3, 4],
    ])
    expect(q.lastProgress?.sources[0].metrics).toMatchObject({ messagesBehind: 0, messagesLost: 0 })
  })

  it('replays a logged but uncommitted batch with exactly the same rows, even after new messages', async () => {
    const s = await testStream()
    await s.publish(`${s.prefix}.x`, ['a', 'b', 'c'])
    const session = newSession()
    const checkpoint = tempDir()
    const seen: { batchId: number; seqs: unknown[]; data: string[] }[] = []
    const start = () =>
      natsStream(session, s.name)
        .writeStream.option('checkpointLocation', checkpoint)
        .foreachBatch(async (df, batchId) => {
          const rows = (await df.collect()) as Row[]
          seen.push({ batchId, seqs: rows.map((r) => r.sequence), data: texts(rows) })
        })
        .start()
    const q1 = await start()
    await q1.processAllAvailable()
    await s.publish(`${s.prefix}.x`, ['d', 'e'])
    await q1.processAllAvailable()
    await q1.stop()
    expect(seen.map((b) => b.batchId)).toEqual([0, 1])
    // A crash after the sink write but before commits/1; meanwhile more messages arrive.
    rmSync(path.join(checkpoint, 'commits', '1'))
    await s.publish(`${s.prefix}.x`, ['f'])
    const q2 = await start()
    await q2.processAllAvailable()
    await q2.stop()
    expect(seen.map((b) => b.batchId)).toEqual([0, 1, 1, 2])
    expect(seen[2]).toEqual(seen[1])
    expect(seen[1]).toEqual({ batchId: 1, seqs: [4, 5], data: ['d', 'e'] })
    expect(seen[3]).toEqual({ batchId: 2, seqs: [6], data: ['f'] })
  })

  it('keeps the starting offset of latest in the checkpoint, so a replayed first batch reads the same range', async () => {
    const s = await testStream()
    await s.publish(`${s.prefix}.x`, ['old1', 'old2'])
    const session = newSession()
    const checkpoint = tempDir()
    const batches: string[][] = []
    const start = () =>
      natsStream(session, s.name, { startingPosition: 'latest' })
        .writeStream.option('checkpointLocation', checkpoint)
        .foreachBatch(async (df) => {
          batches.push(texts((await df.collect()) as Row[]))
        })
        .start()
    const q1 = await start()
    await s.publish(`${s.prefix}.x`, ['new1'])
    await q1.processAllAvailable()
    await q1.stop()
    rmSync(path.join(checkpoint, 'commits', '0'))
    await s.publish(`${s.prefix}.x`, ['new2'])
    const q2 = await start()
    await q2.processAllAvailable()
    await q2.stop()
    expect(batches).toEqual([['new1'], ['new1'], ['new2']])
    const recorded = JSON.parse(
      readFileSync(path.join(checkpoint, 'sources', '0', 'initial-offset.json'), 'utf8'),
    )
    expect(recorded).toMatchObject({ stream: s.name, startingPosition: 'latest', offset: 2 })
  })

  it('starts at a sequence number or at a timestamp', async () => {
    const s = await testStream()
    await s.publish(`${s.prefix}.x`, ['1', '2', '3'])
    await new Promise((r) => setTimeout(r, 50))
    const middle = new Date().toISOString()
    await new Promise((r) => setTimeout(r, 50))
    await s.publish(`${s.prefix}.x`, ['4', '5'])
    const session = newSession()
    const bySeq = await toMemory(natsStream(session, s.name, { startingPosition: '2' }), 'bySeq', tempDir())
    const byTime = await toMemory(
      natsStream(session, s.name, { startingPosition: middle }),
      'byTime',
      tempDir(),
    )
    await bySeq.processAllAvailable()
    await byTime.processAllAvailable()
    expect(texts(await rowsOf(session, 'bySeq'))).toEqual(['2', '3', '4', '5'])
    expect(texts(await rowsOf(session, 'byTime'))).toEqual(['4', '5'])
  })

  it('limits each batch to maxMessagesPerTrigger messages', async () => {
    const s = await testStream()
    await s.publish(
      `${s.prefix}.x`,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    )
    const session = newSession()
    const q = await toMemory(natsStream(session, s.name, { maxMessagesPerTrigger: 3 }), 'limited', tempDir())
    await q.processAllAvailable()
    await q.stop()
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([3, 3, 3, 1])
    expect(q.recentProgress.map((p) => p.sources[0].endOffset)).toEqual([3, 6, 9, 10])
    expect(texts(await rowsOf(session, 'limited'))).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`))
  })

  it('reads only the filter subject, across the gaps it leaves in the sequences', async () => {
    const s = await testStream()
    for (let i = 0; i < 6; i++) {
      await s.publish(`${s.prefix}.${i % 3 === 0 ? 'keep' : 'other'}`, [`m${i}`])
    }
    const session = newSession()
    const q = await toMemory(
      natsStream(session, s.name, { subject: `${s.prefix}.keep`, maxMessagesPerTrigger: 1 }),
      'filtered',
      tempDir(),
    )
    await q.processAllAvailable()
    await s.publish(`${s.prefix}.other`, ['m6'])
    await q.processAllAvailable()
    await q.stop()
    const rows = await rowsOf(session, 'filtered')
    expect(rows.map((r) => r.sequence)).toEqual([1, 4])
    expect(texts(rows)).toEqual(['m0', 'm3'])
    // Each batch ends at the sequence of its last message; then the offset moves past the other subjects.
    expect(q.recentProgress.map((p) => [p.sources[0].endOffset, p.numInputRows])).toEqual([
      [1, 1],
      [4, 1],
      [6, 0],
      [7, 0],
    ])
    expect(q.lastProgress?.sources[0].metrics.messagesLost).toBe(0)
  })

  it('reads ranges longer than one pull, with and without a filter', async () => {
    const s = await testStream()
    const js = (await import('@nats-io/jetstream')).jetstream(s.nc)
    const encoder = new TextEncoder()
    const acks = Array.from({ length: 2500 }, (_, i) =>
      js.publish(`${s.prefix}.${i % 2 ? 'odd' : 'even'}`, encoder.encode(String(i))),
    )
    await Promise.all(acks)
    const session = newSession()
    const all = await toMemory(natsStream(session, s.name), 'big', tempDir())
    const even = await toMemory(
      natsStream(session, s.name, { subject: `${s.prefix}.even` }),
      'bigEven',
      tempDir(),
    )
    await all.processAllAvailable()
    await even.processAllAvailable()
    expect((await rowsOf(session, 'big')).map((r) => r.sequence)).toEqual(
      Array.from({ length: 2500 }, (_, i) => i + 1),
    )
    expect(texts(await rowsOf(session, 'bigEven'))).toEqual(
      Array.from({ length: 1250 }, (_, i) => String(2 * i)),
    )
  })

  it('adds the headers as a map with includeHeaders', async () => {
    const s = await testStream()
    await s.publish(`${s.prefix}.h`, ['with'], { 'x-trace': 'abc', 'content-type': 'text/plain' })
    await s.publish(`${s.prefix}.h`, ['without'])
    const session = newSession()
    const df = natsStream(session, s.name, { includeHeaders: true })
    expect(df.schema.simpleString()).toBe(
      'struct<subject:string,data:binary,sequence:long,timestamp:timestamp,headers:map<string,string>>',
    )
    const q = await toMemory(df, 'headers', tempDir())
    await q.processAllAvailable()
    const rows = await rowsOf(session, 'headers')
    expect(rows[0].headers).toEqual({ 'x-trace': 'abc', 'content-type': 'text/plain' })
    expect(rows[1].headers).toEqual({})
  })

  it('fails on messages removed by retention before they were read, naming the stream and sequences', async () => {
    const s = await testStream({ max_msgs: 5 })
    await s.publish(`${s.prefix}.x`, ['1', '2', '3'])
    const session = newSession()
    const checkpoint = tempDir()
    const q1 = await toMemory(natsStream(session, s.name), 'lossy', checkpoint)
    await q1.processAllAvailable()
    await q1.stop()
    // While the query is down, 7 more arrive; the stream keeps the newest 5 (6–10): 4 and 5 are gone.
    await s.publish(`${s.prefix}.x`, ['4', '5', '6', '7', '8', '9', '10'])
    const q2 = await toMemory(natsStream(session, s.name), 'lossy', checkpoint)
    await expect(q2.processAllAvailable()).rejects.toThrow(
      new RegExp(
        `NATS_DATA_LOSS: 2 message\\(s\\) of stream '${s.name}' in the batch's range 4–10 were removed before the query read them: sequences 4–5\\.`,
      ),
    )
    expect(q2.exception?.code).toBe('NATS_DATA_LOSS')
  })

  it('skips and counts removed messages with failOnDataLoss false', async () => {
    const s = await testStream({ max_msgs: 5 })
    await s.publish(`${s.prefix}.x`, ['1', '2', '3'])
    const session = newSession()
    const checkpoint = tempDir()
    const opts = { failOnDataLoss: false }
    const q1 = await toMemory(natsStream(session, s.name, opts), 'skip', checkpoint)
    await q1.processAllAvailable()
    await q1.stop()
    await s.publish(`${s.prefix}.x`, ['4', '5', '6', '7', '8', '9', '10'])
    const q2 = await toMemory(natsStream(session, s.name, opts), 'skip', checkpoint)
    await q2.processAllAvailable()
    await q2.stop()
    expect(texts(await rowsOf(session, 'skip'))).toEqual(['1', '2', '3', '6', '7', '8', '9', '10'])
    expect(q2.lastProgress?.sources[0].metrics.messagesLost).toBe(2)
  })

  it('detects a message deleted inside the range, also under a subject filter', async () => {
    const s = await testStream()
    await s.publish(`${s.prefix}.a`, ['1', '2', '3', '4'])
    await s.jsm.streams.deleteMessage(s.name, 2)
    const session = newSession()
    const q = await toMemory(natsStream(session, s.name, { subject: `${s.prefix}.a` }), 'deleted', tempDir())
    await expect(q.processAllAvailable()).rejects.toThrow(/sequences 2\./)
  })

  it('treats messages removed before the first start as never there with earliest', async () => {
    const s = await testStream({ max_msgs: 2 })
    await s.publish(`${s.prefix}.x`, ['1', '2', '3', '4'])
    const session = newSession()
    const q = await toMemory(natsStream(session, s.name), 'earliest', tempDir())
    await q.processAllAvailable()
    expect(texts(await rowsOf(session, 'earliest'))).toEqual(['3', '4'])
  })

  it('reads what is stored when the query starts with availableNow, then stops', async () => {
    const s = await testStream()
    await s.publish(`${s.prefix}.x`, ['1', '2', '3', '4', '5'])
    const session = newSession()
    const q = await natsStream(session, s.name, { maxMessagesPerTrigger: 2 })
      .writeStream.format('memory')
      .queryName('now')
      .option('checkpointLocation', tempDir())
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination()
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([2, 2, 1])
    // The progress bar's share: sequences read out of those stored at the start.
    expect(
      q.recentProgress.map((p) => {
        const m = p.sources[0].metrics
        return [m.availableNowDone, m.availableNowTotal, m.availableNowUnit]
      }),
    ).toEqual([
      [2, 5, 'sequences'],
      [4, 5, 'sequences'],
      [5, 5, 'sequences'],
    ])
  })

  it('reads a bounded batch with session.read, from the earliest message by default', async () => {
    const s = await testStream()
    await s.publish(`${s.prefix}.x`, ['1', '2'])
    const session = newSession()
    const rows = (await session.read
      .format('jetstream')
      .options({ servers: SERVERS, stream: s.name })
      .load()
      .collect()) as Row[]
    expect(texts(rows)).toEqual(['1', '2'])
  })
})
