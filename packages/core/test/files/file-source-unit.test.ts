/** The file source driven directly through its provider, as the micro-batch loop drives it. */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  AnalysisError,
  CheckpointError,
  OptionError,
  type Schema,
  type Source,
  schema,
  TributaryError,
} from '../../src/index.js'
import { Options, type OptionValue } from '../../src/util/options.js'
import { newSession, tempDir } from '../helpers.js'
import { ndjson, writeRows } from './ndjson-test-format.js'

const events = schema({ id: 'long', name: 'string' })
const row = (id: number) => ({ id, name: `n${id}` })

async function openSource(
  input: string,
  metadataDir: string,
  options: Record<string, OptionValue> = {},
  s: Schema<unknown> = events as Schema<unknown>,
  bounded = false,
): Promise<Source> {
  return ndjson.source.createSource({
    options: new Options(options),
    schema: s,
    path: input,
    metadataDir,
    bounded,
  })
}

async function readIds(source: Source, start: number, end: number): Promise<number[]> {
  const batch = await source.getBatch(start, end)
  return batch.data.toRows().map((r) => (r as { id: number }).id)
}

describe('file source: offsets and recovery', () => {
  it('logs each batch of files in metadataDir before returning its number', async () => {
    const dir = tempDir()
    const meta = path.join(tempDir(), 'sources', '0')
    await writeRows(path.join(dir, 'a.ndjson'), [row(1)])
    const source = await openSource(dir, meta)
    expect(await source.initialOffset()).toBe(-1)
    expect(await source.latestOffset(-1, 'default')).toBe(0)
    const logged = await fs.readFile(path.join(meta, '0'), 'utf8')
    expect(logged.split('\n')[0]).toBe('v1')
    expect(logged).toContain(path.join(dir, 'a.ndjson'))
    // Nothing new: the offset stays where it is.
    expect(await source.latestOffset(0, 'default')).toBe(0)
  })

  it('a batch logged by a run that crashed is returned again with the same files, not new ones', async () => {
    const dir = tempDir()
    const meta = tempDir()
    await writeRows(path.join(dir, 'a.ndjson'), [row(1)])
    const crashed = await openSource(dir, meta)
    expect(await crashed.latestOffset(-1, 'default')).toBe(0)
    // The query died before writing offsets/0, so it restarts from -1 with a new file around.
    await writeRows(path.join(dir, 'b.ndjson'), [row(2)])
    const restarted = await openSource(dir, meta)
    expect(await restarted.latestOffset(-1, 'default')).toBe(0)
    expect(await readIds(restarted, -1, 0)).toEqual([1])
    expect(await restarted.latestOffset(0, 'default')).toBe(1)
    expect(await readIds(restarted, 0, 1)).toEqual([2])
  })

  it('refuses offsets that are not its own batch numbers', async () => {
    const dir = tempDir()
    const source = await openSource(dir, tempDir())
    await expect(source.latestOffset('kafka-offset', 'default')).rejects.toThrow(CheckpointError)
    await expect(source.latestOffset(3, 'default')).rejects.toThrow(/file log .* ends at batch -1/)
  })

  it("limit 'all' ignores maxFilesPerTrigger", async () => {
    const dir = tempDir()
    for (let i = 0; i < 5; i++) await writeRows(path.join(dir, `${i}.ndjson`), [row(i)])
    const source = await openSource(dir, tempDir(), { maxFilesPerTrigger: 2 })
    expect(await source.latestOffset(-1, 'all')).toBe(0)
    expect((await readIds(source, -1, 0)).sort()).toEqual([0, 1, 2, 3, 4])
  })

  it('prepareForTriggerAvailableNow never takes files that arrive later', async () => {
    const dir = tempDir()
    await writeRows(path.join(dir, 'a.ndjson'), [row(1)], Date.now() - 20_000)
    await writeRows(path.join(dir, 'b.ndjson'), [row(2)], Date.now() - 10_000)
    const source = await openSource(dir, tempDir(), { maxFilesPerTrigger: 1 })
    await source.prepareForTriggerAvailableNow!()
    await writeRows(path.join(dir, 'late.ndjson'), [row(3)])
    let offset = -1
    const seen: number[] = []
    for (;;) {
      const next = (await source.latestOffset(offset, 'default')) as number
      if (next === offset) break
      seen.push(...(await readIds(source, offset, next)))
      offset = next
    }
    expect(seen).toEqual([1, 2])
  })

  it('fileNameOnly treats a file moved to another folder as already read', async () => {
    const dir = tempDir()
    const meta = tempDir()
    await writeRows(path.join(dir, 'x', 'a.ndjson'), [row(1)])
    const byName = await openSource(dir, meta, { fileNameOnly: true })
    expect(await byName.latestOffset(-1, 'default')).toBe(0)
    await fs.mkdir(path.join(dir, 'y'))
    await fs.rename(path.join(dir, 'x', 'a.ndjson'), path.join(dir, 'y', 'a.ndjson'))
    expect(await byName.latestOffset(0, 'default')).toBe(0)
    const byPath = await openSource(dir, tempDir())
    expect(await byPath.latestOffset(-1, 'default')).toBe(0)
    expect(await readIds(byPath, -1, 0)).toEqual([1])
  })
})

describe('file source: missing files', () => {
  it('fails naming the file deleted between listing and reading', async () => {
    const dir = tempDir()
    const gone = path.join(dir, 'gone.ndjson')
    await writeRows(gone, [row(1)])
    const source = await openSource(dir, tempDir())
    await source.latestOffset(-1, 'default')
    await fs.rm(gone)
    const error = await source.getBatch(-1, 0).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TributaryError)
    expect((error as TributaryError).code).toBe('FILE_NOT_FOUND')
    expect((error as Error).message).toContain(gone)
    expect((error as Error).message).toContain('ignoreMissingFiles')
  })

  it('skips it with ignoreMissingFiles', async () => {
    const dir = tempDir()
    await writeRows(path.join(dir, 'gone.ndjson'), [row(1)], Date.now() - 10_000)
    await writeRows(path.join(dir, 'kept.ndjson'), [row(2)])
    const source = await openSource(dir, tempDir(), { ignoreMissingFiles: true })
    await source.latestOffset(-1, 'default')
    await fs.rm(path.join(dir, 'gone.ndjson'))
    expect(await readIds(source, -1, 0)).toEqual([2])
  })

  it('a file the format cannot read is still its error, not a missing file', async () => {
    const dir = tempDir()
    await fs.writeFile(path.join(dir, 'bad.ndjson'), 'not json\n')
    const source = await openSource(dir, tempDir())
    await source.latestOffset(-1, 'default')
    await expect(source.getBatch(-1, 0)).rejects.toThrow(/bad\.ndjson:1: not JSON/)
  })
})

describe('file source: partition discovery', () => {
  const layout = async (dir: string) => {
    await writeRows(path.join(dir, 'country=FR', 'day=1', 'a.ndjson'), [row(1), row(2)])
    await writeRows(path.join(dir, 'country=US', 'day=2', 'b.ndjson'), [row(3)])
    await writeRows(path.join(dir, 'country=__HIVE_DEFAULT_PARTITION__', 'day=3', 'c.ndjson'), [row(4)])
    await writeRows(path.join(dir, 'country=a%2Fb', 'day=4', 'd.ndjson'), [row(5)])
  }

  it('adds partition columns after the data columns, with inferred types', async () => {
    const dir = tempDir()
    await layout(dir)
    const df = newSession().read.format(ndjson.source).load(dir)
    expect(df.schema.simpleString()).toBe('struct<id:double,name:string,country:string,day:int>')
    const got = (await df.collect()).sort((a, b) => (a.id as number) - (b.id as number))
    expect(got).toEqual([
      { id: 1, name: 'n1', country: 'FR', day: 1 },
      { id: 2, name: 'n2', country: 'FR', day: 1 },
      { id: 3, name: 'n3', country: 'US', day: 2 },
      { id: 4, name: 'n4', country: null, day: 3 },
      { id: 5, name: 'n5', country: 'a/b', day: 4 },
    ])
  })

  it('types a partition column as the user schema says, and moves it after the data columns', async () => {
    const dir = tempDir()
    await layout(dir)
    const s = schema({ day: 'string', id: 'long', name: 'string' })
    const df = newSession().readStream.format(ndjson.source).schema(s).load(dir)
    expect(df.schema.simpleString()).toBe('struct<id:long,name:string,country:string,day:string>')
    const source = await openSource(dir, tempDir(), {}, df.schema)
    await source.latestOffset(-1, 'default')
    const got = (await source.getBatch(-1, 0)).data.toRows() as Record<string, unknown>[]
    expect(got.find((r) => r.id === 3)).toEqual({ id: 3, name: 'n3', country: 'US', day: '2' })
  })

  it('infers long and double partition values', async () => {
    const dir = tempDir()
    await writeRows(path.join(dir, 'big=3000000000', 'ratio=0.5', 'a.ndjson'), [row(1)])
    await writeRows(path.join(dir, 'big=1', 'ratio=2', 'b.ndjson'), [row(2)])
    const df = newSession().read.format(ndjson.source).schema(events).load(dir)
    expect(df.schema.simpleString()).toBe('struct<id:long,name:string,big:long,ratio:double>')
    const got = ((await df.collect()) as Record<string, unknown>[]).sort(
      (a, b) => (a.id as number) - (b.id as number),
    )
    expect(got.map((r) => [r.big, r.ratio])).toEqual([
      [3000000000, 0.5],
      [1, 2],
    ])
  })
})

describe('file source: schema and errors', () => {
  it('a streaming source without a schema says to call .schema(...)', () => {
    const dir = tempDir()
    const error = (() => {
      try {
        newSession().readStream.format(ndjson.source).load(dir)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(AnalysisError)
    expect((error as Error).message).toContain(
      'Schema must be specified when creating a streaming source DataFrame from files; call .schema(...)',
    )
    expect((error as Error).message).toContain(dir)
  })

  it('a streaming source infers its schema from existing files with schemaInference', async () => {
    const dir = tempDir()
    await writeRows(path.join(dir, 'a.ndjson'), [{ id: 1, ok: true }])
    const df = newSession().readStream.format(ndjson.source).option('schemaInference', true).load(dir)
    expect(df.schema.simpleString()).toBe('struct<id:double,ok:boolean>')
  })

  it('a batch read infers the schema, and names the path when there is nothing to infer from', async () => {
    const dir = tempDir()
    const session = newSession()
    expect(() => session.read.format(ndjson.source).load(dir)).toThrow(
      new RegExp(`UNABLE_TO_INFER_SCHEMA: ${dir} has no ndjson-test files.*\\.schema\\(\\.\\.\\.\\)`),
    )
    await writeRows(path.join(dir, 'a.ndjson'), [{ x: 'a' }])
    expect(await session.read.format(ndjson.source).load(dir).collect()).toEqual([{ x: 'a' }])
  })

  it('a missing path option and a path that does not exist are explained', () => {
    const session = newSession()
    expect(() => session.readStream.format(ndjson.source).schema(events).load()).toThrow(
      /PATH_REQUIRED.*load\(/,
    )
    const nowhere = path.join(tempDir(), 'nope')
    expect(() => session.readStream.format(ndjson.source).schema(events).load(nowhere)).toThrow(
      new RegExp(`PATH_NOT_FOUND: ${nowhere} does not exist`),
    )
  })

  it('refuses unknown options with a near match, and bad option values', async () => {
    const session = newSession()
    const dir = tempDir()
    expect(() =>
      session.readStream.format(ndjson.source).schema(events).option('maxFilePerTrigger', 1).load(dir),
    ).toThrow(/unknown option 'maxFilePerTrigger'. Did you mean 'maxFilesPerTrigger'/)
    await expect(openSource(dir, tempDir(), { cleanSource: 'archive' })).rejects.toThrow(/sourceArchiveDir/)
    await expect(
      openSource(dir, tempDir(), { cleanSource: 'archive', sourceArchiveDir: path.join(dir, 'old') }),
    ).rejects.toThrow(/inside the source path/)
    await expect(openSource(dir, tempDir(), { cleanSource: 'move' })).rejects.toThrow(OptionError)
    await expect(openSource(dir, tempDir(), { maxFilesPerTrigger: 0 })).rejects.toThrow(/positive integer/)
  })

  it('a bounded read takes every file at once', async () => {
    const dir = tempDir()
    for (let i = 0; i < 4; i++) await writeRows(path.join(dir, `${i}.ndjson`), [row(i)])
    const got = await newSession()
      .read.format(ndjson.source)
      .schema(events)
      .option('maxFilesPerTrigger', 1)
      .load(dir)
      .collect()
    expect(got.map((r) => r.id).sort()).toEqual([0, 1, 2, 3])
  })

  it('reads a single file path', async () => {
    const dir = tempDir()
    const f = await writeRows(path.join(dir, 'only.ndjson'), [row(7)])
    await writeRows(path.join(dir, 'other.ndjson'), [row(8)])
    expect(await newSession().read.format(ndjson.source).schema(events).load(f).collect()).toEqual([row(7)])
  })
})
