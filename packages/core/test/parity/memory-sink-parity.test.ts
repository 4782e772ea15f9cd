/**
 * The memory sink ignores a batch id it already holds, as Spark's MemorySink does: a batch
 * run again after a restart (its commit lost) does not replace what the first run wrote.
 */
import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

describe('memory sink and replayed batches', () => {
  it('keeps the rows of the first run of a batch', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const input = new MemoryStream(session, schema({ v: 'string' }))
    let run = 1
    // The run number shows which execution of a batch wrote a row.
    const tagged = input.toDF().map((r) => ({ v: r.v, run }), schema({ v: 'string', run: 'long' }))
    const start = () =>
      tagged.writeStream
        .format('memory')
        .queryName('replayed')
        .option('checkpointLocation', checkpoint)
        .start()
    let q = await start()
    input.addData([{ v: 'a' }])
    await q.processAllAvailable()
    input.addData([{ v: 'b' }])
    await q.processAllAvailable()
    await q.stop()
    // Batch 1 reached the sink but, as far as the checkpoint knows, never committed.
    rmSync(path.join(checkpoint, 'commits', '1'))
    run = 2
    q = await start()
    await q.processAllAvailable()
    await q.stop()
    const rows = await session.table('replayed').collect()
    expect(rows).toEqual([
      { v: 'a', run: 1 },
      { v: 'b', run: 1 },
    ])
  })
})
