/**
 * `npm run bench -- longrun [--minutes M] [--sample S] [--warmup W]`: a query that never stops, watched.
 *
 * Two queries run in this process for M minutes (default 30): a file ETL (JSON files that
 * keep arriving → filter and project → JSON files, the source cleaning up what it read) and
 * a windowed count over the rate source with a watermark. Every S seconds (default 60) it
 * samples what grows when something leaks: resident memory, V8 heap, open file descriptors,
 * checkpoint bytes and files, the file sink's log, and the mean batch duration. At the end it
 * prints the samples and each one's trend as a slope per hour, fitted to the samples after the
 * warm-up (W minutes, default a third of the run); the pass condition is a flat trend (less
 * than 5 % of the mean per hour, or less than a noise floor). Exits 1 otherwise.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { col, functions as F, Session, type StreamingQuery, schema } from '@tributary/core'
import { diskUsage } from './disk-usage.js'

interface Sample {
  readonly minute: number
  readonly rssMb: number
  readonly heapMb: number
  /** V8's heap as reserved (heapUsed is a saw-tooth inside it) and memory outside it (Buffers). */
  readonly heapTotalMb: number
  readonly externalMb: number
  readonly fds: number
  readonly checkpointKb: number
  readonly etlCheckpointKb: number
  readonly aggCheckpointKb: number
  readonly checkpointFiles: number
  readonly sinkLogFiles: number
  readonly batchMs: number
  readonly batches: number
}

/** What a trend is allowed to grow per hour before it counts as a leak, below 5 % of the mean. */
const NOISE_FLOOR_PER_HOUR: Partial<Record<keyof Sample, number>> = {
  rssMb: 20,
  heapMb: 10,
  heapTotalMb: 10,
  externalMb: 10,
  fds: 2,
  checkpointKb: 64,
  etlCheckpointKb: 64,
  aggCheckpointKb: 64,
  checkpointFiles: 5,
  batchMs: 5,
}

function arg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`)
  if (i < 0) return fallback
  const n = Number(args[i + 1])
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} needs a positive number, got '${args[i + 1]}'`)
  return n
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return Number.NaN
  }
}

/** Least-squares slope of y over x (x in minutes), per hour. */
export function slopePerHour(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length
  if (n < 2) return 0
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return den === 0 ? 0 : (num / den) * 60
}

export async function main(args: readonly string[]): Promise<void> {
  const minutes = arg(args, 'minutes', 30)
  const sampleSec = arg(args, 'sample', 60)
  // Until the file sink's log reaches its cleanup delay (10 minutes) and the JIT and V8's
  // heap have sized themselves, memory and logs rise by design: trends are fitted after it.
  const warmupMin = arg(args, 'warmup', Math.max(1, minutes / 3))
  const root = await mkdtemp(path.join(tmpdir(), 'tributary-longrun-'))
  const input = path.join(root, 'in')
  const output = path.join(root, 'out')
  mkdirSync(input)
  const session = Session.builder().appName('longrun').getOrCreate()
  const clicks = schema({ ts: 'timestamp', user: 'string', ms: 'double' })

  // New files keep arriving, ten rows each; the source deletes what it has read.
  let fileNo = 0
  const writer = setInterval(() => {
    const rows = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({
        ts: new Date().toISOString(),
        user: `u${(fileNo * 10 + i) % 97}`,
        ms: (i * 37) % 1000,
      }),
    )
    writeFileSync(path.join(input, `f${String(fileNo++).padStart(9, '0')}.json`), `${rows.join('\n')}\n`)
  }, 100)

  const queries: StreamingQuery[] = []
  queries.push(
    await session.readStream
      .format('json')
      .schema(clicks)
      .option('maxFilesPerTrigger', 20)
      .option('cleanSource', 'delete')
      // The source log remembers the files within maxFileAge of the newest (7 days by
      // default: ~130 bytes per file for a week, ~790 MB at 10 files a second). A minute
      // here lets its bound show within the run; files are read oldest first, so none is
      // refused as too old.
      .option('maxFileAge', '1 minute')
      .load(input)
      .where(col('ms').gt(100))
      .select('ts', 'user', 'ms')
      .writeStream.format('json')
      .option('checkpointLocation', path.join(root, 'ckpt-etl'))
      .trigger({ processingTime: '200 milliseconds' })
      .start(output),
  )
  queries.push(
    await session.readStream
      .format('rate')
      .option('rowsPerSecond', 2000)
      .load()
      .withWatermark('timestamp', '5 seconds')
      .groupBy(F.window('timestamp', '10 seconds'), col('value').mod(100).alias('k'))
      .agg(F.count().alias('n'))
      .writeStream.outputMode('append')
      .option('checkpointLocation', path.join(root, 'ckpt-agg'))
      .trigger({ processingTime: '500 milliseconds' })
      .foreachBatch(async () => {})
      .start(),
  )

  const samples: Sample[] = []
  const started = Date.now()
  const sampleNow = () => {
    const durations = queries.flatMap((q) => q.recentProgress.slice(-20).map((p) => p.batchDuration))
    const ckpt = [diskUsage(path.join(root, 'ckpt-etl')), diskUsage(path.join(root, 'ckpt-agg'))]
    const mem = process.memoryUsage()
    const s: Sample = {
      minute: (Date.now() - started) / 60_000,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      heapTotalMb: mem.heapTotal / 2 ** 20,
      externalMb: mem.external / 2 ** 20,
      fds: openFds(),
      checkpointKb: (ckpt[0].bytes + ckpt[1].bytes) / 1024,
      etlCheckpointKb: ckpt[0].bytes / 1024,
      aggCheckpointKb: ckpt[1].bytes / 1024,
      checkpointFiles: ckpt[0].files + ckpt[1].files,
      sinkLogFiles: diskUsage(path.join(output, '_tributary_metadata')).files,
      batchMs: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0,
      batches: queries.reduce((n, q) => n + (q.lastProgress?.batchId ?? -1) + 1, 0),
    }
    samples.push(s)
    console.log(
      `${s.minute.toFixed(1).padStart(6)} min  rss ${s.rssMb.toFixed(0)} MB  heap ${s.heapMb.toFixed(0)} MB (of ${s.heapTotalMb.toFixed(0)}, external ${s.externalMb.toFixed(0)})  fds ${s.fds}  checkpoint ${s.checkpointKb.toFixed(0)} KB (etl ${s.etlCheckpointKb.toFixed(0)}, agg ${s.aggCheckpointKb.toFixed(0)}) in ${s.checkpointFiles} files  sink log ${s.sinkLogFiles} files  batch ${s.batchMs.toFixed(1)} ms  batches ${s.batches}`,
    )
  }

  console.log(`long run: ${minutes} min, a sample every ${sampleSec} s, in ${root}`)
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      sampleNow()
      if (Date.now() - started >= minutes * 60_000) {
        clearInterval(timer)
        resolve()
      }
    }, sampleSec * 1000)
  })
  clearInterval(writer)
  for (const q of queries) await q.stop()
  for (const q of queries) if (q.exception) throw q.exception

  const afterWarmup = samples.filter((s) => s.minute >= warmupMin)
  const steady = afterWarmup.length >= 2 ? afterWarmup : samples.slice(-2)
  const xs = steady.map((s) => s.minute)
  const keys: (keyof Sample)[] = [
    'rssMb',
    'heapMb',
    'heapTotalMb',
    'externalMb',
    'fds',
    'checkpointKb',
    'etlCheckpointKb',
    'aggCheckpointKb',
    'checkpointFiles',
    'batchMs',
  ]
  let leaks = 0
  console.log(`\ntrends fitted from minute ${steady[0]?.minute.toFixed(1) ?? '–'} (--warmup ${warmupMin})`)
  console.log('\n| measure | first | last | mean | slope per hour | trend |')
  console.log('|---|---|---|---|---|---|')
  for (const k of keys) {
    const ys = steady.map((s) => s[k])
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length
    const slope = slopePerHour(xs, ys)
    const allowed = Math.max(Math.abs(mean) * 0.05, NOISE_FLOOR_PER_HOUR[k] ?? 0)
    const flat = slope <= allowed
    if (!flat) leaks++
    console.log(
      `| ${k} | ${ys[0].toFixed(1)} | ${ys.at(-1)!.toFixed(1)} | ${mean.toFixed(1)} | ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} | ${flat ? 'flat' : 'GROWS'} |`,
    )
  }
  const sinkLog = steady.map((s) => s.sinkLogFiles)
  console.log(
    `| sink log files (user output) | ${sinkLog[0]} | ${sinkLog.at(-1)} | – | ${slopePerHour(xs, sinkLog).toFixed(0)} | grows with output |`,
  )
  console.log(
    `\n${samples.at(-1)?.batches ?? 0} batches in ${minutes} min; ${leaks === 0 ? 'every trend flat' : `${leaks} trend(s) grow`}`,
  )
  await rm(root, { recursive: true, force: true })
  process.exitCode = leaks === 0 ? 0 : 1
}
