import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { MemoryStream, schema } from '@tributary/core'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { NATS_HOST, NATS_PORT, newSession, SERVERS, tempDir, testStream } from './helpers.js'

const check = await requireService('NATS JetStream', NATS_HOST, NATS_PORT)

const events = schema({ subject: 'string', id: 'long', name: 'string', at: 'timestamp' })
type Event = { subject: string; id: number; name: string; at: Date }

function startSink(input: MemoryStream<Event>, checkpoint: string, options: Record<string, string> = {}) {
  return input
    .toDF()
    .writeStream.format('nats')
    .options({ servers: SERVERS, ...options })
    .option('checkpointLocation', checkpoint)
    .start()
}

describe.skipIf(!check.available)('nats sink', () => {
  it('publishes each row as JSON to its subject column, with ids <queryId>:<batchId>:<row>', async () => {
    const s = await testStream()
    const session = newSession()
    const input = new MemoryStream(session, events)
    const q = await startSink(input, tempDir())
    const at = new Date('2024-05-01T12:00:00Z')
    input.addData([
      { subject: `${s.prefix}.a`, id: 1, name: 'x', at },
      { subject: `${s.prefix}.b`, id: 2, name: 'y', at },
    ])
    await q.processAllAvailable()
    await q.stop()
    const stored = await s.stored()
    expect(stored.map((m) => m.subject)).toEqual([`${s.prefix}.a`, `${s.prefix}.b`])
    expect(JSON.parse(stored[0].data)).toEqual({ id: 1, name: 'x', at: '2024-05-01T12:00:00.000Z' })
    expect(stored.map((m) => m.msgId)).toEqual([`${q.id}:0:0`, `${q.id}:0:1`])
  })

  it('drops the copies of a replayed batch within the duplicate window: no duplicates in the stream', async () => {
    const s = await testStream()
    const session = newSession()
    const checkpoint = tempDir()
    const input = new MemoryStream(session, events)
    const at = new Date(0)
    const row = (id: number) => ({ subject: `${s.prefix}.e`, id, name: `n${id}`, at })
    const q1 = await startSink(input, checkpoint)
    input.addData([row(1), row(2)])
    await q1.processAllAvailable()
    input.addData([row(3), row(4), row(5)])
    await q1.processAllAvailable()
    await q1.stop()
    // A crash after the sink wrote batch 1 but before commits/1: the restart writes it again.
    rmSync(path.join(checkpoint, 'commits', '1'))
    const q2 = await startSink(input, checkpoint)
    await q2.processAllAvailable()
    input.addData([row(6)])
    await q2.processAllAvailable()
    await q2.stop()
    expect(q2.recentProgress.map((p) => p.batchId)).toEqual([1, 2])
    expect(q2.recentProgress[0].sink.metrics).toMatchObject({ messagesPublished: 0, duplicatesDropped: 3 })
    const ids = (await s.stored()).map((m) => JSON.parse(m.data).id)
    expect(ids).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('publishes a string column to a fixed subject with valueColumn, and sets headers from a headers column', async () => {
    const s = await testStream()
    const session = newSession()
    const input = new MemoryStream(
      session,
      schema({ body: 'string', headers: { map: 'string' }, other: 'long' }),
    )
    const q = await input
      .toDF()
      .writeStream.format('jetstream')
      .options({ servers: SERVERS, subject: `${s.prefix}.fixed`, valueColumn: 'body', sinkId: 'etl-1' })
      .option('checkpointLocation', tempDir())
      .start()
    input.addData([{ body: 'hello', headers: { 'x-k': 'v' }, other: 1 }])
    await q.processAllAvailable()
    await q.stop()
    const m = await s.jsm.streams.getMessage(s.name, { seq: 1 })
    expect(m?.subject).toBe(`${s.prefix}.fixed`)
    expect(m?.string()).toBe('hello')
    expect(m?.header.get('x-k')).toBe('v')
    expect(m?.header.get('Nats-Msg-Id')).toBe('etl-1:0:0')
  })

  it('round-trips: the nats source into the nats sink keeps the payload bytes', async () => {
    const from = await testStream()
    const to = await testStream()
    await from.publish(`${from.prefix}.in`, ['α', 'β'])
    const session = newSession()
    const q = await session.readStream
      .format('nats')
      .options({ servers: SERVERS, stream: from.name, startingPosition: 'earliest' })
      .load()
      .select('data')
      .writeStream.format('nats')
      .options({ servers: SERVERS, subject: `${to.prefix}.out` })
      .option('checkpointLocation', tempDir())
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect((await to.stored()).map((m) => m.data)).toEqual(['α', 'β'])
  })

  it('refuses rows without a subject at start, and names a subject no stream stores', async () => {
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    await expect(
      input.toDF().writeStream.format('nats').option('checkpointLocation', tempDir()).start(),
    ).rejects.toThrow(
      /NATS_SUBJECT_REQUIRED: the nats sink needs a subject: set option 'subject', or give the rows a 'subject' column/,
    )
    const q = await input
      .toDF()
      .writeStream.format('nats')
      .options({ servers: SERVERS, subject: 'tributary.nobody.stores.this' })
      .option('checkpointLocation', tempDir())
      .start()
    input.addData([{ value: 'x' }])
    await expect(q.processAllAvailable()).rejects.toThrow(
      /NATS_NO_STREAM: no JetStream stream on 127\.0\.0\.1:4222 stores subject 'tributary\.nobody\.stores\.this'/,
    )
  })
})
