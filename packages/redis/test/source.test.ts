import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { type DataFrame, type Session, type StreamingQuery, schema } from '@tributary/core'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { newSession, REDIS_HOST, REDIS_PORT, type Row, tempDir, testKeys, URL } from './helpers.js'

const check = await requireService('Redis', REDIS_HOST, REDIS_PORT)

function redisStream(
  session: Session,
  streams: string,
  options: Record<string, string | number | boolean> = {},
) {
  return session.readStream
    .format('redis')
    .options({ url: URL, streams, startingPosition: 'earliest', ...options })
    .load()
}

const toMemory = <R>(df: DataFrame<R>, name: string, checkpoint: string): Promise<StreamingQuery> =>
  df.writeStream.format('memory').queryName(name).option('checkpointLocation', checkpoint).start()

const rowsOf = async (session: Session, name: string) => (await session.table(name).collect()) as Row[]

describe.skipIf(!check.available)('redis source', () => {
  it('reads every entry once with stream, id, timestamp and fields', async () => {
    const t = await testKeys()
    const s = t.key('events')
    const ids = await t.add(s, [
      { user: 'ann', n: '1' },
      { user: 'bob', n: '2' },
    ])
    const session = newSession()
    const q = await toMemory(redisStream(session, s), 'all', tempDir())
    await q.processAllAvailable()
    const more = await t.add(s, [{ user: 'cy' }])
    await q.processAllAvailable()
    await q.stop()
    const rows = await rowsOf(session, 'all')
    expect(rows).toEqual([
      {
        stream: s,
        id: ids[0],
        timestamp: new Date(Number(ids[0].split('-')[0])),
        fields: { user: 'ann', n: '1' },
      },
      {
        stream: s,
        id: ids[1],
        timestamp: new Date(Number(ids[1].split('-')[0])),
        fields: { user: 'bob', n: '2' },
      },
      { stream: s, id: more[0], timestamp: new Date(Number(more[0].split('-')[0])), fields: { user: 'cy' } },
    ])
    expect(q.recentProgress.map((p) => p.sources[0].endOffset)).toEqual([{ [s]: ids[1] }, { [s]: more[0] }])
  })

  it('reads exactly the range (start, end] given explicit ids', async () => {
    const t = await testKeys()
    const s = t.key('ids')
    await t.add(s, [{ v: 'a' }], '5-1')
    await t.add(s, [{ v: 'b' }], '5-2')
    await t.add(s, [{ v: 'c' }], '7-0')
    const session = newSession()
    const q = await toMemory(redisStream(session, s, { startingPosition: '5-1' }), 'range', tempDir())
    await q.processAllAvailable()
    expect((await rowsOf(session, 'range')).map((r) => r.id)).toEqual(['5-2', '7-0'])
  })

  it('replays a logged but uncommitted batch with exactly the same rows, even after new entries', async () => {
    const t = await testKeys()
    const s = t.key('replay')
    await t.add(s, [{ v: '1' }, { v: '2' }])
    const session = newSession()
    const checkpoint = tempDir()
    const seen: { batchId: number; values: unknown[] }[] = []
    const start = () =>
      redisStream(session, s)
        .writeStream.option('checkpointLocation', checkpoint)
        .foreachBatch(async (df, batchId) => {
          const rows = (await df.collect()) as Row[]
          seen.push({ batchId, values: rows.map((r) => (r.fields as Record<string, string>).v) })
        })
        .start()
    const q1 = await start()
    await q1.processAllAvailable()
    await t.add(s, [{ v: '3' }, { v: '4' }])
    await q1.processAllAvailable()
    await q1.stop()
    rmSync(path.join(checkpoint, 'commits', '1'))
    await t.add(s, [{ v: '5' }])
    const q2 = await start()
    await q2.processAllAvailable()
    await q2.stop()
    expect(seen).toEqual([
      { batchId: 0, values: ['1', '2'] },
      { batchId: 1, values: ['3', '4'] },
      { batchId: 1, values: ['3', '4'] },
      { batchId: 2, values: ['5'] },
    ])
  })

  it("resolves 'latest' once and keeps it in the checkpoint", async () => {
    const t = await testKeys()
    const s = t.key('latest')
    await t.add(s, [{ v: 'old' }])
    const session = newSession()
    const checkpoint = tempDir()
    const batches: unknown[][] = []
    const start = () =>
      redisStream(session, s, { startingPosition: 'latest' })
        .writeStream.option('checkpointLocation', checkpoint)
        .foreachBatch(async (df) => {
          batches.push(((await df.collect()) as Row[]).map((r) => (r.fields as Record<string, string>).v))
        })
        .start()
    const q1 = await start()
    await t.add(s, [{ v: 'new1' }])
    await q1.processAllAvailable()
    await q1.stop()
    rmSync(path.join(checkpoint, 'commits', '0'))
    await t.add(s, [{ v: 'new2' }])
    const q2 = await start()
    await q2.processAllAvailable()
    await q2.stop()
    expect(batches).toEqual([['new1'], ['new1'], ['new2']])
  })

  it('reads several streams, and a stream that does not exist yet once it appears', async () => {
    const t = await testKeys()
    const a = t.key('a')
    const b = t.key('b')
    await t.add(a, [{ v: 'a1' }, { v: 'a2' }])
    const session = newSession()
    const q = await toMemory(redisStream(session, `${a}, ${b}`), 'multi', tempDir())
    await q.processAllAvailable()
    await t.add(b, [{ v: 'b1' }])
    await q.processAllAvailable()
    await q.stop()
    const rows = await rowsOf(session, 'multi')
    expect(rows.map((r) => [r.stream, (r.fields as Record<string, string>).v])).toEqual([
      [a, 'a1'],
      [a, 'a2'],
      [b, 'b1'],
    ])
    expect(q.lastProgress?.sources[0].endOffset).toEqual({ [a]: rows[1].id, [b]: rows[2].id })
  })

  it('reads ranges longer than one XRANGE page', async () => {
    const t = await testKeys()
    const s = t.key('big')
    const multi = t.redis.multi()
    for (let i = 1; i <= 12_345; i++) multi.xAdd(s, `${i}-0`, { v: String(i) })
    await multi.exec()
    const session = newSession()
    const q = await toMemory(redisStream(session, s), 'big', tempDir())
    await q.processAllAvailable()
    const ids = (await rowsOf(session, 'big')).map((r) => r.id)
    expect(ids).toHaveLength(12_345)
    expect(ids[10_000]).toBe('10001-0')
    expect(q.lastProgress?.sources[0].metrics).toEqual({ entriesLost: 0, rangesWithDataLoss: 0 })
  })

  it('shares maxEntriesPerTrigger across streams', async () => {
    const t = await testKeys()
    const a = t.key('busy')
    const b = t.key('quiet')
    await t.add(
      a,
      Array.from({ length: 7 }, (_, i) => ({ v: `a${i}` })),
    )
    await t.add(b, [{ v: 'b0' }])
    const session = newSession()
    const q = await toMemory(
      redisStream(session, `${a},${b}`, { maxEntriesPerTrigger: 4 }),
      'limited',
      tempDir(),
    )
    await q.processAllAvailable()
    await q.stop()
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([4, 4])
    const rows = await rowsOf(session, 'limited')
    // First batch: the quiet stream's one entry and three of the busy one's; then the other four.
    expect(rows.map((r) => (r.fields as Record<string, string>).v)).toEqual([
      'a0',
      'a1',
      'a2',
      'b0',
      'a3',
      'a4',
      'a5',
      'a6',
    ])
  })

  it('parses typed fields with a schema, with the entry id and time in _id and _timestamp', async () => {
    const t = await testKeys()
    const s = t.key('typed')
    await t.add(
      s,
      [{ sensor: 's1', temp: '21.5', ok: 'true', count: '3', at: '2024-05-01T10:00:00Z' }],
      '1000-0',
    )
    await t.add(s, [{ sensor: 's2', temp: '19', ok: '0', at: '1714557600000' }], '2000-0')
    const session = newSession()
    const typed = session.readStream
      .format('redis')
      .options({ url: URL, streams: s, startingPosition: 'earliest' })
      .schema(
        schema({
          _id: 'string',
          _timestamp: 'timestamp',
          sensor: 'string',
          temp: 'double',
          ok: 'boolean',
          count: 'long',
          at: 'timestamp',
        }),
      )
      .load()
    const q = await toMemory(typed, 'typed', tempDir())
    await q.processAllAvailable()
    expect(await rowsOf(session, 'typed')).toEqual([
      {
        _id: '1000-0',
        _timestamp: new Date(1000),
        sensor: 's1',
        temp: 21.5,
        ok: true,
        count: 3,
        at: new Date('2024-05-01T10:00:00Z'),
      },
      {
        _id: '2000-0',
        _timestamp: new Date(2000),
        sensor: 's2',
        temp: 19,
        ok: false,
        count: null,
        at: new Date(1714557600000),
      },
    ])
  })

  describe('malformed fields', () => {
    const sensors = schema({ _id: 'string', temp: 'double', _corrupt_record: 'string' })
    const setup = async () => {
      const t = await testKeys()
      const s = t.key('bad')
      await t.add(s, [{ temp: '20' }], '1-0')
      await t.add(s, [{ temp: 'warm' }], '2-0')
      await t.add(s, [{ temp: '22' }], '3-0')
      return s
    }
    const read = async (s: string, mode: string) => {
      const session = newSession()
      const df = session.readStream
        .format('redis')
        .options({ url: URL, streams: s, startingPosition: 'earliest', mode })
        .schema(sensors)
        .load()
      const q = await toMemory(df, 'bad', tempDir())
      return { q, session }
    }

    it('PERMISSIVE keeps the entry with null and the fields as JSON in _corrupt_record', async () => {
      const { q, session } = await read(await setup(), 'PERMISSIVE')
      await q.processAllAvailable()
      expect(await rowsOf(session, 'bad')).toEqual([
        { _id: '1-0', temp: 20, _corrupt_record: null },
        { _id: '2-0', temp: null, _corrupt_record: '{"temp":"warm"}' },
        { _id: '3-0', temp: 22, _corrupt_record: null },
      ])
    })

    it('DROPMALFORMED drops and counts it', async () => {
      const { q, session } = await read(await setup(), 'DROPMALFORMED')
      await q.processAllAvailable()
      expect((await rowsOf(session, 'bad')).map((r) => r._id)).toEqual(['1-0', '3-0'])
      expect(q.lastProgress?.numDroppedMalformedRows).toBe(1)
    })

    it('DROPMALFORMED with withDeadLetters loses nothing: rows plus dead letters are the entries', async () => {
      const s = await setup()
      const session = newSession()
      const letters: { position: unknown; raw: string; error: string }[] = []
      const q = await session.readStream
        .format('redis')
        .options({ url: URL, streams: s, startingPosition: 'earliest', mode: 'DROPMALFORMED' })
        .schema(sensors)
        .load()
        .writeStream.format('memory')
        .queryName('dl')
        .option('checkpointLocation', tempDir())
        .withDeadLetters((batch) => {
          letters.push(...batch)
        })
        .start()
      await q.processAllAvailable()
      await q.stop()
      expect((await rowsOf(session, 'dl')).map((r) => r._id)).toEqual(['1-0', '3-0'])
      expect(letters).toHaveLength(1)
      expect(letters[0]).toMatchObject({ position: { stream: s, id: '2-0' }, raw: '{"temp":"warm"}' })
      expect(letters[0].error).toMatch(/field 'temp' = "warm" is not a double/)
    })

    it('FAILFAST stops naming the stream, the id and the field', async () => {
      const s = await setup()
      const { q } = await read(s, 'FAILFAST')
      await expect(q.processAllAvailable()).rejects.toThrow(
        `MALFORMED_RECORD: malformed entry in stream '${s}', id 2-0: field 'temp' = "warm" is not a double.`,
      )
    })
  })

  describe('data loss', () => {
    it('fails when trimming removed entries the query had not read, and counts them with failOnDataLoss false', async () => {
      for (const failOnDataLoss of [true, false]) {
        const t = await testKeys()
        const s = t.key('trimmed')
        await t.add(s, [{ v: '1' }, { v: '2' }])
        const session = newSession()
        const checkpoint = tempDir()
        const opts = { failOnDataLoss }
        const q1 = await toMemory(redisStream(session, s, opts), 'trim', checkpoint)
        await q1.processAllAvailable()
        await q1.stop()
        // While the query is down: 3 more entries, then the stream keeps the newest 2 (4 and 5); 3 is lost.
        await t.add(s, [{ v: '3' }, { v: '4' }, { v: '5' }])
        await t.redis.xTrim(s, 'MAXLEN', 2)
        const q2 = await toMemory(redisStream(session, s, opts), 'trim', checkpoint)
        if (failOnDataLoss) {
          await expect(q2.processAllAvailable()).rejects.toThrow(
            new RegExp(
              `REDIS_DATA_LOSS: stream '${s}': 1 entry was removed before the query read the batch's range`,
            ),
          )
        } else {
          await q2.processAllAvailable()
          await q2.stop()
          expect((await rowsOf(session, 'trim')).map((r) => (r.fields as Record<string, string>).v)).toEqual([
            '1',
            '2',
            '4',
            '5',
          ])
          expect(q2.lastProgress?.sources[0].metrics).toEqual({ entriesLost: 1, rangesWithDataLoss: 1 })
        }
      }
    })

    it('does not report entries trimmed after they were read (a capped stream read at its head)', async () => {
      const t = await testKeys()
      const s = t.key('capped')
      const session = newSession()
      const q = await toMemory(redisStream(session, s), 'capped', tempDir())
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 3; i++)
          await t.redis.xAdd(s, '*', { v: `${round}-${i}` }, { TRIM: { strategy: 'MAXLEN', threshold: 3 } })
        await q.processAllAvailable()
      }
      await q.stop()
      expect(await rowsOf(session, 'capped')).toHaveLength(12)
    })

    it('fails on an entry deleted inside the range (XDEL)', async () => {
      const t = await testKeys()
      const s = t.key('xdel')
      const ids = await t.add(s, [{ v: '1' }, { v: '2' }, { v: '3' }])
      await t.redis.xDel(s, ids[1])
      const session = newSession()
      const q = await toMemory(redisStream(session, s, { startingPosition: 'latest' }), 'xdel', tempDir())
      await q.processAllAvailable()
      await t.add(s, [{ v: '4' }, { v: '5' }])
      await q.processAllAvailable()
      const ids2 = (await rowsOf(session, 'xdel')).map((r) => r.id as string)
      await t.redis.xDel(s, ids2[0])
      await t.add(s, [{ v: '6' }])
      // The range after the last read holds only 6; 4 was read before its deletion: no loss.
      await q.processAllAvailable()
      expect((await rowsOf(session, 'xdel')).map((r) => (r.fields as Record<string, string>).v)).toEqual([
        '4',
        '5',
        '6',
      ])
      await q.stop()
      // A fresh query from the start: entry 2 is gone from its first range.
      const q2 = await toMemory(redisStream(session, s, { startingPosition: '0-1' }), 'xdel2', tempDir())
      await expect(q2.processAllAvailable()).rejects.toThrow(
        /REDIS_DATA_LOSS: stream '.*': .* before the query read/,
      )
    })

    it('treats what was trimmed before the first start as never there with earliest', async () => {
      const t = await testKeys()
      const s = t.key('early')
      await t.add(s, [{ v: '1' }, { v: '2' }, { v: '3' }])
      await t.redis.xTrim(s, 'MAXLEN', 1)
      const session = newSession()
      const q = await toMemory(redisStream(session, s), 'early', tempDir())
      await q.processAllAvailable()
      expect((await rowsOf(session, 'early')).map((r) => (r.fields as Record<string, string>).v)).toEqual([
        '3',
      ])
    })
  })

  it('reads what is stored at the start with availableNow, in limited batches, then stops', async () => {
    const t = await testKeys()
    const s = t.key('now')
    await t.add(
      s,
      Array.from({ length: 5 }, (_, i) => ({ v: String(i) })),
    )
    const session = newSession()
    const q = await redisStream(session, s, { maxEntriesPerTrigger: 2 })
      .writeStream.format('memory')
      .queryName('now')
      .option('checkpointLocation', tempDir())
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination()
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([2, 2, 1])
  })

  it('reads a bounded batch with session.read, from the first entry by default', async () => {
    const t = await testKeys()
    const s = t.key('batch')
    await t.add(s, [{ v: '1' }, { v: '2' }])
    const session = newSession()
    const rows = (await session.read
      .format('redis')
      .options({ url: URL, streams: s })
      .load()
      .collect()) as Row[]
    expect(rows.map((r) => (r.fields as Record<string, string>).v)).toEqual(['1', '2'])
  })
})
