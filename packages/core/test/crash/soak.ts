/**
 * The crash soak: rounds of random queries (shape, output mode, sink, source, state
 * provider), each killed with SIGKILL again and again at random protocol steps and at
 * random moments, restarted on its checkpoint until it finishes, then checked against the
 * batch answer. `npm run soak` runs it at length (packages/bench/src/soak.ts); soak.test.ts
 * runs a short seeded one in `npm test`.
 *
 * Besides kills, two things operators do (issue #13): a run overlapping another on the same
 * checkpoint (a rolling deploy; sometimes the first is killed as the second starts), where
 * the loser must stop with CHECKPOINT_LOCKED; and, when a small tmpfs can be mounted
 * (root), a disk that fills up under the checkpoint, where the run must stop with
 * DISK_FULL and the restart after space is freed must go on exactly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Session } from '../../src/index.js'
import { checkRun, type Run, type RunOptions, runChild, verdictOf, writeInputFiles } from './crash-harness.js'
import type { CrashQuery, Shape, SinkKind } from './crash-query.js'
import { mountSmallDisk, type SmallDisk } from './small-disk.js'

export interface SoakOptions {
  /** Stop starting rounds once this many kills were performed. */
  readonly kills: number
  /** Stop starting rounds after this long (the long run for leak detection). */
  readonly minutes?: number
  readonly seed: number
  /** Rows per round: [min, max]. */
  readonly rows?: readonly [number, number]
  /** Progress lines (one per round). */
  readonly log?: (line: string) => void
  /** Rounds on a small tmpfs that fills up (needs root; skipped with a note otherwise). Default true. */
  readonly fullDisks?: boolean
  /** The share of rounds on the small disk (default 0.15). */
  readonly fullDiskShare?: number
  /**
   * How long one query process may run before the soak kills it and counts it as slow
   * (default 120 s). A starved machine makes children slow; a slow child is restarted on its
   * checkpoint like a killed one, and a round whose children never finish fails.
   */
  readonly childTimeoutMs?: number
  /** Stops starting rounds when aborted (Ctrl-C): the report covers the rounds run so far. */
  readonly signal?: AbortSignal
}

export interface SoakReport {
  readonly seed: number
  readonly rounds: number
  readonly kills: number
  /** Runs started on an existing checkpoint. */
  readonly restarts: number
  readonly killsAtSteps: Readonly<Record<string, number>>
  /** Two runs started at once on one checkpoint, and how many runs the lock refused. */
  readonly overlaps: number
  readonly lockRefusals: number
  /** Query processes killed because they outlived `childTimeoutMs` (restarted like kills). */
  readonly slowRuns: number
  /** Rounds whose disk filled up, and the runs that stopped with DISK_FULL; or why there were none. */
  readonly fullDisks: number
  readonly diskFullStops: number
  readonly fullDiskNote: string
  readonly rowsExpected: number
  readonly rowsFound: number
  readonly duplicates: number
  readonly losses: number
  /** Rounds whose query failed or whose output was wrong, with how to reproduce them. */
  readonly failures: string[]
  readonly seconds: number
  /** Resident memory of this (the driving) process. */
  readonly rssStartBytes: number
  readonly rssEndBytes: number
  /** Resident memory of the query processes at their first and their last batch (medians over runs). */
  readonly childRssFirstBytes: number
  readonly childRssLastBytes: number
  readonly childRssMaxBytes: number
}

/** mulberry32: small, seedable, good enough to pick test cases. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Combination {
  readonly shape: Shape
  readonly outputMode: CrashQuery['outputMode']
  readonly sinks: readonly SinkKind[]
}

const allSinks: readonly SinkKind[] = ['foreachBatch', 'transactional', 'json', 'csv', 'parquet']
const batchSinks: readonly SinkKind[] = ['foreachBatch', 'transactional']

/** What each query shape can be written with: file sinks take append mode only. */
const combinations: readonly Combination[] = [
  { shape: 'stateless', outputMode: 'append', sinks: allSinks },
  { shape: 'aggregate', outputMode: 'update', sinks: batchSinks },
  { shape: 'aggregate', outputMode: 'complete', sinks: batchSinks },
  { shape: 'window', outputMode: 'append', sinks: allSinks },
  { shape: 'dedup', outputMode: 'append', sinks: allSinks },
  { shape: 'mapGroups', outputMode: 'update', sinks: batchSinks },
  { shape: 'join', outputMode: 'append', sinks: allSinks },
]

/** Kills of one query before it is let finish. */
const KILLS_PER_ROUND = 40

const median = (xs: number[]): number => {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const rnd = random(options.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1))
  const [minRows, maxRows] = options.rows ?? [100, 400]
  const deadline =
    options.minutes === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.minutes * 60_000
  const t0 = performance.now()
  const rssStartBytes = process.memoryUsage().rss
  const session = Session.builder().appName('soak').create()
  const killsAtSteps: Record<string, number> = {}
  const failures: string[] = []
  const childFirst: number[] = []
  const childLast: number[] = []
  let childMax = 0
  let kills = 0
  let restarts = 0
  let rounds = 0
  let rowsExpected = 0
  let rowsFound = 0
  let duplicates = 0
  let losses = 0
  /** How long a query ran when nothing killed it: random moments are drawn from that span. */
  let typicalRunMs = 500
  let overlaps = 0
  let lockRefusals = 0
  let slowRuns = 0
  const runOptions = (extra: RunOptions = {}): RunOptions => ({
    ...extra,
    timeoutMs: options.childTimeoutMs ?? 120_000,
    onTimeout: 'kill',
  })
  let fullDisks = 0
  let diskFullStops = 0
  const disk: SmallDisk | string = options.fullDisks === false ? 'turned off' : mountSmallDisk(64)
  const fullDiskNote = typeof disk === 'string' ? disk : ''

  const done = () =>
    options.signal?.aborted === true ||
    (options.minutes === undefined ? kills >= options.kills : Date.now() >= deadline)

  while (!done()) {
    rounds++
    try {
      await round()
    } catch (e) {
      // Whatever a round throws (the harness, a full /tmp) is that round's failure, not the soak's end.
      failures.push(`round ${rounds}: ${(e as Error).stack ?? String(e)}`)
      options.log?.(`round ${rounds}: FAILED ${(e as Error).message.split('\n')[0]}`)
    }
  }

  async function round(): Promise<void> {
    const combination = pick(combinations)
    const sink = pick(combination.sinks)
    const fileSink = sink === 'json' || sink === 'csv' || sink === 'parquet'
    // Some rounds live on the small disk, which fills up before their first run.
    const onSmallDisk = typeof disk !== 'string' && rnd() < (options.fullDiskShare ?? 0.15)
    const dir = mkdtempSync(path.join(onSmallDisk ? (disk as SmallDisk).dir : tmpdir(), 'tributary-soak-'))
    const source = rnd() < 0.3 ? 'files' : 'counting'
    const q: CrashQuery = {
      checkpoint: path.join(dir, 'ckpt'),
      out: path.join(dir, 'out'),
      input: path.join(dir, 'in'),
      shape: combination.shape,
      outputMode: combination.outputMode,
      sink,
      // The watermark test expects event times in order, which files taken two at a time do not
      // promise; a join's second side is always a counting source.
      source: combination.shape === 'window' || combination.shape === 'join' ? 'counting' : source,
      total: int(minRows, maxRows),
      perBatch: int(5, 25),
      provider:
        combination.shape === 'stateless' ? undefined : pick(['memory', 'memory', 'lmdb', 'level'] as const),
      partitionBy: fileSink && combination.shape !== 'dedup' && rnd() < 0.5,
      statsFile: path.join(dir, 'rss'),
      // On a 64 MiB disk the LMDB guard's default (64 MiB free) would refuse every write.
      conf: onSmallDisk ? { 'tributary.stateStore.lmdb.minFreeBytes': String(2 ** 20) } : undefined,
    }
    if (q.source === 'files') writeInputFiles(q)
    const steps = [
      'beforeOffsetLog',
      'afterOffsetLog',
      'sourceRead',
      'operator',
      'beforeSink',
      'sinkRows',
      'sinkDone',
      'afterSink',
      'beforeCommitLog',
      'afterCommitLog',
      'tempWritten',
      'tempWritten',
      ...(fileSink ? ['sinkFile'] : []),
      ...(q.provider === 'lmdb' ? ['lmdbCommit'] : []),
    ]
    const history: string[] = []
    let failed: string | null = null
    let finished = false
    if (onSmallDisk) fullDisks++
    for (let attempt = 0; attempt < KILLS_PER_ROUND + 3 && !finished; attempt++) {
      let run: Run
      let label: string
      if (onSmallDisk && attempt === 0) {
        // The disk fills up: the run stops with DISK_FULL (or finishes if what is left suffices).
        const leave = int(4, 160) * 1024
        label = `full disk (${Math.round(leave / 1024)} KiB free)`
        ;(disk as SmallDisk).fill(leave)
        try {
          run = await runChild(q, null, runOptions())
        } finally {
          ;(disk as SmallDisk).free()
        }
        if (run.exitCode !== 0 && run.signal === null) {
          if (!/DISK_FULL: /.test(run.stderr) || /CORRUPT_CHECKPOINT/.test(run.stderr)) {
            failed = `the full disk gave another error than DISK_FULL:\n${run.stderr}`
            break
          }
          diskFullStops++
          history.push(label)
          continue
        }
      } else if (attempt < KILLS_PER_ROUND && rnd() < 0.1) {
        // A rolling deploy: a second run starts while the first runs (and is sometimes killed).
        overlaps++
        const kill = rnd() < 0.5 ? { killAfterMs: int(0, Math.ceil(typicalRunMs)) } : {}
        label = `overlap${kill.killAfterMs === undefined ? '' : ` + kill at ${kill.killAfterMs} ms`}`
        const both = await Promise.all([runChild(q, null, runOptions(kill)), runChild(q, null, runOptions())])
        const slow = both.filter((r) => r.timedOut).length
        slowRuns += slow
        const locked = both.filter(
          (r) => r.exitCode !== 0 && r.signal === null && /CHECKPOINT_LOCKED/.test(r.stderr),
        )
        lockRefusals += locked.length
        const others = both.filter((r) => !locked.includes(r))
        try {
          for (const r of others) checkRun(r)
        } catch (e) {
          failed = `${(e as Error).message}`
          break
        }
        restarts++
        history.push(slow > 0 ? `${label} (${slow} slow, killed)` : label)
        if (others.some((r) => r.exitCode === 0)) finished = true
        continue
      } else if (attempt >= KILLS_PER_ROUND) {
        // Enough kills for one query: let it finish, so that long queries get checked too.
        label = 'no kill'
        run = await runChild(q, null, runOptions())
      } else if (rnd() < 0.35) {
        const ms = int(0, Math.ceil(typicalRunMs))
        label = `random moment ${ms} ms`
        run = await runChild(q, null, runOptions({ killAfterMs: ms }))
      } else {
        const step = pick(steps)
        // Occurrences in this run: the k-th batch, the k-th row, the k-th file written.
        const k =
          step === 'operator'
            ? int(1, Math.min(q.total, 3 * q.perBatch))
            : step === 'tempWritten'
              ? int(1, 15)
              : int(1, 3)
        label = `${step}#${k}`
        run = await runChild(q, label, runOptions())
      }
      if (attempt > 0) restarts++
      try {
        checkRun(run)
      } catch (e) {
        failed = `${(e as Error).message}`
        break
      }
      if (run.timedOut) {
        // Too slow (a starved machine, or a hang): killed by the soak, restarted like a kill.
        slowRuns++
        history.push(`${label}: slow, killed after ${Math.round(run.ms / 1000)} s`)
      } else if (run.signal === 'SIGKILL') {
        kills++
        const step = label.startsWith('random') ? 'random moment' : label.split('#')[0]
        killsAtSteps[step] = (killsAtSteps[step] ?? 0) + 1
        history.push(label)
      } else {
        finished = true
        if (run.runningMs !== null) typicalRunMs = 0.7 * typicalRunMs + 0.3 * run.runningMs
      }
    }
    if (!finished && failed === null) failed = `did not finish in ${KILLS_PER_ROUND + 3} runs`
    collectRss(q.statsFile!, childFirst, childLast, (m) => {
      childMax = Math.max(childMax, m)
    })
    let line = `round ${rounds}: ${q.shape}/${q.outputMode} -> ${q.sink}${q.partitionBy ? ' (partitioned)' : ''} from ${q.source}, ${q.provider ?? 'no'} state, ${q.total} rows${onSmallDisk ? ', on a full disk' : ''}, ${history.length} kills/overlaps`
    if (failed === null) {
      const v = await verdictOf(q, session)
      rowsExpected += v.expected
      rowsFound += v.found
      duplicates += v.duplicates
      losses += v.losses
      line += `: expected ${v.expected}, found ${v.found}, duplicates ${v.duplicates}, losses ${v.losses}`
      if (v.problems.length > 0) failed = v.problems.slice(0, 5).join('; ')
    }
    if (failed !== null) {
      failures.push(`${line}\n  kills: ${history.join(', ')}\n  query: ${JSON.stringify(q)}\n  ${failed}`)
      line += ` FAILED (kept ${dir})`
    } else {
      rmSync(dir, { recursive: true, force: true })
    }
    options.log?.(line)
  }
  await session.stop()
  if (typeof disk !== 'string') disk.unmount()
  return {
    seed: options.seed,
    rounds,
    kills,
    restarts,
    killsAtSteps,
    overlaps,
    lockRefusals,
    slowRuns,
    fullDisks,
    diskFullStops,
    fullDiskNote,
    rowsExpected,
    rowsFound,
    duplicates,
    losses,
    failures,
    seconds: (performance.now() - t0) / 1000,
    rssStartBytes,
    rssEndBytes: process.memoryUsage().rss,
    childRssFirstBytes: median(childFirst),
    childRssLastBytes: median(childLast),
    childRssMaxBytes: childMax,
  }
}

/** Reads the `start` line of each run and its `<batch> <rss>` lines. */
function collectRss(file: string, first: number[], last: number[], max: (bytes: number) => void): void {
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return
  }
  for (const run of text.split('start\n')) {
    const samples = run
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => Number(l.split(' ')[1]))
    if (samples.length === 0) continue
    first.push(samples[0])
    last.push(samples[samples.length - 1])
    for (const s of samples) max(s)
  }
}

export function formatReport(r: SoakReport): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`
  const steps = Object.entries(r.killsAtSteps)
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${s} ${n}`)
    .join(', ')
  return [
    `seed             ${r.seed}`,
    `rounds           ${r.rounds} (queries run to completion and checked)`,
    `kills performed  ${r.kills} (${steps})`,
    `restarts         ${r.restarts}`,
    `overlapping runs ${r.overlaps} (${r.lockRefusals} refused with CHECKPOINT_LOCKED)`,
    `slow runs        ${r.slowRuns} (killed after the child timeout and restarted)`,
    `full disks       ${r.fullDiskNote ? `none: ${r.fullDiskNote}` : `${r.fullDisks} rounds (${r.diskFullStops} runs stopped with DISK_FULL)`}`,
    `rows expected    ${r.rowsExpected}`,
    `rows found       ${r.rowsFound}`,
    `duplicates       ${r.duplicates}`,
    `losses           ${r.losses}`,
    `failed rounds    ${r.failures.length}`,
    `duration         ${r.seconds.toFixed(0)} s`,
    `memory (soak)    rss ${mb(r.rssStartBytes)} at start, ${mb(r.rssEndBytes)} at end`,
    `memory (queries) rss ${mb(r.childRssFirstBytes)} at first batch, ${mb(r.childRssLastBytes)} at last batch (medians), ${mb(r.childRssMaxBytes)} max`,
  ].join('\n')
}
