/**
 * The file benchmark's jobs on a tiny data set: Tributary and the hand-written script give
 * the same answer (the checksum the bench compares), so that a regression in either shows
 * here rather than as a ✗ in a long run.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureData } from '../src/files/data.js'
import { type Job, OUTPUT_COLUMNS, runScript, runTributary } from '../src/files/jobs.js'
import { parquetChecksum, windowChecksum } from '../src/files/verify.js'

// 25 000 events span 75 s of event time: the first 1-minute window closes under the watermark.
const root = mkdtempSync(path.join(tmpdir(), 'files-bench-'))
const data = ensureData({ seed: 7, events: 25_000, files: 2 }, () => {}, root)
const outputs: string[] = [root]
afterAll(() => {
  for (const d of outputs) rmSync(d, { recursive: true, force: true })
})

async function answer(job: Job, run: typeof runTributary): Promise<string> {
  const out = mkdtempSync(path.join(tmpdir(), `files-${job}-`))
  outputs.push(out)
  const output = await run(job, { data, out })
  const sum =
    job === 'csv-window'
      ? windowChecksum(output.windows ?? [])
      : await parquetChecksum(path.join(out, 'data'), OUTPUT_COLUMNS[job])
  expect(sum.rows).toBeGreaterThan(0)
  return sum.value()
}

describe('file jobs', () => {
  for (const job of ['json-parquet', 'csv-window', 'parquet-parquet'] as const) {
    it(`${job}: Tributary and the script agree`, async () => {
      expect(await answer(job, runTributary)).toBe(await answer(job, runScript))
    })
  }
})
