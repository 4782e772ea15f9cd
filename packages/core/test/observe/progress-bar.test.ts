import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

/** A stream that says it is a terminal (or not) and keeps what is drawn on it. */
class FakeTerminal extends Writable {
  text = ''
  readonly columns = 160
  constructor(readonly isTTY: boolean) {
    super()
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function inputFolder(files: number, rowsPerFile: number): string {
  const dir = tempDir()
  for (let f = 0; f < files; f++) {
    const lines = Array.from({ length: rowsPerFile }, (_, i) => JSON.stringify({ id: f * rowsPerFile + i }))
    writeFileSync(path.join(dir, `part-${String(f).padStart(3, '0')}.json`), `${lines.join('\n')}\n`)
  }
  return dir
}

async function runAvailableNow(terminal: FakeTerminal, conf: Record<string, string> = {}) {
  const session = newSession(conf)
  session.progressBarStream = terminal
  // A run that ends when it has read what was there never reports idle: files written after
  // its start may be waiting.
  let idle = 0
  session.streams.addListener({
    onQueryIdle: () => {
      idle++
    },
  })
  const input = inputFolder(9, 50)
  const q = await session.readStream
    .schema(schema({ id: 'long' }))
    .option('maxFilesPerTrigger', 2)
    .json(input)
    .writeStream.format('memory')
    .queryName('backfill')
    .trigger({ availableNow: true })
    .start()
  await q.awaitTermination()
  expect(idle).toBe(0)
  return q
}

describe('availableNow progress bar', () => {
  it('draws files done out of the total known at start, rows, rows/s and ETA on a terminal', async () => {
    const terminal = new FakeTerminal(true)
    const q = await runAvailableNow(terminal)
    expect(q.recentProgress.length).toBe(5)
    const ESC = String.fromCharCode(27)
    const plain = terminal.text.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}[78]`, 'g'), '')
    // The total is known from the first frame on (the bar redraws at most 5 times a second, so
    // frames in between may be skipped); the last frame shows every file and row.
    const frames = [...plain.matchAll(/(\d+)\/(\d+) files/g)].map((m) => [Number(m[1]), Number(m[2])])
    expect(frames.length).toBeGreaterThanOrEqual(2)
    for (const [, total] of frames) expect(total).toBe(9)
    expect(frames.map(([done]) => done)).toEqual([...frames.map(([done]) => done)].sort((a, b) => a - b))
    expect(plain).toMatch(/backfill \[[█░]+\] 9\/9 files \| 450 rows \| [\d,]+ rows\/s \| ETA \d+s/)
  })

  it('counts offsets of a memory stream and seconds of the rate source, out of what was there at start', async () => {
    const ESC = String.fromCharCode(27)
    const plainOf = (t: FakeTerminal) =>
      t.text.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}[78]`, 'g'), '')
    const session = newSession()
    const memory = new FakeTerminal(true)
    session.progressBarStream = memory
    const input = new MemoryStream(session, schema({ id: 'long' }))
    for (let i = 0; i < 3; i++) input.addData([{ id: i }, { id: i + 10 }])
    let addedDuringRun = false
    const q = await input
      .toDF()
      .writeStream.foreachBatch(() => {
        // Data added after the start waits for the next run, as in Spark.
        if (!addedDuringRun) input.addData([{ id: 99 }])
        addedDuringRun = true
      })
      .queryName('mem')
      .trigger({ availableNow: true })
      .start()
    await q.awaitTermination()
    expect(plainOf(memory)).toMatch(/mem \[[█░]+\] 3\/3 offsets \| 6 rows/)
    expect(q.recentProgress.reduce((n, p) => n + p.numInputRows, 0)).toBe(6)

    const rate = new FakeTerminal(true)
    session.progressBarStream = rate
    const checkpoint = tempDir()
    const runRate = async () => {
      const r = await session.readStream
        .format('rate')
        .option('rowsPerSecond', 10)
        .load()
        .writeStream.format('memory')
        .queryName('ticks')
        .option('checkpointLocation', checkpoint)
        .trigger({ availableNow: true })
        .start()
      await r.awaitTermination()
    }
    await runRate() // records the rate source's start time in the checkpoint
    await new Promise((r) => setTimeout(r, 1100))
    rate.text = ''
    await runRate()
    const frames = [...plainOf(rate).matchAll(/(\d+)\/(\d+) seconds/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ])
    expect(frames.length).toBeGreaterThanOrEqual(1)
    const [done, total] = frames[frames.length - 1]
    expect(total).toBeGreaterThanOrEqual(1)
    expect(done).toBe(total)
  })

  it('prints nothing when the stream is not a terminal, or when turned off', async () => {
    const piped = new FakeTerminal(false)
    await runAvailableNow(piped)
    expect(piped.text).toBe('')
    const off = new FakeTerminal(true)
    await runAvailableNow(off, { 'tributary.ui.progressBar': 'false' })
    expect(off.text).toBe('')
  })

  it('draws a bar for a batch read over many files, and none for a few', async () => {
    const terminal = new FakeTerminal(true)
    const session = newSession()
    session.progressBarStream = terminal
    const many = await session.read
      .schema(schema({ id: 'long' }))
      .json(inputFolder(12, 10))
      .count()
    expect(many).toBe(120)
    expect(terminal.text).toMatch(/json .*\[[█░]+\] 12\/12 files \| 120 rows/)
    const before = terminal.text.length
    expect(
      await session.read
        .schema(schema({ id: 'long' }))
        .json(inputFolder(3, 10))
        .count(),
    ).toBe(30)
    expect(terminal.text.length).toBe(before)
  })
})
