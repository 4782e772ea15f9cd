import { existsSync, promises as fs } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Session, type StreamingQuery, schema } from '../../src/index.js'
import type { OptionValue } from '../../src/util/options.js'
import { newSession, tempDir } from '../helpers.js'
import { ndjson, writeRows } from './ndjson-test-format.js'

const events = schema({ id: 'long', name: 'string' })
const row = (id: number) => ({ id, name: `n${id}` })
const rows = (...ids: number[]) => ids.map(row)

/** A file with the given ids; `ageMinutes` sets its modification time that far in the past. */
async function file(dir: string, name: string, ids: number[], ageMinutes?: number): Promise<string> {
  const mtime = ageMinutes === undefined ? undefined : Date.now() - ageMinutes * 60_000
  return writeRows(path.join(dir, name), rows(...ids), mtime)
}

async function runToIdle(
  session: Session,
  input: string,
  checkpoint: string,
  options: Record<string, OptionValue> = {},
  trigger?: { availableNow: true },
): Promise<StreamingQuery> {
  let writer = session.readStream
    .format(ndjson.source)
    .schema(events)
    .options(options)
    .load(input)
    .writeStream.format('memory')
    .queryName('q')
    .option('checkpointLocation', checkpoint)
  if (trigger) writer = writer.trigger(trigger)
  const q = await writer.start()
  if (trigger) await q.awaitTermination()
  else await q.processAllAvailable()
  await q.stop()
  if (q.exception) throw q.exception
  return q
}

async function ids(session: Session): Promise<number[]> {
  return (await session.table('q').collect()).map((r) => r.id as number)
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
const inputRowsPerBatch = (q: StreamingQuery) => q.recentProgress.map((p) => p.numInputRows)

describe('file source: streaming', () => {
  it('reads each file exactly once across stop and restart', async () => {
    const dir = tempDir()
    const ckpt = tempDir()
    const session = newSession()
    await file(dir, 'a.ndjson', [1, 2], 30)
    await file(dir, 'b.ndjson', [3], 20)
    await runToIdle(session, dir, ckpt)
    expect(sorted(await ids(session))).toEqual([1, 2, 3])

    await file(dir, 'c.ndjson', [4, 5], 10)
    const second = await runToIdle(session, dir, ckpt)
    expect(sorted(await ids(session))).toEqual([1, 2, 3, 4, 5])
    // The restarted run read only the new file.
    expect(inputRowsPerBatch(second)).toEqual([2])

    const third = await runToIdle(session, dir, ckpt)
    expect(third.recentProgress).toEqual([])
    expect(sorted(await ids(session))).toEqual([1, 2, 3, 4, 5])
  })

  it('reads files in nested folders and skips hidden ones', async () => {
    const dir = tempDir()
    const session = newSession()
    await file(dir, 'a.ndjson', [1])
    await file(dir, 'sub/deeper/b.ndjson', [2])
    await file(dir, '.hidden.ndjson', [100])
    await file(dir, '_SUCCESS', [101])
    await file(dir, '_temporary/c.ndjson', [102])
    await file(dir, 'd.ndjson._COPYING_', [103])
    await runToIdle(session, dir, tempDir())
    expect(sorted(await ids(session))).toEqual([1, 2])
  })

  it('splits files into batches of maxFilesPerTrigger, oldest first', async () => {
    const dir = tempDir()
    const session = newSession()
    await file(dir, 'e.ndjson', [5], 10)
    await file(dir, 'a.ndjson', [1], 50)
    await file(dir, 'c.ndjson', [3, 33, 333], 30)
    await file(dir, 'b.ndjson', [2, 22], 40)
    await file(dir, 'd.ndjson', [4], 20)
    const q = await runToIdle(session, dir, tempDir(), { maxFilesPerTrigger: 2 })
    expect(inputRowsPerBatch(q)).toEqual([3, 4, 1])
    expect(await ids(session)).toEqual([1, 2, 22, 3, 33, 333, 4, 5])
  })

  it('takes the newest files first with latestFirst', async () => {
    const dir = tempDir()
    const session = newSession()
    await file(dir, 'old.ndjson', [1], 30)
    await file(dir, 'mid.ndjson', [2], 20)
    await file(dir, 'new.ndjson', [3], 10)
    const q = await runToIdle(session, dir, tempDir(), { maxFilesPerTrigger: 1, latestFirst: true })
    expect(await ids(session)).toEqual([3, 2, 1])
    expect(inputRowsPerBatch(q)).toEqual([1, 1, 1])
  })

  it('ignores files older than maxFileAge before the newest file seen', async () => {
    const dir = tempDir()
    const ckpt = tempDir()
    const session = newSession()
    await file(dir, 'first.ndjson', [1], 0)
    await runToIdle(session, dir, ckpt, { maxFileAge: '1 hour' })
    await file(dir, 'too-old.ndjson', [2], 120)
    await file(dir, 'recent.ndjson', [3], 30)
    await runToIdle(session, dir, ckpt, { maxFileAge: '1 hour' })
    expect(sorted(await ids(session))).toEqual([1, 3])
  })

  it('counts the files maxFileAge skips (e.g. copied with cp -p), and says so once', async () => {
    const dir = tempDir()
    const ckpt = tempDir()
    const session = newSession()
    await file(dir, 'first.ndjson', [1], 0)
    await runToIdle(session, dir, ckpt, { maxFileAge: '1 hour' })
    await file(dir, 'copied-with-old-time.ndjson', [2], 120)
    await file(dir, 'copied-too.ndjson', [4], 180)
    await file(dir, 'recent.ndjson', [3], 30)
    // Said through the session's logger, at warn level.
    const warnings: string[] = []
    const ignore = () => {}
    session.conf.set('tributary.log.level', 'warn')
    session.useLogger({ debug: ignore, info: ignore, warn: (m: string) => warnings.push(m), error: ignore })
    const q = await runToIdle(session, dir, ckpt, { maxFileAge: '1 hour' })
    expect(q.lastProgress!.sources[0].metrics).toMatchObject({ filesSkippedTooOld: 2 })
    expect(sorted(await ids(session))).toEqual([1, 3])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/copied-too\.ndjson is not read: .*more than maxFileAge .*cp -p/)
  })

  it('skips files still being written (by name, or modified within minFileAge), counts them, and reads them once done', async () => {
    const dir = tempDir()
    const ckpt = tempDir()
    const session = newSession()
    await file(dir, 'done.ndjson', [1], 120)
    await file(dir, 'upload.ndjson.tmp', [100])
    await file(dir, 'copy.ndjson._COPYING_', [101])
    await file(dir, 'download.ndjson.partial', [102])
    const growing = await file(dir, 'growing.ndjson', [2])
    const q = await runToIdle(session, dir, ckpt, { minFileAge: '10 minutes' })
    expect(await ids(session)).toEqual([1])
    expect(q.lastProgress!.sources[0].metrics).toMatchObject({
      filesSkippedInProgress: 3,
      filesSkippedTooNew: 1,
    })
    // The writer finished a while ago: the file has settled, and the next trigger reads it.
    const past = new Date(Date.now() - 20 * 60_000)
    await fs.utimes(growing, past, past)
    await runToIdle(session, dir, ckpt, { minFileAge: '10 minutes' })
    expect(sorted(await ids(session))).toEqual([1, 2])
  })

  it('reads every file present on the first batch, however old', async () => {
    const dir = tempDir()
    const session = newSession()
    await file(dir, 'ancient.ndjson', [1], 60 * 24 * 30)
    await file(dir, 'now.ndjson', [2], 0)
    await runToIdle(session, dir, tempDir())
    expect(sorted(await ids(session))).toEqual([1, 2])
  })

  it('cleanSource delete removes files once their batch is committed', async () => {
    const dir = tempDir()
    const session = newSession()
    const a = await file(dir, 'a.ndjson', [1], 20)
    const b = await file(dir, 'sub/b.ndjson', [2], 10)
    await runToIdle(session, dir, tempDir(), { cleanSource: 'delete', maxFilesPerTrigger: 1 })
    expect(sorted(await ids(session))).toEqual([1, 2])
    expect(existsSync(a)).toBe(false)
    expect(existsSync(b)).toBe(false)
  })

  it('cleanSource archive moves files below sourceArchiveDir, keeping their path', async () => {
    const dir = tempDir()
    const archive = tempDir('tributary-archive-')
    const ckpt = tempDir()
    const session = newSession()
    const a = await file(dir, 'a.ndjson', [1])
    const options = { cleanSource: 'archive', sourceArchiveDir: archive }
    await runToIdle(session, dir, ckpt, options)
    expect(existsSync(a)).toBe(false)
    const archived = path.join(archive, a)
    expect((await fs.readFile(archived, 'utf8')).trim()).toBe(JSON.stringify(row(1)))
    // Archived files are not read again, and later files are archived too.
    const b = await file(dir, 'b.ndjson', [2])
    await runToIdle(session, dir, ckpt, options)
    expect(sorted(await ids(session))).toEqual([1, 2])
    expect(existsSync(path.join(archive, b))).toBe(true)
  })

  it('reads a glob path: only matching files, * within a folder, ** across folders', async () => {
    const dir = tempDir()
    await file(dir, 'a.ndjson', [1])
    await file(dir, 'b.txt', [2])
    await file(dir, 'x/c.ndjson', [3])
    await file(dir, 'x/y/d.ndjson', [4])
    await file(dir, 'z/e.ndjson', [5])

    const cases: [string, number[]][] = [
      ['*.ndjson', [1]],
      ['*/*.ndjson', [3, 5]],
      ['**/*.ndjson', [1, 3, 4, 5]],
      ['x', [3, 4]],
      ['{x,z}/*.ndjson', [3, 5]],
      ['[ab].*', [1, 2]],
    ]
    for (const [pattern, expected] of cases) {
      const session = newSession()
      await runToIdle(session, path.join(dir, pattern), tempDir())
      expect(sorted(await ids(session)), pattern).toEqual(expected)
    }
  })

  it('picks up files that arrive in a glob-matched folder created later', async () => {
    const dir = tempDir()
    const ckpt = tempDir()
    const session = newSession()
    await file(dir, 'in-1/a.ndjson', [1])
    await runToIdle(session, path.join(dir, 'in-*'), ckpt)
    await file(dir, 'in-2/b.ndjson', [2])
    await file(dir, 'out/c.ndjson', [3])
    await runToIdle(session, path.join(dir, 'in-*'), ckpt)
    expect(sorted(await ids(session))).toEqual([1, 2])
  })

  it('Trigger.AvailableNow reads what is there and ends', async () => {
    const dir = tempDir()
    const session = newSession()
    await file(dir, 'a.ndjson', [1], 20)
    await file(dir, 'b.ndjson', [2], 10)
    const q = await runToIdle(session, dir, tempDir(), { maxFilesPerTrigger: 1 }, { availableNow: true })
    expect(q.isActive).toBe(false)
    expect(inputRowsPerBatch(q)).toEqual([1, 1])
    expect(await ids(session)).toEqual([1, 2])
  })

  it('sums droppedMalformed of the format into progress', async () => {
    const dir = tempDir()
    const session = newSession()
    await fs.writeFile(path.join(dir, 'a.ndjson'), `${JSON.stringify(row(1))}\nnot json\n{oops\n`)
    const q = await runToIdle(session, dir, tempDir(), { mode: 'DROPMALFORMED' })
    expect(await ids(session)).toEqual([1])
    expect(q.recentProgress[0].numDroppedMalformedRows).toBe(2)
  })
})
