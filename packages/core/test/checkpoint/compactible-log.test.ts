/**
 * Logs that never stop growing are compacted as Spark's CompactibleFileStreamLog: the folder
 * holds one compact file and the batches after it, every batch stays readable, a lost batch
 * file is found, and a log written before compaction existed is read and compacted.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CompactibleLog } from '../../src/checkpoint/compactible-log.js'
import { col, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

type Entry = { n: number[] }

describe('CompactibleLog', () => {
  it('keeps one compact file and the batches after it; every batch reads back (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 40 }),
        async (interval, count) => {
          const dir = path.join(tempDir(), 'log')
          const log = new CompactibleLog<Entry>(dir, { compactInterval: interval })
          for (let id = 0; id < count; id++) expect(await log.add(id, { n: [id, id * 2] })).toBe(true)
          // A batch already there is not written again, compacted or not.
          expect(await log.add(count - 1, { n: [] })).toBe(false)
          if (count > interval) expect(await log.add(0, { n: [] })).toBe(false)
          const names = readdirSync(dir)
          expect(names.filter((n) => n.endsWith('.compact')).length).toBeLessThanOrEqual(1)
          expect(names.length).toBeLessThanOrEqual(interval)
          for (let id = 0; id < count; id++) expect(await log.get(id)).toEqual({ n: [id, id * 2] })
          expect((await log.batches()).map((b) => b.batchId)).toEqual([...Array(count).keys()])
          expect(await log.latestBatchId()).toBe(count - 1)
          expect(await log.firstMissingBatch()).toBeNull()
        },
      ),
      { numRuns: 25 },
    )
  })

  it('a compaction keeps what retain keeps, and always the batch being written', async () => {
    const dir = path.join(tempDir(), 'log')
    const log = new CompactibleLog<Entry>(dir, {
      compactInterval: 5,
      retain: (e) => (e.n.some((x) => x % 2 === 0) ? { n: e.n.filter((x) => x % 2 === 0) } : null),
    })
    for (let id = 0; id < 5; id++) await log.add(id, { n: [id] })
    expect(readdirSync(dir)).toEqual(['4.compact'])
    expect((await log.batches()).map((b) => [b.batchId, b.entry.n])).toEqual([
      [0, [0]],
      [2, [2]],
      [4, [4]],
    ])
    expect(await log.get(1)).toBe('dropped')
    expect(await log.get(7)).toBeUndefined()
  })

  it('reads a log written one file per batch before compaction, and compacts it', async () => {
    const dir = path.join(tempDir(), 'log')
    mkdirSync(dir)
    // As MetadataLog wrote them: '9' is a plain batch file, though 9 is now a compact batch.
    for (let id = 0; id < 13; id++)
      writeFileSync(path.join(dir, String(id)), `v1\n${JSON.stringify({ n: [id] })}\n`)
    const log = new CompactibleLog<Entry>(dir, { compactInterval: 10 })
    expect(await log.get(9)).toEqual({ n: [9] })
    expect(await log.add(9, { n: [] })).toBe(false)
    for (let id = 13; id < 20; id++) await log.add(id, { n: [id] })
    expect(readdirSync(dir)).toEqual(['19.compact'])
    expect((await log.batches()).map((b) => b.entry.n[0])).toEqual([...Array(20).keys()])
  })

  it('names the first batch missing after the newest compact file', async () => {
    const dir = path.join(tempDir(), 'log')
    const log = new CompactibleLog<Entry>(dir, { compactInterval: 4 })
    for (let id = 0; id < 7; id++) await log.add(id, { n: [id] })
    rmSync(path.join(dir, '5'))
    expect(await log.firstMissingBatch()).toBe(5)
  })
})

describe('the file source log stays bounded', () => {
  const rows = schema({ k: 'string', v: 'long' })

  it('a query over many batches keeps a small log, restarts on the compacted log and reads no file twice', async () => {
    const dir = tempDir()
    const input = path.join(dir, 'in')
    mkdirSync(input)
    const checkpoint = path.join(dir, 'ckpt')
    const session = newSession()
    const start = () =>
      session.readStream
        .format('json')
        .schema(rows)
        .option('maxFilesPerTrigger', 1)
        .option('logCompactInterval', 5)
        .load(input)
        .where(col('v').geq(0))
        .writeStream.format('memory')
        .queryName('bounded')
        .option('checkpointLocation', checkpoint)
        .start()
    const write = (from: number, to: number) => {
      for (let i = from; i < to; i++)
        writeFileSync(path.join(input, `f${String(i).padStart(3, '0')}.json`), `{"k":"f${i}","v":${i}}\n`)
    }
    write(0, 23)
    let q = await start()
    await q.processAllAvailable()
    await q.stop()
    const log = path.join(checkpoint, 'sources', '0')
    // 23 source batches: the compact file of batch 19 and batches 20-22.
    expect(readdirSync(log).sort()).toEqual(['19.compact', '20', '21', '22'])
    write(23, 26)
    q = await start()
    await q.processAllAvailable()
    await q.stop()
    expect(readdirSync(log).sort()).toEqual(['24.compact', '25'])
    const got = ((await session.table('bounded').collect()) as { v: number }[]).map((r) => r.v)
    expect(got.sort((a, b) => a - b)).toEqual([...Array(26).keys()])
  })

  it('files older than maxFileAge behind the newest are forgotten at compaction, as the source would forget them', async () => {
    const dir = tempDir()
    const input = path.join(dir, 'in')
    mkdirSync(input)
    const checkpoint = path.join(dir, 'ckpt')
    const session = newSession()
    const now = Date.now() / 1000
    for (let i = 0; i < 6; i++) {
      const f = path.join(input, `f${i}.json`)
      writeFileSync(f, `{"k":"f${i}","v":${i}}\n`)
      // f0 and f1 an hour old, the others recent: after f5 is taken, f0 and f1 are past maxFileAge.
      const t = i < 2 ? now - 3600 + i : now - 60 + i
      utimesSync(f, t, t)
    }
    const q = await session.readStream
      .format('json')
      .schema(rows)
      .option('maxFilesPerTrigger', 1)
      .option('maxFileAge', '10 minutes')
      .option('logCompactInterval', 6)
      .load(input)
      .writeStream.format('memory')
      .queryName('aged')
      .option('checkpointLocation', checkpoint)
      .start()
    await q.processAllAvailable()
    await q.stop()
    expect(((await session.table('aged').collect()) as unknown[]).length).toBe(6)
    const compact = path.join(checkpoint, 'sources', '0', '5.compact')
    expect(existsSync(compact)).toBe(true)
    const { readFileSync } = await import('node:fs')
    const kept = readFileSync(compact, 'utf8')
    expect(kept).not.toContain('f0.json')
    expect(kept).not.toContain('f1.json')
    expect(kept).toContain('f2.json')
  })
})

describe('the file sink log stays bounded', () => {
  const rows = schema({ k: 'string', v: 'long' })

  it('compacts its commit log; readers, restarts and df.write appends see every file exactly once', async () => {
    const dir = tempDir()
    const out = path.join(dir, 'out')
    const checkpoint = path.join(dir, 'ckpt')
    const session = newSession()
    const { MemoryStream } = await import('../../src/index.js')
    const input = new MemoryStream(session, rows)
    const start = () =>
      input
        .toDF()
        .writeStream.format('json')
        .option('checkpointLocation', checkpoint)
        .option('logCompactInterval', 4)
        .option('logCleanupDelay', '0 seconds')
        .start(out)
    let q = await start()
    for (let i = 0; i < 9; i++) {
      input.addData([{ k: `a${i}`, v: i }])
      await q.processAllAvailable()
    }
    await q.stop()
    const log = path.join(out, '_tributary_metadata')
    // Ids 0-8: the compact file of id 7 and entry 8.
    expect(
      readdirSync(log)
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(['7.compact', '8'])
    // A batch append between streaming runs takes the next free id.
    await session
      .createDataFrame([{ k: 'appended', v: 100 }], rows)
      .write.mode('append')
      .format('json')
      .save(out)
    q = await start()
    for (let i = 9; i < 12; i++) {
      input.addData([{ k: `a${i}`, v: i }])
      await q.processAllAvailable()
    }
    await q.stop()
    expect(
      readdirSync(log)
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(['11.compact', '12'])
    const read = (await session.read.format('json').schema(rows).load(out).collect()) as { v: number }[]
    expect(read.map((r) => r.v).sort((a, b) => a - b)).toEqual([...Array(12).keys(), 100])
    // A streaming read of the output goes through the compacted log too.
    const follower = await session.readStream
      .format('json')
      .schema(rows)
      .load(out)
      .writeStream.format('memory')
      .queryName('follower')
      .start()
    await follower.processAllAvailable()
    await follower.stop()
    const followed = (await session.table('follower').collect()) as { v: number }[]
    expect(followed.map((r) => r.v).sort((a, b) => a - b)).toEqual([...Array(12).keys(), 100])
  })

  it('keeps the entries a compact file replaced until logCleanupDelay has passed', async () => {
    const dir = tempDir()
    const out = path.join(dir, 'out')
    const session = newSession()
    const { MemoryStream } = await import('../../src/index.js')
    const input = new MemoryStream(session, rows)
    const q = await input
      .toDF()
      .writeStream.format('json')
      .option('checkpointLocation', path.join(dir, 'ckpt'))
      .option('logCompactInterval', 3)
      .start(out)
    for (let i = 0; i < 6; i++) {
      input.addData([{ k: `a${i}`, v: i }])
      await q.processAllAvailable()
    }
    await q.stop()
    const names = readdirSync(path.join(out, '_tributary_metadata')).filter((n) => !n.startsWith('.'))
    // The default delay (10 minutes) has not passed: ids 0-4 stay beside both compact files.
    expect(names.sort()).toEqual(['0', '1', '2.compact', '3', '4', '5.compact'])
    const read = (await session.read.format('json').schema(rows).load(out).collect()) as { v: number }[]
    expect(read.map((r) => r.v).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5])
  })
})
