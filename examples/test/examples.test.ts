/**
 * Smoke test of every example: each runs as a user would run it (`npx tsx examples/NN-*.ts`,
 * outside a test runner), must exit 0 within its time limit, must print log lines and the
 * dashboard's address, and must print the result it claims — the examples
 * check their own answers with node:assert, so exit 0 means the checks held. Examples that
 * need a server print a clear message and exit 0 when it is missing; with
 * TRIBUTARY_REQUIRE_SERVICES=1 (CI) that counts as a failure, except for Kafka, which this
 * machine does not have.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const dir = fileURLToPath(new URL('..', import.meta.url))
const root = path.join(dir, '..')
const examples = readdirSync(dir)
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .sort()

/** What each example must print besides exiting 0. */
const expectedOutput: Record<string, RegExp> = {
  '01-quickstart.ts': /Checked: exactly once across a restart, late data dropped, state resumed/,
  '02-socket-word-count.ts': /Checked: 'the' counted 4 times/,
  '03-rate-to-console.ts': /Batch: \d+/,
  '04-foreach-batch.ts': /Checked: exactly once, with a replayed batch/,
  '05-iot-readings.ts': /Checked: windows are final and the late reading was set aside/,
  '06-clickstream-sessions.ts': /Checked: ada's sessions merged/,
  '07-dedup-retries.ts': /Checked: retries dropped, state bounded by the watermark/,
  '08-fraud-rule.ts': /Checked: card A alerted/,
  '09-kafka-avro.ts': /Checked: v1 and v2 records decoded with one reader schema/,
  '20-orders-enriched.ts': /Checked: every order enriched once/,
  '21-ads-impressions-clicks.ts': /Checked: clicks attributed within an hour/,
  '22-fraud-profile.ts': /Checked: card A flagged far above its usual spend/,
  '23-parallel.ts': /Checked: counted on 2 worker threads/,
  '30-sql-orders.ts': /Checked: SQL windows written once across a restart, with the fluent plan/,
}

const serverMissing = /not reachable|unreachable|is not running/i

/** The environment a user runs an example in: no test runner, so logs and the dashboard are on. */
function asAUser(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' }
  delete env.VITEST
  delete env.VITEST_POOL_ID
  delete env.VITEST_WORKER_ID
  delete env.NODE_ENV
  delete env.TRIBUTARY_LOG
  delete env.TRIBUTARY_UI
  delete env.TRIBUTARY_DASHBOARD
  return env
}

function run(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('examples', file)], {
      cwd: root,
      env: asAUser(),
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

describe.concurrent('examples', () => {
  for (const file of examples) {
    it(file, { timeout: 120_000 }, async () => {
      const { code, output } = await run(file)
      expect(code, output.slice(-3000)).toBe(0)
      if (expectedOutput[file]) expect(output).toMatch(expectedOutput[file])
      if (!serverMissing.test(output) && !/This example needs/.test(output)) {
        // What a user sees: log lines, and where the dashboard is (4040, or the next free port).
        expect(output).toMatch(/ INFO +query .* started \(id /)
        expect(output).toMatch(/ INFO +dashboard at http:\/\/127\.0\.0\.1:\d+\/ /)
      }
      if (process.env.TRIBUTARY_REQUIRE_SERVICES === '1' && !file.includes('kafka')) {
        expect(output, 'a server the example needs is missing').not.toMatch(serverMissing)
      }
    })
  }
})
