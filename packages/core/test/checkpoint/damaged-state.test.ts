/**
 * Damaged state files, source logs and sink logs (damaged-checkpoint.test.ts covers the
 * offset log, the commit log and metadata): each is reported with the file and the ways
 * out, never read as empty state or as "no files seen yet", which would silently lose or
 * repeat data.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CheckpointError,
  col,
  count,
  MemoryStream,
  type Session,
  StreamingQueryException,
  schema,
} from '../../src/index.js'
import { partitionOf } from '../../src/state/state-manager.js'
import { newSession, tempDir } from '../helpers.js'

const kv = schema({ k: 'string', v: 'long' })

/** Three batches of a count by key, key 'a' only, so that one state partition holds everything. */
async function aggregateThreeBatches(session: Session, checkpoint: string) {
  const input = new MemoryStream(session, kv)
  const start = () =>
    input
      .toDF()
      .groupBy('k')
      .agg(count().alias('n'))
      .writeStream.format('memory')
      .queryName('counts')
      .outputMode('complete')
      .option('checkpointLocation', checkpoint)
      .start()
  const q = await start()
  for (let b = 0; b < 3; b++) {
    input.addData([{ k: 'a', v: b }])
    await q.processAllAvailable()
  }
  await q.stop()
  return { input, start }
}

const stateDir = (checkpoint: string) => path.join(checkpoint, 'state', '0', String(partitionOf('a', 4)))

/** The error of the first batch after the restart: state is loaded when a batch needs it. */
async function restartError(session: Session, run: Awaited<ReturnType<typeof aggregateThreeBatches>>) {
  const q = await run.start()
  run.input.addData([{ k: 'a', v: 9 }])
  const e = await q.processAllAvailable().then(
    () => null,
    (err: unknown) => err,
  )
  await q.stop().catch(() => {})
  expect(e).toBeInstanceOf(StreamingQueryException)
  const cause = (e as StreamingQueryException).cause
  expect(cause).toBeInstanceOf(CheckpointError)
  expect(session.table('counts')).toBeDefined()
  return cause as CheckpointError
}

const choices = /Restore the state folder from a backup, or delete the checkpoint to start the query over/

describe('damaged state files (memory provider)', () => {
  const damages: [string, (file: string) => void, RegExp][] = [
    [
      'truncated',
      (f) => writeFileSync(f, readFileSync(f).subarray(0, 7)),
      /cannot be decoded|is not a Tributary state file/,
    ],
    ['empty', (f) => writeFileSync(f, ''), /cannot be decoded|is not a Tributary state file/],
    [
      'garbage',
      (f) => writeFileSync(f, 'not state at all\n'),
      /cannot be decoded|is not a Tributary state file/,
    ],
    ['missing', (f) => rmSync(f), /is missing, so state version 3 cannot be rebuilt/],
  ]
  for (const [how, damage, problem] of damages) {
    it(`a ${how} delta file is named, with the choices`, async () => {
      const session = newSession()
      const checkpoint = tempDir()
      const run = await aggregateThreeBatches(session, checkpoint)
      const file = path.join(stateDir(checkpoint), '2.delta')
      damage(file)
      const e = await restartError(session, run)
      expect(e.code).toBe('CORRUPT_CHECKPOINT_FILE')
      expect(e.message).toContain(file)
      expect(e.message).toMatch(problem)
      expect(e.message).toMatch(choices)
    })
  }

  it('a truncated snapshot is named, never read as an empty state', async () => {
    const session = newSession({ 'tributary.stateStore.minDeltasForSnapshot': '2' })
    const checkpoint = tempDir()
    const run = await aggregateThreeBatches(session, checkpoint)
    const file = path.join(stateDir(checkpoint), '2.snapshot')
    writeFileSync(file, readFileSync(file).subarray(0, 10))
    const e = await restartError(session, run)
    expect(e.message).toContain(file)
    expect(e.message).toMatch(choices)
  })

  it('with the damage repaired (the file restored), the query goes on with the right counts', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const run = await aggregateThreeBatches(session, checkpoint)
    const file = path.join(stateDir(checkpoint), '2.delta')
    const good = readFileSync(file)
    writeFileSync(file, 'garbage')
    await restartError(session, run)
    writeFileSync(file, good)
    const q = await run.start()
    await q.processAllAvailable()
    await q.stop()
    expect(await session.table('counts').collect()).toEqual([{ k: 'a', n: 4 }])
  })
})

describe('damaged state files (lmdb provider)', () => {
  const damages: [string, (dir: string) => void, RegExp][] = [
    [
      'garbage',
      (d) => writeFileSync(path.join(d, 'state.mdb'), Buffer.alloc(9000, 7)),
      /header is damaged or missing/,
    ],
    [
      'truncated',
      (d) => {
        const f = path.join(d, 'state.mdb')
        writeFileSync(f, readFileSync(f).subarray(0, 8192))
      },
      /truncated/,
    ],
    ['missing', (d) => rmSync(path.join(d, 'state.mdb')), /does not exist \(lost or deleted\)/],
  ]
  for (const [how, damage, problem] of damages) {
    it(`a ${how} state.mdb is named, with the choices`, async () => {
      const session = newSession({ 'tributary.stateStore.provider': 'lmdb' })
      const checkpoint = tempDir()
      const run = await aggregateThreeBatches(session, checkpoint)
      damage(stateDir(checkpoint))
      const e = await restartError(session, run)
      expect(e.message).toContain(path.join(stateDir(checkpoint), 'state.mdb'))
      expect(e.message).toMatch(problem)
      expect(e.message).toMatch(/Restore the state folder from a backup, or delete the checkpoint/)
    })
  }
})

describe('damaged file source logs', () => {
  async function readTwoFiles(session: Session, dir: string) {
    const input = path.join(dir, 'in')
    mkdirSync(input)
    const checkpoint = path.join(dir, 'ckpt')
    const start = () =>
      session.readStream
        .format('json')
        .schema(kv)
        .option('maxFilesPerTrigger', 1)
        .load(input)
        .where(col('v').geq(0))
        .writeStream.format('memory')
        .queryName('rows')
        .option('checkpointLocation', checkpoint)
        .start()
    for (const n of [0, 1, 2]) writeFileSync(path.join(input, `f${n}.json`), `{"k":"f${n}","v":${n}}\n`)
    const q = await start()
    await q.processAllAvailable()
    await q.stop()
    return { checkpoint, start }
  }

  const damages: [string, (file: string) => void, RegExp][] = [
    ['truncated', (f) => writeFileSync(f, readFileSync(f, 'utf8').slice(0, 12)), /is truncated/],
    ['empty', (f) => writeFileSync(f, ''), /is empty/],
    ['garbage', (f) => writeFileSync(f, 'v1\n{"files": [\n'), /is not valid JSON/],
    ['missing', (f) => rmSync(f), /is missing, so the files of file source batch 1 are unknown/],
  ]
  for (const [how, damage, problem] of damages) {
    it(`a ${how} entry is named: its files are never taken for new ones`, async () => {
      const session = newSession()
      const { checkpoint, start } = await readTwoFiles(session, tempDir())
      const file = path.join(checkpoint, 'sources', '0', '1')
      damage(file)
      const e = await start().then(
        () => null,
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(CheckpointError)
      expect((e as Error).message).toContain(file)
      expect((e as Error).message).toMatch(problem)
      expect((e as Error).message).toMatch(
        /Restore the file from a backup, or (delete the checkpoint|start the query with a new checkpointLocation)/,
      )
    })
  }
})

describe('damaged file sink logs', () => {
  it('a torn _tributary_metadata entry is named when the output is read, never skipped', async () => {
    const session = newSession()
    const dir = tempDir()
    const input = new MemoryStream(session, kv)
    const out = path.join(dir, 'out')
    const q = await input
      .toDF()
      .writeStream.format('json')
      .option('checkpointLocation', path.join(dir, 'ckpt'))
      .start(out)
    input.addData([{ k: 'a', v: 1 }])
    await q.processAllAvailable()
    input.addData([{ k: 'b', v: 2 }])
    await q.processAllAvailable()
    await q.stop()
    const entry = path.join(out, '_tributary_metadata', '1')
    writeFileSync(entry, readFileSync(entry, 'utf8').slice(0, 15))
    const e = await Promise.resolve()
      .then(() => session.read.schema(kv).json(out).collect())
      .then(
        () => null,
        (err: unknown) => err,
      )
    expect(e).toBeInstanceOf(CheckpointError)
    expect((e as Error).message).toContain(entry)
    expect((e as Error).message).toMatch(/is truncated/)
  })
})
