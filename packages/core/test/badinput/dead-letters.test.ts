/**
 * Dead letters: records a source cannot read go, with where they are and why, to a place
 * the query names (`writeStream.withDeadLetters`): a function, a Sink, or a sink format
 * and path. Nothing is lost silently, and a file sink target holds each dead letter once,
 * also when a crash replays the batch.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ColumnarBatch,
  DEAD_LETTER_SCHEMA,
  type DeadLetterRecord,
  OptionError,
  type Schema,
  type Sink,
  type SourceProvider,
  schema,
} from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const rows = schema({ id: 'long', name: 'string' })

function input(lines: string[]): string {
  const dir = tempDir()
  const inDir = path.join(dir, 'in')
  mkdirSync(inDir)
  writeFileSync(path.join(inDir, 'a.json'), `${lines.join('\n')}\n`)
  return inDir
}

afterEach(() => {
  delete process.env.TRIBUTARY_TEST_KILL_POINT
  delete process.env.TRIBUTARY_TEST_KILL_ACTION
})

describe('dead letters', () => {
  it('a function gets each malformed record with file, line, raw text, error and the batch id', async () => {
    const session = newSession()
    const dir = input(['{"id":1,"name":"a"}', '{"id":"two","name":"b"}', '{"id":3', '{"id":4,"name":"d"}'])
    const letters: [number, DeadLetterRecord][] = []
    const q = await session.readStream
      .schema(rows)
      .option('mode', 'DROPMALFORMED')
      .json(dir)
      .writeStream.format('memory')
      .queryName('good')
      .withDeadLetters((ls, { batchId }) => {
        for (const l of ls) letters.push([batchId, l])
      })
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect((await session.table('good').collect()).map((r) => r.id)).toEqual([1, 4])
    const file = path.join(dir, 'a.json')
    expect(letters.map(([b, l]) => [b, l.position, l.raw])).toEqual([
      [0, { file, line: 2 }, '{"id":"two","name":"b"}'],
      [0, { file, line: 3 }, '{"id":3'],
    ])
    expect(letters[0][1].error).toMatch(/field 'id'/)
    expect(letters[0][1].source).toBe(`FileStreamSource[${dir}]`)
    expect(q.lastProgress?.numDroppedMalformedRows).toBe(2)
  })

  it('a json sink target holds each dead letter once, also after a crash that replays the batch', async () => {
    const session = newSession()
    const dir = input(['{"id":1,"name":"a"}', 'not json', '{"id":2,"name":"b"}', '[3]'])
    const base = path.dirname(dir)
    const start = () =>
      session.readStream
        .schema(rows)
        .option('mode', 'DROPMALFORMED')
        .json(dir)
        .writeStream.format('json')
        .option('checkpointLocation', path.join(base, 'ckpt'))
        .withDeadLetters({ format: 'json', path: path.join(base, 'dead') })
        .start(path.join(base, 'out'))
    // Dies after the dead letters and the output of batch 0 were written, before its commit.
    process.env.TRIBUTARY_TEST_KILL_POINT = 'afterSink:0'
    process.env.TRIBUTARY_TEST_KILL_ACTION = 'throw'
    let q = await start()
    await q.awaitTermination().catch(() => {})
    expect(q.exception?.message).toMatch(/TRIBUTARY_TEST_KILL_POINT afterSink:0/)
    delete process.env.TRIBUTARY_TEST_KILL_POINT
    q = await start()
    await q.processAllAvailable()
    await q.stop()
    expect(q.exception).toBeNull()
    const dead = await session.read.schema(DEAD_LETTER_SCHEMA).json(path.join(base, 'dead')).collect()
    expect(dead.map((d) => [d.batchId, JSON.parse(d.position).line, d.raw])).toEqual([
      [0, 2, 'not json'],
      [0, 4, '[3]'],
    ])
    const good = await session.read.schema(rows).json(path.join(base, 'out')).collect()
    // Rows and dead letters together are the input, each once.
    expect(good.length + dead.length).toBe(4)
  })

  it('a Sink gets them as rows of DEAD_LETTER_SCHEMA, the position as JSON', async () => {
    const session = newSession()
    const dir = input(['{"id":1,"name":"a"}', '{"id":2,"name":'])
    const got: [number, Record<string, unknown>[]][] = []
    const sink: Sink = {
      description: 'test dead-letter sink',
      async addBatch(batchId, data) {
        expect(data.schema.names).toEqual(DEAD_LETTER_SCHEMA.names)
        got.push([batchId, data.toRows() as Record<string, unknown>[]])
      },
    }
    const q = await session.readStream
      .schema(rows)
      .json(dir)
      .writeStream.format('memory')
      .queryName('rows')
      .withDeadLetters(sink)
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect(got).toEqual([
      [
        0,
        [
          {
            batchId: 0,
            source: `FileStreamSource[${dir}]`,
            position: JSON.stringify({ file: path.join(dir, 'a.json'), line: 2 }),
            raw: '{"id":2,"name":',
            error: expect.any(String),
          },
        ],
      ],
    ])
    // PERMISSIVE (the default) also kept the record, with nulls.
    expect(await session.table('rows').count()).toBe(2)
  })

  it('an unreadable parquet file is one dead letter naming the file', async () => {
    const session = newSession()
    const dir = path.join(tempDir(), 'in')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'broken.parquet'), 'PAR1 not really')
    const letters: DeadLetterRecord[] = []
    const q = await session.readStream
      .schema(rows)
      .option('mode', 'DROPMALFORMED')
      .parquet(dir)
      .writeStream.format('memory')
      .queryName('p')
      .withDeadLetters((ls) => {
        letters.push(...ls)
      })
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect(letters).toEqual([
      {
        source: `FileStreamSource[${dir}]`,
        position: { file: path.join(dir, 'broken.parquet') },
        raw: '',
        error: expect.stringMatching(/not a readable parquet file/),
      },
    ])
  })

  it('any source can send them: a connector returns deadLetters from getBatch with its own positions', async () => {
    const session = newSession()
    const payloads = schema({ value: 'string' })
    // What a Kafka-like source would do with a message its deserializer refuses.
    const topic: SourceProvider = {
      name: 'fake-topic',
      schemaOf: () => payloads as Schema<unknown>,
      createSource: () => ({
        schema: payloads as Schema<unknown>,
        description: 'FakeTopic[events]',
        replayable: true,
        initialOffset: async () => 0,
        latestOffset: async () => 3,
        getBatch: async () => ({
          data: ColumnarBatch.fromRows(payloads as Schema<unknown>, [{ value: 'ok-0' }, { value: 'ok-2' }]),
          droppedMalformed: 1,
          deadLetters: [
            {
              position: { topic: 'events', partition: 0, offset: 1 },
              raw: '\u0000\u0001',
              error: 'not UTF-8',
            },
          ],
        }),
        commit: async () => {},
        stop: async () => {},
      }),
    }
    const letters: DeadLetterRecord[] = []
    const q = await session.readStream
      .format(topic)
      .load()
      .writeStream.format('memory')
      .queryName('k')
      .withDeadLetters((ls) => {
        letters.push(...ls)
      })
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect(letters).toEqual([
      {
        source: 'FakeTopic[events]',
        position: { topic: 'events', partition: 0, offset: 1 },
        raw: '\u0000\u0001',
        error: 'not UTF-8',
      },
    ])
  })

  it('an unknown target format or option fails start(), before anything runs', async () => {
    const session = newSession()
    const dir = input(['{"id":1,"name":"a"}'])
    const df = session.readStream.schema(rows).json(dir)
    await expect(
      df.writeStream
        .format('memory')
        .queryName('x')
        .withDeadLetters({ format: 'jsonn', path: tempDir() })
        .start(),
    ).rejects.toThrow(/UNKNOWN_FORMAT|Unknown format|unknown format/i)
    await expect(
      df.writeStream
        .format('memory')
        .queryName('y')
        .withDeadLetters({ format: 'json', path: tempDir(), options: { compresion: 'gzip' } })
        .start(),
    ).rejects.toBeInstanceOf(OptionError)
  })
})
