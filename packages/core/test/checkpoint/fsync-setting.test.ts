/**
 * tributary.checkpoint.fsync=false: the offset and commit logs are written without fsync
 * (docs/guarantees.md, "Durability and fsync"), and a query reads them back as before.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const rows = schema({ id: 'long' })

/** fsync calls (file and folder handles alike) while `run` runs. */
async function syncsDuring(run: () => Promise<void>): Promise<number> {
  const probe = await fs.open(tempDir(), 'r')
  const proto = Object.getPrototypeOf(probe) as { sync(): Promise<void> }
  await probe.close()
  const spy = vi.spyOn(proto, 'sync')
  try {
    await run()
    return spy.mock.calls.length
  } finally {
    spy.mockRestore()
  }
}

afterEach(() => vi.restoreAllMocks())

async function threeBatches(fsync: string | undefined, checkpoint: string): Promise<number> {
  const session = newSession(fsync === undefined ? {} : { 'tributary.checkpoint.fsync': fsync })
  const input = new MemoryStream(session, rows)
  const q = await input
    .toDF()
    .writeStream.format('memory')
    .queryName(`fsync_${fsync ?? 'default'}`)
    .option('checkpointLocation', checkpoint)
    .start()
  await q.processAllAvailable()
  const n = await syncsDuring(async () => {
    for (let i = 0; i < 3; i++) {
      input.addData([{ id: i }])
      await q.processAllAvailable()
    }
  })
  await q.stop()
  expect((await session.table(`fsync_${fsync ?? 'default'}`).collect()).length).toBe(3)
  return n
}

describe('tributary.checkpoint.fsync', () => {
  it('false: batches write their offset and commit logs without fsync', async () => {
    const durable = await threeBatches(undefined, tempDir())
    const checkpoint = tempDir()
    const fast = await threeBatches('false', checkpoint)
    // Two entries a batch, each a file and a folder fsync, with the default.
    expect(durable).toBeGreaterThanOrEqual(12)
    expect(fast).toBe(0)
    expect((await fs.readdir(path.join(checkpoint, 'commits'))).filter((f) => /^\d+$/.test(f)).length).toBe(3)
  })

  it('refuses a value other than true or false', () => {
    expect(() => newSession({ 'tributary.checkpoint.fsync': 'sometimes' })).toThrow(
      /INVALID_OPTION.*true.*false/,
    )
  })
})
