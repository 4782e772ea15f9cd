import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { inspectCheckpoint } from '../../src/cli/inspect.js'
import { functions as F, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const bin = fileURLToPath(new URL('../../bin/tributary.mjs', import.meta.url))
const sales = schema({ shop: 'string', amount: 'double' })

async function salesCheckpoint() {
  const session = newSession({ 'tributary.sql.shuffle.partitions': '3' })
  const dir = tempDir()
  const checkpoint = path.join(dir, 'checkpoint')
  const input = new MemoryStream(session, sales)
  const q = await input
    .toDF()
    .groupBy('shop')
    .agg(F.count('*').alias('n'), F.sum('amount').alias('total'))
    .writeStream.outputMode('update')
    .format('memory')
    .queryName('sales')
    .option('checkpointLocation', checkpoint)
    .start()
  input.addData([
    { shop: 'oslo', amount: 10 },
    { shop: 'rome', amount: 5 },
  ])
  await q.processAllAvailable()
  input.addData([
    { shop: 'oslo', amount: 2.5 },
    { shop: 'lima', amount: 1 },
  ])
  await q.processAllAvailable()
  await q.stop()
  return { session, checkpoint }
}

/** Orders deduplicated by id into a JSON file sink: state per id, and a sink log. */
async function ordersCheckpoint() {
  const session = newSession({ 'tributary.sql.shuffle.partitions': '3' })
  const dir = tempDir()
  const checkpoint = path.join(dir, 'checkpoint')
  const output = path.join(dir, 'out')
  const input = new MemoryStream(session, schema({ id: 'long', shop: 'string' }))
  const q = await input
    .toDF()
    .dropDuplicates(['id'])
    .writeStream.format('json')
    .option('checkpointLocation', checkpoint)
    .start(output)
  input.addData([
    { id: 1, shop: 'oslo' },
    { id: 2, shop: 'rome' },
    { id: 1, shop: 'oslo' },
  ])
  await q.processAllAvailable()
  input.addData([{ id: 3, shop: 'lima' }])
  await q.processAllAvailable()
  await q.stop()
  return { checkpoint, output }
}

describe('state reader', () => {
  it("session.read.format('state') reads an aggregation's groups after any committed batch", async () => {
    const { session, checkpoint } = await salesCheckpoint()
    const rows = await session.read.format('state').load(checkpoint).collect()
    const groups = rows
      .map((r) => ({
        key: JSON.parse(r.key as string),
        value: JSON.parse(r.value as string),
        p: r.partition_id,
      }))
      .sort((a, b) => String(a.key).localeCompare(String(b.key)))
    expect(groups.map((g) => g.key)).toEqual([['lima'], ['oslo'], ['rome']])
    // The accumulator states of count and sum (sum keeps its total and how many it added): oslo saw 2 rows, 12.5.
    expect(groups[1].value).toEqual([2, [12.5, 2]])
    for (const g of groups) expect([0, 1, 2]).toContain(g.p)
    const first = await session.read.format('state').option('batchId', 0).load(checkpoint).collect()
    expect(first.map((r) => JSON.parse(r.key as string)[0]).sort()).toEqual(['oslo', 'rome'])
    // The state is a DataFrame like any other.
    expect(
      await session.read.format('state').load(checkpoint).where(F.col('partition_id').geq(0)).count(),
    ).toBe(3)
  })

  it('refuses what it cannot read with the reason and the way out', async () => {
    const { session, checkpoint } = await salesCheckpoint()
    await expect(
      session.read.format('state').option('operatorId', 4).load(checkpoint).collect(),
    ).rejects.toThrow(/operatorId 4: the checkpoint at .* has state for operator\(s\) 0/)
    await expect(
      session.read.format('state').option('batchId', 99).load(checkpoint).collect(),
    ).rejects.toThrow(/batchId 99: the checkpoint at .* has committed batches up to \d+/)
    expect(() => session.readStream.format('state').load(checkpoint)).toThrow(/UNSUPPORTED_STREAMING_SOURCE/)
    await expect(session.read.format('state').load(path.join(checkpoint, 'nope')).collect()).rejects.toThrow(
      /is not a checkpoint folder/,
    )
  })

  it('tributary checkpoint inspect prints offsets, commits, watermark, state per partition and the sink log', async () => {
    const { checkpoint, output } = await ordersCheckpoint()
    const text = await inspectCheckpoint(checkpoint, { sink: output })
    expect(text).toMatch(/Offsets: 0\.\.\d+ \(\d+ entries\)/)
    expect(text).toMatch(/status {7}up to date: batch \d+ is committed/)
    expect(text).toMatch(/watermark {4}1970-01-01T00:00:00\.000Z/)
    expect(text).toMatch(/operator 0 {2}StreamingDeduplicate/)
    const partitionRows = [...text.matchAll(/^ {4}([012]) +(\d+) +\d+ +[\d.]+ (?:B|KiB)$/gm)].map((m) =>
      Number(m[2]),
    )
    expect(partitionRows).toHaveLength(3)
    expect(partitionRows.reduce((a, b) => a + b, 0)).toBe(3)
    expect(text).toMatch(/^ {4}all +3 /m)
    const keys = await newSession().read.format('state').load(checkpoint).collect()
    expect(keys.map((r) => r.key).sort()).toEqual(['[1]', '[2]', '[3]'])
    expect(keys[0].value).toBe('{"expiresAt":null}')
    expect(text).toMatch(/Sink log .*_tributary_metadata: \d+ entr/)
    expect(text).toMatch(/ {3}0 {2}batch 0: 1 file\(s\)/)

    // The same through the command, as a user runs it.
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'checkpoint', 'inspect', checkpoint, '--sink', output], {
        env: { ...process.env, TRIBUTARY_CLI_FROM_SOURCE: '1' },
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => {
        stdout += d
      })
      child.stderr.on('data', (d) => {
        stderr += d
      })
      child.on('close', (code) => resolve({ code, stdout, stderr }))
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(text)
  })

  it('property: every group written is read back once, with its count', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { minLength: 1, maxLength: 30 }),
        async (shops) => {
          const session = newSession({ 'tributary.sql.shuffle.partitions': '2' })
          const checkpoint = tempDir()
          const input = new MemoryStream(session, schema({ shop: 'string' }))
          const q = await input
            .toDF()
            .groupBy('shop')
            .count()
            .writeStream.outputMode('complete')
            .format('memory')
            .queryName(`p${Math.random().toString(36).slice(2)}`)
            .option('checkpointLocation', checkpoint)
            .start()
          input.addData(shops.map((shop) => ({ shop })))
          await q.processAllAvailable()
          await q.stop()
          const rows = await session.read.format('state').load(checkpoint).collect()
          const read = new Map(
            rows.map((r) => [JSON.parse(r.key as string)[0], JSON.parse(r.value as string)[0]]),
          )
          const want = new Map<string, number>()
          for (const s of shops) want.set(s, (want.get(s) ?? 0) + 1)
          expect(read).toEqual(want)
        },
      ),
      { numRuns: 8 },
    )
  })
})
