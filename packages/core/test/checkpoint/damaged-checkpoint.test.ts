/** A damaged checkpoint is reported with the file and the way out, never silently reset. */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { atomicWrite } from '../../src/checkpoint/atomic-file.js'
import { MetadataLog } from '../../src/checkpoint/metadata-log.js'
import { CheckpointError, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const s = schema({ n: 'long' })

async function runTwoBatches(checkpoint: string) {
  const session = newSession()
  const input = new MemoryStream(session, s)
  const q = await input
    .toDF()
    .writeStream.format('memory')
    .queryName('d')
    .option('checkpointLocation', checkpoint)
    .start()
  input.addData([{ n: 1 }])
  await q.processAllAvailable()
  input.addData([{ n: 2 }])
  await q.processAllAvailable()
  await q.stop()
}

async function restart(checkpoint: string) {
  const session = newSession()
  const input = new MemoryStream(session, s)
  return input
    .toDF()
    .writeStream.format('memory')
    .queryName('d')
    .option('checkpointLocation', checkpoint)
    .start()
}

describe('damaged checkpoints', () => {
  const damages: [string, string, (file: string) => void, RegExp][] = [
    ['offsets/1', 'truncated', (f) => writeFileSync(f, readFileSync(f, 'utf8').slice(0, 10)), /is truncated/],
    ['offsets/1', 'empty', (f) => writeFileSync(f, ''), /is empty/],
    [
      'offsets/1',
      'garbage',
      (f) => writeFileSync(f, 'v1\n{not json\n'),
      /cannot be parsed as an offset log entry/,
    ],
    [
      'offsets/1',
      'from a newer version',
      (f) => writeFileSync(f, 'v9\n{}\n'),
      /format v9, which this version of Tributary cannot read/,
    ],
    ['commits/1', 'garbage', (f) => writeFileSync(f, 'v1\n}}\n'), /is not valid JSON/],
    [
      'commits/1',
      'without a version line',
      (f) => writeFileSync(f, '{"nextBatchWatermarkMs":0}\n'),
      /does not start with a format version line/,
    ],
    ['metadata', 'garbage', (f) => writeFileSync(f, 'x'), /metadata cannot be parsed/],
    ['metadata', 'empty', (f) => writeFileSync(f, ''), /metadata is empty/],
    ['metadata', 'missing', (f) => rmSync(f), /metadata is missing, but the checkpoint has an offset log/],
    // Issue #13 §2: each of these was reported as something else (or as a raw error).
    [
      'offsets/1',
      'cut at a line boundary',
      (f) => writeFileSync(f, `${readFileSync(f, 'utf8').split('\n').slice(0, 2).join('\n')}\n`),
      /has 0 source offset line\(s\), but the query and the checkpoint's metadata have 1 source\(s\): the file was cut short/,
    ],
    [
      'offsets/1',
      'a folder',
      (f) => {
        rmSync(f)
        mkdirSync(f)
      },
      /offsets\/1 is a folder/,
    ],
    [
      'offsets/1',
      'with a watermark that is not a number',
      (f) =>
        writeFileSync(
          f,
          readFileSync(f, 'utf8').replace(/"batchWatermarkMs":0/, '"batchWatermarkMs":"soon"'),
        ),
      /has batchWatermarkMs "soon", which is not a number of milliseconds/,
    ],
    [
      'commits/1',
      'with a watermark that is not a number',
      (f) =>
        writeFileSync(
          f,
          readFileSync(f, 'utf8').replace(/"nextBatchWatermarkMs":0/, '"nextBatchWatermarkMs":"x"'),
        ),
      /has nextBatchWatermarkMs "x", which is not a number of milliseconds/,
    ],
    [
      'metadata',
      'with formatVersion "1" (a string)',
      (f) => writeFileSync(f, readFileSync(f, 'utf8').replace('"formatVersion":1', '"formatVersion":"1"')),
      /has formatVersion "1", which is not a number/,
    ],
    [
      'offsets/1',
      'rewritten to go back before offsets/0',
      (f) => writeFileSync(f, readFileSync(f, 'utf8').replace(/\n1\n$/, '\n-1\n')),
      /offsets\/1 goes back: source 0 .* = -1, before the end of batch 0 \(0\)/,
    ],
    [
      'offsets/1',
      'rewritten after its commit to an earlier, still valid range',
      (f) => writeFileSync(f, readFileSync(f, 'utf8').replace(/\n1\n$/, '\n0\n')),
      /offsets\/1 does not hold the offsets batch 1 read when it committed/,
    ],
  ]
  for (const [file, how, damage, message] of damages) {
    it(`${file} ${how}: the error names the file and the choices`, async () => {
      const checkpoint = tempDir()
      await runTwoBatches(checkpoint)
      damage(path.join(checkpoint, file))
      const error = await restart(checkpoint).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CheckpointError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).toContain(path.join(checkpoint, file))
      expect((error as Error).message).toMatch(
        /Restore the .*or .*(delete the checkpoint folder|new checkpointLocation)/,
      )
    })
  }

  it('a missing offsets entry under a later commit is reported', async () => {
    const checkpoint = tempDir()
    await runTwoBatches(checkpoint)
    rmSync(path.join(checkpoint, 'offsets'), { recursive: true })
    mkdirSync(path.join(checkpoint, 'offsets'))
    await expect(restart(checkpoint)).rejects.toThrow(/has commits but .*offsets has no offsets/)
  })

  it('commits ahead of the offset log are reported (missing commits behind it are not: see edges/)', async () => {
    const checkpoint = tempDir()
    await runTwoBatches(checkpoint)
    rmSync(path.join(checkpoint, 'offsets', '1'))
    await expect(restart(checkpoint)).rejects.toThrow(
      /commits\/1 commits batch 1, but the newest offset log entry is batch 0/,
    )
  })

  it('temporary files left by an interrupted atomic write are ignored', async () => {
    const checkpoint = tempDir()
    await runTwoBatches(checkpoint)
    writeFileSync(path.join(checkpoint, 'offsets', '.2.1234.tmp'), 'v1\n{"half')
    const q = await restart(checkpoint)
    await q.stop()
    expect(q.exception).toBeNull()
  })
})

describe('atomic writes and metadata logs', () => {
  it('atomicWrite replaces a file whole and leaves no temporary file', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'sub', 'f')
    await atomicWrite(file, 'one')
    await atomicWrite(file, 'two')
    expect(readFileSync(file, 'utf8')).toBe('two')
    expect(readdirSync(path.dirname(file))).toEqual(['f'])
  })

  it('add() refuses to overwrite an entry (a second writer on the same checkpoint)', async () => {
    const log = new MetadataLog<{ a: number }>(tempDir())
    expect(await log.add(0, { a: 1 })).toBe(true)
    expect(await log.add(0, { a: 2 })).toBe(false)
    expect(await log.get(0)).toEqual({ a: 1 })
    expect(await log.latest()).toEqual({ batchId: 0, value: { a: 1 } })
  })

  it('purgeBefore keeps the newest entries', async () => {
    const log = new MetadataLog<number>(tempDir())
    for (let i = 0; i < 5; i++) await log.add(i, i)
    await log.purgeBefore(3)
    expect(await log.batchIds()).toEqual([3, 4])
  })
})
