import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { MemoryStream, nullable, schema } from '@tributary/core'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { newSession, REDIS_HOST, REDIS_PORT, tempDir, testKeys, URL } from './helpers.js'

const check = await requireService('Redis', REDIS_HOST, REDIS_PORT)

const readings = schema({
  sensor: 'string',
  temp: 'double',
  ok: 'boolean',
  at: 'timestamp',
  note: nullable('string'),
})
type Reading = { sensor: string; temp: number; ok: boolean; at: Date; note: string | null }
const reading = (sensor: string, temp: number, note: string | null = null): Reading => ({
  sensor,
  temp,
  ok: true,
  at: new Date('2024-05-01T12:00:00Z'),
  note,
})

function start<R>(input: MemoryStream<R>, checkpoint: string, options: Record<string, string | number>) {
  return input
    .toDF()
    .writeStream.format('redis')
    .options({ url: URL, ...options })
    .option('checkpointLocation', checkpoint)
    .start()
}

/** A crash after the sink wrote the last batch but before its commit: the restart writes it again. */
async function replayLastBatch<R>(
  input: MemoryStream<R>,
  checkpoint: string,
  options: Record<string, string | number>,
  batches: R[][],
) {
  const q1 = await start(input, checkpoint, options)
  for (const rows of batches) {
    input.addData(rows)
    await q1.processAllAvailable()
  }
  await q1.stop()
  rmSync(path.join(checkpoint, 'commits', String(batches.length - 1)))
  const q2 = await start(input, checkpoint, options)
  await q2.processAllAvailable()
  await q2.stop()
  return q2
}

describe.skipIf(!check.available)('redis sink, mode stream', () => {
  it('adds one entry per row with the columns as fields, leaving nulls out', async () => {
    const t = await testKeys()
    const s = t.key('out')
    const session = newSession()
    const input = new MemoryStream(session, readings)
    const q = await start(input, tempDir(), { stream: s })
    input.addData([reading('a', 21.5, 'hi'), reading('b', 19)])
    await q.processAllAvailable()
    await q.stop()
    const entries = await t.entries(s)
    expect(entries.map((e) => e.message)).toEqual([
      { sensor: 'a', temp: '21.5', ok: 'true', at: '2024-05-01T12:00:00.000Z', note: 'hi' },
      { sensor: 'b', temp: '19', ok: 'true', at: '2024-05-01T12:00:00.000Z' },
    ])
  })

  it('by default records each batch beside the stream, so a replayed batch is written once', async () => {
    const t = await testKeys()
    const s = t.key('once')
    const session = newSession()
    const input = new MemoryStream(session, readings)
    const q2 = await replayLastBatch(input, tempDir(), { stream: s }, [[reading('a', 1)], [reading('b', 2)]])
    expect((await t.entries(s)).map((e) => e.message.sensor)).toEqual(['a', 'b'])
    expect(q2.lastProgress?.sink.metrics).toEqual({ entriesAdded: 0, entriesSkipped: 1 })
    // The record: query id → last batch written, in one hash per target stream.
    expect(await t.redis.hGetAll(`${s}:tributary-batches`)).toEqual({ [q2.id]: '1' })
  })

  it('records batches per target stream when rows are routed by a stream column', async () => {
    const t = await testKeys()
    const session = newSession()
    const input = new MemoryStream(session, schema({ stream: 'string', v: 'long' }))
    const rows = (vs: number[]) => vs.map((v) => ({ stream: t.key(v % 2 ? 'odd' : 'even'), v }))
    await replayLastBatch(input, tempDir(), {}, [rows([1, 2]), rows([3, 4, 5])])
    expect((await t.entries(t.key('odd'))).map((e) => e.message.v)).toEqual(['1', '3', '5'])
    expect((await t.entries(t.key('even'))).map((e) => e.message.v)).toEqual(['2', '4'])
  })

  it('with recordBatches false, is at least once: a replayed batch is added again', async () => {
    const t = await testKeys()
    const s = t.key('dup')
    const session = newSession()
    const input = new MemoryStream(session, readings)
    await replayLastBatch(input, tempDir(), { stream: s, recordBatches: 'false' }, [
      [reading('a', 1)],
      [reading('b', 2)],
    ])
    expect((await t.entries(s)).map((e) => e.message.sensor)).toEqual(['a', 'b', 'b'])
    expect(await t.redis.exists(`${s}:tributary-batches`)).toBe(0)
  })

  it('refuses a target key of another type before writing any row of the batch', async () => {
    const t = await testKeys()
    await t.redis.set(t.key('not-a-stream'), 'x')
    const session = newSession()
    const input = new MemoryStream(session, schema({ stream: 'string', v: 'long' }))
    const q = await start(input, tempDir(), {})
    input.addData([
      { stream: t.key('fine'), v: 1 },
      { stream: t.key('not-a-stream'), v: 2 },
    ])
    await expect(q.processAllAvailable()).rejects.toThrow(/REDIS_NOT_A_STREAM/)
    await q.stop().catch(() => {})
    expect(await t.redis.exists(t.key('fine'))).toBe(0)
  })

  it('with idColumn, skips the ids a replayed batch already added: no duplicates', async () => {
    const t = await testKeys()
    const s = t.key('ids')
    const session = newSession()
    const input = new MemoryStream(session, schema({ eventId: 'long', sensor: 'string' }))
    const q2 = await replayLastBatch(input, tempDir(), { stream: s, idColumn: 'eventId' }, [
      [
        { eventId: 1000, sensor: 'a' },
        { eventId: 1001, sensor: 'b' },
      ],
      [{ eventId: 1002, sensor: 'c' }],
    ])
    const entries = await t.entries(s)
    expect(entries.map((e) => [e.id, e.message])).toEqual([
      ['1000-0', { sensor: 'a' }],
      ['1001-0', { sensor: 'b' }],
      ['1002-0', { sensor: 'c' }],
    ])
    expect(q2.lastProgress?.sink.metrics).toEqual({ entriesAdded: 0, entriesSkipped: 1 })
  })

  it('routes rows by a stream column', async () => {
    const t = await testKeys()
    const session = newSession()
    const input = new MemoryStream(session, schema({ stream: 'string', v: 'long' }))
    const q = await start(input, tempDir(), {})
    input.addData([1, 2, 3].map((v) => ({ stream: t.key(v % 2 ? 'odd' : 'even'), v })))
    await q.processAllAvailable()
    await q.stop()
    expect((await t.entries(t.key('odd'))).map((e) => e.message)).toEqual([{ v: '1' }, { v: '3' }])
    expect((await t.entries(t.key('even'))).map((e) => e.message)).toEqual([{ v: '2' }])
  })

  it('trims the stream to about maxLen entries (MAXLEN ~, whole nodes at a time)', async () => {
    const t = await testKeys()
    const s = t.key('capped')
    const session = newSession()
    const input = new MemoryStream(session, schema({ v: 'long' }))
    const q = await start(input, tempDir(), { stream: s, maxLen: 100 })
    input.addData(Array.from({ length: 1000 }, (_, v) => ({ v })))
    await q.processAllAvailable()
    await q.stop()
    const length = await t.redis.xLen(s)
    expect(length).toBeGreaterThanOrEqual(100)
    expect(length).toBeLessThan(1000)
  })

  it('adds the rows of a batch in id order, and refuses an id given twice', async () => {
    const t = await testKeys()
    const session = newSession()
    const input = new MemoryStream(session, schema({ id: 'string', v: 'string' }))
    const q = await start(input, tempDir(), { stream: t.key('order'), idColumn: 'id' })
    input.addData([
      { id: '5-0', v: 'a' },
      { id: '4-0', v: 'b' },
    ])
    await q.processAllAvailable()
    expect((await t.entries(t.key('order'))).map((e) => e.id)).toEqual(['4-0', '5-0'])
    input.addData([
      { id: '7-0', v: 'c' },
      { id: '6', v: 'd' },
      { id: '7-0', v: 'e' },
    ])
    await expect(q.processAllAvailable()).rejects.toThrow(
      /REDIS_DUPLICATE_ID: in batch 1, rows 0 and 2 both have entry id 7-0 for stream '.*'/,
    )
    // All or nothing: 6-0 did not go in either.
    expect((await t.entries(t.key('order'))).map((e) => e.id)).toEqual(['4-0', '5-0'])
  })

  it('round-trips through the redis source with a typed schema', async () => {
    const t = await testKeys()
    const from = t.key('in')
    const to = t.key('copy')
    await t.add(from, [{ sensor: 'x', temp: '1.5' }])
    const session = newSession()
    const q = await session.readStream
      .format('redis')
      .options({ url: URL, streams: from, startingPosition: 'earliest' })
      .schema(schema({ _id: 'string', sensor: 'string', temp: 'double' }))
      .load()
      .writeStream.format('redis')
      .options({ url: URL, stream: to, idColumn: '_id' })
      .option('checkpointLocation', tempDir())
      .start()
    await q.processAllAvailable()
    await q.stop()
    const [src] = await t.entries(from)
    expect(await t.entries(to)).toEqual([{ id: src.id, message: { sensor: 'x', temp: '1.5' } }])
  })
})

describe.skipIf(!check.available)('redis sink, modes hash and key-value', () => {
  it('hash: HSET of the other columns under prefix + key columns, HDEL of nulls, with a ttl', async () => {
    const t = await testKeys()
    const session = newSession()
    const input = new MemoryStream(session, readings)
    const q = await start(input, tempDir(), {
      mode: 'hash',
      keyColumns: 'sensor',
      keyPrefix: t.key('sensor:'),
      ttl: '1 hour',
    })
    input.addData([reading('a', 20, 'first')])
    await q.processAllAvailable()
    input.addData([reading('a', 22), reading('b', 5, 'x')])
    await q.processAllAvailable()
    await q.stop()
    expect(await t.redis.hGetAll(t.key('sensor:a'))).toEqual({
      temp: '22',
      ok: 'true',
      at: '2024-05-01T12:00:00.000Z',
    })
    expect(await t.redis.hGetAll(t.key('sensor:b'))).toEqual({
      temp: '5',
      ok: 'true',
      at: '2024-05-01T12:00:00.000Z',
      note: 'x',
    })
    const ttl = await t.redis.pTTL(t.key('sensor:a'))
    expect(ttl).toBeGreaterThan(3_500_000)
    expect(ttl).toBeLessThanOrEqual(3_600_000)
  })

  it('hash: a replayed batch writes the same values again (idempotent)', async () => {
    const t = await testKeys()
    const session = newSession()
    const input = new MemoryStream(session, schema({ user: 'string', region: 'string', total: 'long' }))
    const options = { mode: 'hash', keyColumns: 'user,region', keyPrefix: t.key('') }
    await replayLastBatch(input, tempDir(), options, [
      [{ user: 'ann', region: 'eu', total: 1 }],
      [{ user: 'ann', region: 'eu', total: 3 }],
    ])
    expect(await t.redis.hGetAll(t.key('ann:eu'))).toEqual({ total: '3' })
    expect(await t.redis.keys(`${t.prefix}*`)).toEqual([t.key('ann:eu')])
  })

  it('key-value: SET of a value column, or of the other columns as JSON', async () => {
    const t = await testKeys()
    const session = newSession()
    const input = new MemoryStream(session, schema({ k: 'string', label: 'string', n: 'long' }))
    const byColumn = await start(input, tempDir(), {
      mode: 'key-value',
      keyColumns: 'k',
      keyPrefix: t.key('v:'),
      valueColumn: 'label',
    })
    const asJson = await start(input, tempDir(), {
      mode: 'key-value',
      keyColumns: 'k',
      keyPrefix: t.key('j:'),
    })
    input.addData([{ k: 'one', label: 'first', n: 1 }])
    await byColumn.processAllAvailable()
    await asJson.processAllAvailable()
    expect(await t.redis.get(t.key('v:one'))).toBe('first')
    expect(JSON.parse((await t.redis.get(t.key('j:one'))) ?? '')).toEqual({ label: 'first', n: 1 })
  })
})
