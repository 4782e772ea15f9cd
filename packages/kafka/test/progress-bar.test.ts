/**
 * The terminal progress bar over Kafka: an availableNow run counts offsets read out of those
 * there at its start (end offsets minus the checkpoint's), and a batch read over an offset
 * range counts offsets as each partition is read. Drawn on a fake terminal.
 */
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { batchRead, context, newSession, stream, tempDir } from './helpers.js'
import { SimCluster } from './sim-cluster.js'

class FakeTerminal extends Writable {
  text = ''
  readonly isTTY = true
  readonly columns = 160
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
  /** What was drawn, without the cursor movements. */
  get plain(): string {
    const ESC = String.fromCharCode(27)
    return this.text.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}[78]`, 'g'), '')
  }
}

const frames = (plain: string, unit: string) =>
  [...plain.matchAll(new RegExp(`(\\d+)/(\\d+) ${unit}`, 'g'))].map((m) => [Number(m[1]), Number(m[2])])

describe('Kafka progress bar', () => {
  it('an availableNow run shows offsets done out of the end offsets known at start', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('t', 2)
    const ctx = context(cluster)
    const session = newSession()
    const terminal = new FakeTerminal()
    session.progressBarStream = terminal
    const checkpoint = tempDir()
    const run = async () => {
      const q = await stream(session, ctx, {
        subscribe: 't',
        maxOffsetsPerTrigger: 3,
        startingOffsets: 'earliest',
      })
        .writeStream.format('memory')
        .queryName('backfill')
        .option('checkpointLocation', checkpoint)
        .trigger({ availableNow: true })
        .start()
      await q.awaitTermination()
      return q
    }
    cluster.produce('t', 0, ['a', 'b', 'c', 'd'])
    cluster.produce('t', 1, ['e', 'f', 'g'])
    await run()
    let f = frames(terminal.plain, 'offsets')
    expect(f.length).toBeGreaterThanOrEqual(2)
    for (const [, total] of f) expect(total).toBe(7)
    expect(terminal.plain).toMatch(/backfill \[[█░]+\] 7\/7 offsets \| 7 rows/)
    // A second run counts from the checkpoint, not from the start of the topic.
    cluster.produce('t', 0, ['h', 'i'])
    terminal.text = ''
    await run()
    f = frames(terminal.plain, 'offsets')
    expect(f.length).toBeGreaterThanOrEqual(1)
    for (const [, total] of f) expect(total).toBe(2)
    expect(terminal.plain).toMatch(/2\/2 offsets \| 2 rows/)
  })

  it('a batch read over an offset range shows offsets read, partition by partition', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('big', 4)
    for (let p = 0; p < 4; p++)
      cluster.produce(
        'big',
        p,
        Array.from({ length: 3000 }, (_, i) => String(i)),
      )
    const session = newSession()
    const terminal = new FakeTerminal()
    session.progressBarStream = terminal
    expect(await batchRead(session, context(cluster), { subscribe: 'big' }).count()).toBe(12_000)
    const f = frames(terminal.plain, 'offsets')
    expect(f.length).toBeGreaterThanOrEqual(1)
    for (const [, total] of f) expect(total).toBe(12_000)
    expect(terminal.plain).toMatch(/kafka \[[█░]+\] 12000\/12000 offsets \| 12,000 rows/)
  })
})
