/**
 * Admission by size: maxBytesPerTrigger, and the default limit that keeps a backlog of files
 * from becoming one batch as large as the backlog.
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parquetFormat } from '../../src/formats/codecs/parquet.js'
import { selectNewFiles } from '../../src/formats/files/admission.js'
import type { ListedFile } from '../../src/formats/files/listing.js'
import { SeenFiles } from '../../src/formats/files/seen-files.js'
import {
  DEFAULT_MAX_BYTES_PER_TRIGGER,
  parseFileSourceOptions,
} from '../../src/formats/files/source-options.js'
import { schema } from '../../src/index.js'
import { Options } from '../../src/util/options.js'
import { newSession, tempDir } from '../helpers.js'
import { ndjson, writeRows } from './ndjson-test-format.js'

const files = (...sizes: number[]): ListedFile[] =>
  sizes.map((size, i) => ({ path: `/in/f${i}`, mtimeMs: 1000 + i, size }))
const take = (listed: ListedFile[], maxBytes?: number, maxFiles?: number) =>
  selectNewFiles(listed, new SeenFiles(Number.POSITIVE_INFINITY), {
    latestFirst: false,
    maxFiles,
    maxBytes,
    fileNameOnly: false,
  }).map((f) => f.path)

describe('admission by size', () => {
  it('takes files, oldest first, until the next would pass maxBytes, and always at least one', () => {
    expect(take(files(40, 40, 40), 100)).toEqual(['/in/f0', '/in/f1'])
    expect(take(files(40, 60, 1), 100)).toEqual(['/in/f0', '/in/f1'])
    expect(take(files(500, 1), 100)).toEqual(['/in/f0'])
    expect(take(files(10, 10, 10), undefined)).toHaveLength(3)
  })

  it('with maxFilesPerTrigger too, stops at whichever limit comes first', () => {
    expect(take(files(10, 10, 10, 10), 100, 2)).toEqual(['/in/f0', '/in/f1'])
    expect(take(files(60, 60, 10), 100, 3)).toEqual(['/in/f0'])
  })

  it('defaults to 32 MB unless maxFilesPerTrigger or maxBytesPerTrigger is set; reads units', () => {
    const parse = (o: Record<string, string>) => parseFileSourceOptions(new Options(o, 'json source'))
    expect(parse({}).maxBytesPerTrigger).toBe(DEFAULT_MAX_BYTES_PER_TRIGGER)
    expect(DEFAULT_MAX_BYTES_PER_TRIGGER).toBe(32 * 1024 * 1024)
    expect(parse({ maxFilesPerTrigger: '5' }).maxBytesPerTrigger).toBeUndefined()
    expect(parse({ maxBytesPerTrigger: '64m' }).maxBytesPerTrigger).toBe(64 * 1024 * 1024)
    expect(parse({ maxBytesPerTrigger: '1G' }).maxBytesPerTrigger).toBe(1024 ** 3)
    expect(parse({ maxBytesPerTrigger: '4096' }).maxBytesPerTrigger).toBe(4096)
    expect(() => parse({ maxBytesPerTrigger: '10 parsecs' })).toThrow(
      /maxBytesPerTrigger.*positive number of bytes.*'64m'/,
    )
    expect(() => parse({ maxBytesPerTrigger: '0' })).toThrow(/maxBytesPerTrigger/)
  })

  it('Parquet, which holds about ten times its size in memory, defaults to 8 MB', () => {
    expect(parquetFormat.defaultMaxBytesPerTrigger).toBe(8 * 1024 * 1024)
    const o = new Options({}, 'parquet source')
    expect(parseFileSourceOptions(o, parquetFormat.defaultMaxBytesPerTrigger).maxBytesPerTrigger).toBe(
      8 * 1024 * 1024,
    )
  })

  it('splits an availableNow backlog into batches by size, reading every row once', async () => {
    const dir = tempDir()
    const rows = (from: number) =>
      Array.from({ length: 20 }, (_, k) => ({ id: from + k, name: 'x'.repeat(20) }))
    for (let f = 0; f < 4; f++)
      await writeRows(path.join(dir, `f${f}.ndjson`), rows(f * 100), Date.now() - (10 - f) * 60_000)
    const session = newSession()
    try {
      const q = await session.readStream
        .format(ndjson.source)
        .schema(schema({ id: 'long', name: 'string' }))
        .option('maxBytesPerTrigger', '1500')
        .load(dir)
        .writeStream.format('memory')
        .queryName('sized')
        .option('checkpointLocation', tempDir())
        .trigger({ availableNow: true })
        .start()
      await q.awaitTermination()
      if (q.exception) throw q.exception
      // Each file is about 1 KB: one file per batch.
      expect(q.recentProgress.map((p) => p.numInputRows)).toEqual([20, 20, 20, 20])
      expect((await session.table('sized').collect()).length).toBe(80)
    } finally {
      await session.stop()
    }
  })
})
