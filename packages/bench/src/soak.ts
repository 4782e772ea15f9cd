/**
 * `npm run soak [-- --kills N | --minutes M] [--seed S] [--full-disk-share F] [--child-timeout SEC]`: the crash
 * soak. Queries of every shape and sink are killed with SIGKILL at random protocol steps and
 * random moments and restarted until they finish; some runs overlap a second run on the
 * same checkpoint, and (as root) a share F of the rounds (default 0.15) runs on a small
 * tmpfs that fills up; each result is checked against the batch answer. Prints
 * kills, restarts, rows expected and found, duplicates, losses and resident memory. A query
 * process that outlives the child timeout (default 120 s; a starved machine) is killed,
 * counted as a slow run and restarted; a round that throws is counted as failed; the summary
 * always prints, also after Ctrl-C (which stops starting rounds). Exits with 1 if any round
 * lost or duplicated a row or failed. Not part of `npm test`, which
 * runs a short seeded soak (packages/core/test/crash/soak.test.ts).
 *
 * The harness is the crash tests' own (packages/core/test/crash), so that the soak and the
 * tests can never drift apart. Run it with `nice` on a shared machine.
 */
import { formatReport, soak } from '../../core/test/crash/soak.js'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function positive(name: string): number | undefined {
  const v = arg(name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} needs a positive number, got '${v}'`)
    process.exit(2)
  }
  return n
}

const minutes = positive('minutes')
const kills = positive('kills') ?? 500
const seed = positive('seed') ?? Date.now() % 2 ** 31
const fullDiskShare = arg('full-disk-share') === undefined ? undefined : Number(arg('full-disk-share'))
if (fullDiskShare !== undefined && !(fullDiskShare >= 0 && fullDiskShare <= 1)) {
  console.error(`--full-disk-share needs a number from 0 to 1, got '${arg('full-disk-share')}'`)
  process.exit(2)
}
const childTimeoutSec = positive('child-timeout') ?? 120
// Ctrl-C or SIGTERM: finish the round under way, then print the summary of the rounds run.
const stop = new AbortController()
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stop.signal.aborted) process.exit(130)
    console.log(`\n${sig}: stopping after this round (again to quit at once)`)
    stop.abort()
  })
}
console.log(
  minutes === undefined
    ? `crash soak: at least ${kills} kills, seed ${seed}`
    : `crash soak: ${minutes} minutes, seed ${seed}`,
)
const report = await soak({
  kills,
  minutes,
  seed,
  // Long runs take bigger queries, so that each query process lives long enough to show a leak.
  rows: minutes !== undefined && minutes >= 10 ? [500, 3000] : [100, 400],
  log: (line) => console.log(line),
  fullDiskShare,
  childTimeoutMs: childTimeoutSec * 1000,
  signal: stop.signal,
})
console.log(`\n${formatReport(report)}`)
for (const f of report.failures) console.error(`\nFAILED ${f}`)
process.exit(report.failures.length > 0 || report.duplicates > 0 || report.losses > 0 ? 1 : 0)
