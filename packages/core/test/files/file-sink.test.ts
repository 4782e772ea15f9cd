import { existsSync, promises as fs } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapePathName, partitionFolderName } from '../../src/formats/files/partitions.js'
import {
  AnalysisError,
  ColumnarBatch,
  MemoryStream,
  nullable,
  type OutputMode,
  type Schema,
  type Session,
  type Sink,
  StringType,
  schema,
} from '../../src/index.js'
import { Options, type OptionValue } from '../../src/util/options.js'
import { newSession, tempDir } from '../helpers.js'
import { ndjson, writeRows } from './ndjson-test-format.js'

const sales = schema({ id: 'long', country: nullable('string'), amount: 'double' })
type Sale = { id: number; country: string | null; amount: number }
const sale = (id: number, country: string | null = 'FR'): Sale => ({ id, country, amount: id * 1.5 })

async function openSink(
  session: Session,
  dir: string | undefined,
  opts: {
    partitionBy?: string[]
    bounded?: boolean
    options?: Record<string, OptionValue>
    outputMode?: OutputMode
    schema?: Schema<unknown>
  } = {},
): Promise<Sink> {
  return ndjson.sink.createSink({
    options: new Options(opts.options ?? {}),
    schema: opts.schema ?? (sales as Schema<unknown>),
    outputMode: opts.outputMode ?? 'append',
    partitionBy: opts.partitionBy ?? [],
    queryName: undefined,
    path: dir,
    session,
    bounded: opts.bounded ?? false,
  })
}

const batchOf = (rows: Sale[]) => ColumnarBatch.fromRows(sales as Schema<unknown>, rows)

/** Every data file below dir, relative, '/'-separated, sorted; hidden and log files left out. */
async function dataFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string, rel: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name.startsWith('_tributary')) continue
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await walk(path.join(d, e.name), r)
      else out.push(r)
    }
  }
  await walk(dir, '')
  return out.sort()
}

async function logEntry(
  dir: string,
  id: number,
): Promise<{ batchId: number; bounded?: boolean; files: { path: string }[] }> {
  const text = await fs.readFile(path.join(dir, '_tributary_metadata', String(id)), 'utf8')
  const [version, ...json] = text.trimEnd().split('\n')
  expect(version).toBe('v1')
  return JSON.parse(json.join('\n'))
}

async function readBack(session: Session, dir: string, s: Schema<unknown> = sales as Schema<unknown>) {
  const got = (await session.read.format(ndjson.source).schema(s).load(dir).collect()) as Record<
    string,
    unknown
  >[]
  return got.sort((a, b) => (a.id as number) - (b.id as number))
}

describe('file sink: batches and the commit log', () => {
  it('writes part files, then logs them as the commit of the batch', async () => {
    const dir = path.join(tempDir(), 'out')
    const session = newSession()
    const sink = await openSink(session, dir)
    expect(sink.description).toBe(`FileSink[${dir}]`)
    // Before any batch the log exists and is empty: readers see nothing yet.
    expect(existsSync(path.join(dir, '_tributary_metadata'))).toBe(true)
    await sink.addBatch(0, batchOf([sale(1), sale(2)]))
    await sink.addBatch(1, batchOf([sale(3)]))
    const files = await dataFiles(dir)
    expect(files).toHaveLength(2)
    expect(files[0]).toMatch(/^part-00000-[0-9a-f-]{36}\.ndjson$/)
    expect(files[1]).toMatch(/^part-00001-[0-9a-f-]{36}\.ndjson$/)
    expect((await logEntry(dir, 0)).files.map((f) => f.path)).toEqual([files[0]])
    expect((await logEntry(dir, 1)).files.map((f) => f.path)).toEqual([files[1]])
    expect(await readBack(session, dir)).toEqual([sale(1), sale(2), sale(3)])
  })

  it('writes nothing when a batch id already in the log is replayed, even by a new sink', async () => {
    const dir = tempDir()
    const session = newSession()
    const sink = await openSink(session, dir)
    await sink.addBatch(0, batchOf([sale(1)]))
    const before = await dataFiles(dir)
    await sink.addBatch(0, batchOf([sale(1)]))
    const restarted = await openSink(session, dir)
    await restarted.addBatch(0, batchOf([sale(1), sale(99)]))
    expect(await dataFiles(dir)).toEqual(before)
    expect(await readBack(session, dir)).toEqual([sale(1)])
    await restarted.addBatch(1, batchOf([sale(2)]))
    expect(await readBack(session, dir)).toEqual([sale(1), sale(2)])
  })

  it('records an empty batch in the log without writing a file', async () => {
    const dir = tempDir()
    const sink = await openSink(newSession(), dir)
    await sink.addBatch(0, batchOf([]))
    expect(await dataFiles(dir)).toEqual([])
    expect(await logEntry(dir, 0)).toEqual({ batchId: 0, files: [] })
  })

  it('readers ignore files that no log entry lists (a batch that crashed before its commit)', async () => {
    const dir = tempDir()
    const session = newSession()
    const sink = await openSink(session, dir)
    await sink.addBatch(0, batchOf([sale(1)]))
    await writeRows(path.join(dir, 'part-00001-0b3c3f0e-7d0a-4b8e-9a43-4d7f5b1f9a11.ndjson'), [sale(2)])
    await writeRows(path.join(dir, 'country=XX', 'part-00001-stray.ndjson'), [sale(3)])
    expect(await readBack(session, dir)).toEqual([sale(1)])
    // A streaming reader too.
    const q = await session.readStream
      .format(ndjson.source)
      .schema(sales)
      .load(dir)
      .writeStream.format('memory')
      .queryName('r')
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect(await session.table('r').collect()).toEqual([sale(1)])
  })

  it('a streaming reader of a sink output picks up each committed batch once', async () => {
    const out = tempDir()
    const session = newSession()
    const sink = await openSink(session, out)
    await sink.addBatch(0, batchOf([sale(1)]))
    const q = await session.readStream
      .format(ndjson.source)
      .schema(sales)
      .load(out)
      .writeStream.format('memory')
      .queryName('r')
      .start()
    await q.processAllAvailable()
    await sink.addBatch(1, batchOf([sale(2), sale(3)]))
    await q.processAllAvailable()
    await q.stop()
    expect(await session.table('r').collect()).toEqual([sale(1), sale(2), sale(3)])
    expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([1, 2])
  })
  it('a reader started before the sink created its log still reads only committed files', async () => {
    const out = tempDir()
    const session = newSession()
    const q = await session.readStream
      .format(ndjson.source)
      .schema(sales)
      .load(out)
      .writeStream.format('memory')
      .queryName('r')
      .start()
    await q.processAllAvailable()
    const sink = await openSink(session, out)
    await writeRows(path.join(out, 'part-00005-uncommitted.ndjson'), [sale(9)])
    await sink.addBatch(0, batchOf([sale(1)]))
    await q.processAllAvailable()
    await q.stop()
    expect(await session.table('r').collect()).toEqual([sale(1)])
  })

  it('refuses cleanSource on a sink output, whose log still lists the files', async () => {
    const out = tempDir()
    const session = newSession()
    await (await openSink(session, out)).addBatch(0, batchOf([sale(1)]))
    await expect(
      ndjson.source.createSource({
        options: new Options({ cleanSource: 'delete' }),
        schema: sales as Schema<unknown>,
        path: out,
        metadataDir: tempDir(),
        bounded: false,
      }),
    ).rejects.toThrow(/CLEAN_SOURCE_UNSUPPORTED: .* is the output of a file sink/)
  })
})

describe('file sink: partitionBy', () => {
  const rows: Sale[] = [
    sale(1, 'FR'),
    sale(2, 'US'),
    sale(3, 'FR'),
    sale(4, null),
    sale(5, 'a/b=c%'),
    sale(6, ''),
  ]

  it('writes one file per value under escaped col=value folders, without the column inside', async () => {
    const dir = tempDir()
    const sink = await openSink(newSession(), dir, { partitionBy: ['country'] })
    await sink.addBatch(7, batchOf(rows))
    const files = await dataFiles(dir)
    expect(files.map((f) => f.replace(/part-00007-[0-9a-f-]{36}\.ndjson$/, 'part'))).toEqual([
      'country=FR/part',
      'country=US/part',
      'country=__HIVE_DEFAULT_PARTITION__/part',
      'country=a%2Fb%3Dc%25/part',
    ])
    const fr = (await fs.readFile(path.join(dir, files[0]), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(fr).toEqual([
      { id: 1, amount: 1.5 },
      { id: 3, amount: 4.5 },
    ])
    expect((await logEntry(dir, 7)).files.map((f) => f.path).sort()).toEqual(files)
  })

  it('reads back what it wrote (null and empty strings both come back as null, as in Spark)', async () => {
    const dir = tempDir()
    const session = newSession()
    const sink = await openSink(session, dir, { partitionBy: ['country'] })
    await sink.addBatch(0, batchOf(rows))
    const back = await readBack(session, dir)
    expect(back).toEqual(rows.map((r) => ({ ...r, country: r.country === '' ? null : r.country })))
  })

  it('nests several partition columns and types them on read', async () => {
    const s = schema({ id: 'long', year: 'int', ok: 'boolean', day: 'date' })
    const dir = tempDir()
    const session = newSession()
    const sink = await openSink(session, dir, {
      partitionBy: ['year', 'ok', 'day'],
      schema: s as Schema<unknown>,
    })
    const input = [
      { id: 1, year: 2024, ok: true, day: new Date('2024-03-01T00:00:00Z') },
      { id: 2, year: 2025, ok: false, day: new Date('2025-01-31T00:00:00Z') },
    ]
    await sink.addBatch(0, ColumnarBatch.fromRows(s, input))
    const files = await dataFiles(dir)
    expect(files[0]).toMatch(/^year=2024\/ok=true\/day=2024-03-01\/part-/)
    const back = await readBack(session, dir, s as Schema<unknown>)
    expect(back).toEqual(input)
  })

  it('values too long for a folder name get a hashed name and read back whole (no ENAMETOOLONG)', async () => {
    const emoji = '😀'.repeat(64) // 256 bytes: one folder name too many
    const ascii = 'x'.repeat(300)
    const near = `${'y'.repeat(300)}/%=` // same start as no other, with characters to escape
    const long = [sale(1, emoji), sale(2, ascii), sale(3, `${ascii}!`), sale(4, near), sale(5, 'FR')]
    const dir = tempDir()
    const session = newSession()
    const sink = await openSink(session, dir, { partitionBy: ['country'] })
    await sink.addBatch(0, batchOf(long))
    const folders = (await fs.readdir(dir)).filter((f) => f.startsWith('country='))
    expect(folders).toHaveLength(5)
    for (const f of folders) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255)
    expect(folders.filter((f) => f.includes('%%'))).toHaveLength(4)
    expect(await readBack(session, dir)).toEqual(long)
    // A streaming query over the same rows runs and restarts without a poison pill.
    const out = tempDir()
    const ckpt = tempDir()
    const input = new MemoryStream(session, sales)
    const start = () =>
      input
        .toDF()
        .writeStream.format(ndjson.sink)
        .partitionBy('country')
        .option('checkpointLocation', ckpt)
        .start(out)
    let q = await start()
    input.addData(long)
    await q.processAllAvailable()
    await q.stop()
    q = await start()
    input.addData([sale(6, emoji)])
    await q.processAllAvailable()
    await q.stop()
    expect(await readBack(session, out)).toEqual([...long, sale(6, emoji)])
  })

  it('long-value folder names fit 255 bytes and differ for different values', () => {
    // Characters of every width in UTF-8, and ones that must be escaped.
    const char = fc.constantFrom(
      'a',
      'Z',
      '7',
      'é',
      'ß',
      '中',
      '😀',
      '/',
      '%',
      '=',
      ':',
      ' ',
      '\u0001',
      '\u007f',
    )
    const value = fc.array(char, { maxLength: 300 }).map((cs) => cs.join(''))
    fc.assert(
      fc.property(value, value, (a, b) => {
        const na = partitionFolderName('country', a, StringType)
        const nb = partitionFolderName('country', b, StringType)
        expect(Buffer.byteLength(na)).toBeLessThanOrEqual(255)
        if (a !== b && a !== '' && b !== '') expect(na).not.toBe(nb)
        // Short values keep Spark's name; long ones end in %% and 32 hex digits of their hash.
        const spark = `country=${a === '' ? '__HIVE_DEFAULT_PARTITION__' : escapePathName(a)}`
        if (Buffer.byteLength(spark) <= 255) expect(na).toBe(spark)
        else expect(na).toMatch(/^country=[\s\S]*%%[0-9a-f]{32}$/)
      }),
      { numRuns: 60 },
    )
  })

  it('refuses partition columns it cannot put in a folder name, or all columns', async () => {
    const session = newSession()
    const nested = schema({ id: 'long', tags: { array: 'string' } }) as Schema<unknown>
    await expect(openSink(session, tempDir(), { partitionBy: ['tags'], schema: nested })).rejects.toThrow(
      /cannot partition by 'tags' of type array<string>/,
    )
    const one = schema({ id: 'long' }) as Schema<unknown>
    await expect(openSink(session, tempDir(), { partitionBy: ['id'], schema: one })).rejects.toThrow(
      /uses every column/,
    )
  })
})

describe('file sink: streaming queries and df.write', () => {
  it('a streaming query writes each batch exactly once across restarts', async () => {
    const out = tempDir()
    const ckpt = tempDir()
    const session = newSession()
    const input = new MemoryStream(session, sales)
    const start = () =>
      input.toDF().writeStream.format(ndjson.sink).option('checkpointLocation', ckpt).start(out)
    let q = await start()
    input.addData([sale(1), sale(2)])
    await q.processAllAvailable()
    await q.stop()
    q = await start()
    input.addData([sale(3)])
    await q.processAllAvailable()
    await q.stop()
    expect(q.lastProgress?.sink.description).toBe(`FileSink[${out}]`)
    expect(await readBack(session, out)).toEqual([sale(1), sale(2), sale(3)])
    expect((await fs.readdir(path.join(out, '_tributary_metadata'))).sort()).toEqual(['0', '1'])
  })

  it('df.write to a new folder writes plain files and no log', async () => {
    const out = path.join(tempDir(), 'plain')
    const session = newSession()
    await session
      .createDataFrame([sale(1), sale(2)], sales)
      .write.format(ndjson.sink)
      .save(out)
    expect(existsSync(path.join(out, '_tributary_metadata'))).toBe(false)
    expect(await dataFiles(out)).toHaveLength(1)
    expect(await readBack(session, out)).toEqual([sale(1), sale(2)])
  })

  it('df.write in append mode to a streaming output is logged, and does not hide a later streaming batch', async () => {
    const out = tempDir()
    const session = newSession()
    const stream = await openSink(session, out)
    await stream.addBatch(0, batchOf([sale(1)]))
    await session
      .createDataFrame([sale(2)], sales)
      .write.format(ndjson.sink)
      .mode('append')
      .save(out)
    const appended = await logEntry(out, 1)
    expect(appended.bounded).toBe(true)
    expect(await readBack(session, out)).toEqual([sale(1), sale(2)])
    // The stream's batch 1 finds id 1 taken by the append, and is logged after it.
    await stream.addBatch(1, batchOf([sale(3)]))
    expect(await logEntry(out, 2)).toMatchObject({ batchId: 1 })
    expect(await readBack(session, out)).toEqual([sale(1), sale(2), sale(3)])
    // ...and is still recognized as committed when replayed.
    const restarted = await openSink(session, out)
    await restarted.addBatch(1, batchOf([sale(3)]))
    expect(await readBack(session, out)).toEqual([sale(1), sale(2), sale(3)])
  })

  it('explains a missing path, a non-append output mode and an unknown option', async () => {
    const session = newSession()
    const error = await openSink(session, undefined).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AnalysisError)
    expect((error as Error).message).toMatch(/PATH_REQUIRED: the ndjson-test file sink needs a path.*start\(/)
    await expect(openSink(session, tempDir(), { outputMode: 'complete' })).rejects.toThrow(
      /supports only output mode 'append'/,
    )
    await expect(openSink(session, tempDir(), { options: { compresion: 'gzip' } })).rejects.toThrow(
      /unknown option 'compresion'. Did you mean 'compression'/,
    )
    const input = new MemoryStream(session, sales)
    await expect(input.toDF().writeStream.format(ndjson.sink).start(tempDir())).rejects.toThrow(
      /CHECKPOINT_LOCATION_REQUIRED/,
    )
  })
})
