/**
 * `npm run bench -- files [--events N] [--files F] [--quick] [--repeat R] [--jobs a,b] [--ways a,b] [--threads 1,2]`
 *
 * The jobs users run on files, measured the way they run them: JSON files → filter,
 * project, lower() → Parquet; CSV files → 1-minute windows per country with count and avg
 * under a watermark → a sink; Parquet → filter → Parquet. Data comes from a fixed seed
 * (files/data.ts; 2 M events in 20 files by default, 200 000 in 4 with --quick), cached in
 * the temporary folder. Each job runs through Tributary (availableNow, checkpoint on, the
 * default admission unless --max-files-per-trigger), a hand-written Node script and DuckDB
 * with one thread, each in its own process, R times in turn (so that the load of the machine
 * falls on every way alike); medians are reported with the load average seen, and every
 * way's checksum must equal Tributary's.
 *
 * Options: --seed N, --out DIR (results/files.md and files.json), --max-files-per-trigger N,
 * --threads 1,2,... (Tributary once per executor thread count, `tributary@N` in the table, with
 * the wall-clock speed-up over the first count; without it Tributary runs with the default,
 * one thread per core).
 * --no-column-pruning (Tributary's file source builds every column, as before pruning).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type DataSet, ensureData } from './files/data.js'
import { FILE_WAYS, type FileWay, JOB_TITLES, JOBS, type Job } from './files/jobs.js'
import { FILE_RESULT_MARK, type FileRunResult, type FileRunSpec } from './files/spec.js'
import { ensurePeers } from './nexmark/peers/install.js'

const RUN_ONE = fileURLToPath(new URL('./files/run-one.ts', import.meta.url))
const DEFAULT_OUT = fileURLToPath(new URL('../results/', import.meta.url))
const log = (s: string) => process.stderr.write(`${s}\n`)

function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value.replaceAll('_', ''))
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive integer, got '${value}'`)
  return n
}

const list = (s: string | undefined) =>
  s
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean)

function runChild(spec: FileRunSpec): Promise<FileRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, RUN_ONE, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      out += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(FILE_RESULT_MARK))
      if (!line) return reject(new Error(`child exited with ${code} and no result:\n${out.slice(-2000)}`))
      const parsed = JSON.parse(line.slice(FILE_RESULT_MARK.length)) as FileRunResult | { error: string }
      if ('error' in parsed) reject(new Error(parsed.error.split('\n').slice(0, 8).join('\n')))
      else resolve(parsed)
    })
  })
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

interface Summary {
  readonly job: Job
  readonly way: FileWay
  /** The way as shown: `tributary@2` when run with --threads. */
  readonly label: string
  readonly runs: number
  readonly wallS: number
  readonly cpuS: number
  readonly gcShare: number /* GC pause time ÷ wall time */
  readonly peakRssMb: number
  readonly rows: number
  readonly checksum: string
  readonly checksumsAgree: boolean
  readonly note?: string
  readonly skipped?: string
}

function summarise(job: Job, way: FileWay, label: string, runs: readonly FileRunResult[]): Summary {
  return {
    job,
    way,
    label,
    runs: runs.length,
    wallS: median(runs.map((r) => r.wallS)),
    cpuS: median(runs.map((r) => r.cpuS)),
    gcShare: median(runs.map((r) => r.gcS / r.wallS)),
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
    rows: runs[0].rows,
    checksum: runs[0].checksum,
    checksumsAgree: runs.every((r) => r.checksum === runs[0].checksum),
    note: runs[runs.length - 1].note,
  }
}

/** Per job: Tributary's wall and CPU seconds at each thread count, and the wall speed-up over the first. */
function scalingLines(summaries: readonly Summary[]): string[] {
  const lines: string[] = []
  for (const job of new Set(summaries.map((s) => s.job))) {
    const runs = summaries.filter(
      (s) => s.job === job && s.way === 'tributary' && !s.skipped && s.label.includes('@'),
    )
    if (runs.length < 2) continue
    const base = runs[0]
    lines.push(
      `${job}: ${runs.map((r) => `${r.label.split('@')[1]} threads ${r.wallS.toFixed(2)} s wall (${(base.wallS / r.wallS).toFixed(2)}×), ${r.cpuS.toFixed(2)} CPU s`).join('; ')}`,
    )
  }
  return lines
}

/** Ratios as the issue states its targets: Tributary's events per CPU-second over the peer's. */
function table(summaries: readonly Summary[], events: number, markdown: boolean): string {
  const head = [
    'job',
    'way',
    'wall s',
    'CPU s',
    'events/CPU-s',
    'GC % wall',
    'peak RSS MB',
    'rows',
    'checksum',
    'Tributary per CPU-s ×',
    'RSS ×',
  ]
  const rows: string[][] = []
  for (const s of summaries) {
    const t = summaries.find((x) => x.job === s.job && x.way === 'tributary' && !x.skipped)
    if (s.skipped) {
      rows.push([s.job, s.label, '', '', '', '', '', '', s.skipped, '', ''])
      continue
    }
    const same = t ? (t.checksum === s.checksum ? '✓' : '✗ differs') : ''
    rows.push([
      s.job,
      s.label,
      s.wallS.toFixed(2),
      s.cpuS.toFixed(2),
      Math.round(events / s.cpuS).toLocaleString('en-US'),
      (100 * s.gcShare).toFixed(1),
      s.peakRssMb.toFixed(0),
      String(s.rows),
      `${s.checksum.slice(0, 12)} ${s === t ? '' : same}${s.checksumsAgree ? '' : ' (runs differ!)'}`,
      t && s.way !== 'tributary' ? (s.cpuS / t.cpuS).toFixed(2) : '',
      t && s.way !== 'tributary' ? (t.peakRssMb / s.peakRssMb).toFixed(2) : '',
    ])
  }
  if (markdown) {
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n')
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ')
  return [line(head), ...rows.map(line)].join('\n')
}

export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      events: { type: 'string' },
      files: { type: 'string' },
      quick: { type: 'boolean' },
      seed: { type: 'string' },
      repeat: { type: 'string' },
      jobs: { type: 'string' },
      ways: { type: 'string' },
      out: { type: 'string' },
      'max-files-per-trigger': { type: 'string' },
      threads: { type: 'string' },
      'no-column-pruning': { type: 'boolean' },
    },
  })
  const quick = values.quick ?? false
  const events = count('events', values.events, quick ? 200_000 : 2_000_000)
  const files = count('files', values.files, quick ? 4 : 20)
  const seed = count('seed', values.seed, 20261207)
  const repeat = count('repeat', values.repeat, 1)
  const jobs = (list(values.jobs) ?? [...JOBS]) as Job[]
  for (const j of jobs) if (!JOBS.includes(j)) throw new Error(`unknown job '${j}'; jobs: ${JOBS.join(', ')}`)
  const ways = (list(values.ways) ?? [...FILE_WAYS]) as FileWay[]
  for (const w of ways)
    if (!FILE_WAYS.includes(w)) throw new Error(`unknown way '${w}'; ways: ${FILE_WAYS.join(', ')}`)
  const maxFiles =
    values['max-files-per-trigger'] === undefined
      ? undefined
      : count('max-files-per-trigger', values['max-files-per-trigger'], 1)
  const threadCounts: (number | undefined)[] = list(values.threads)?.map((t) => count('threads', t, 1)) ?? [
    undefined,
  ]
  const variants = ways.flatMap((way): { way: FileWay; threads: number | undefined; label: string }[] =>
    way === 'tributary'
      ? threadCounts.map((threads) => ({
          way,
          threads,
          label: threads === undefined ? way : `${way}@${threads}`,
        }))
      : [{ way, threads: undefined, label: way as string }],
  )
  const command = `npm run bench -- files ${args.join(' ')}`.trim()
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, ${os.platform()} ${os.release()}`
  const started = Date.now()

  const data: DataSet = ensureData({ seed, events, files }, log)
  const mb = (b: number) => (b / 1e6).toFixed(0)
  log(
    `files: ${events} events in ${files} files (JSON ${mb(data.bytes.json)} MB, CSV ${mb(data.bytes.csv)} MB, Parquet ${mb(data.bytes.parquet)} MB), ${repeat} run(s) of each, ${machine}`,
  )
  let duckProblem: string | null = null
  if (ways.includes('duckdb')) duckProblem = await ensurePeers(log)

  const results = new Map<string, FileRunResult[]>()
  const failures = new Map<string, string>()
  const loads: number[] = []
  for (let r = 0; r < repeat; r++) {
    for (const job of jobs) {
      for (const { way, threads, label } of variants) {
        const key = `${job}/${label}`
        if (way === 'duckdb' && duckProblem) {
          failures.set(key, duckProblem)
          continue
        }
        loads.push(os.loadavg()[0])
        try {
          const res = await runChild({
            job,
            way,
            data,
            maxFilesPerTrigger: maxFiles,
            threads,
            columnPruning: values['no-column-pruning'] ? false : undefined,
          })
          results.set(key, [...(results.get(key) ?? []), res])
          log(
            `${job.padEnd(16)} ${label.padEnd(12)} run ${r + 1}: ${res.wallS.toFixed(2)} s wall, ${res.cpuS.toFixed(2)} s CPU (GC ${res.gcS.toFixed(2)} s), ${res.peakRssMb.toFixed(0)} MB peak RSS, ${res.rows} rows, ${res.checksum}${res.note ? `, ${res.note}` : ''}`,
          )
        } catch (e) {
          const message = (e as Error).message
          log(`${job} ${label}: failed: ${message}`)
          failures.set(key, `failed: ${message.split('\n')[0]}`)
        }
      }
    }
  }
  const summaries: Summary[] = []
  for (const job of jobs)
    for (const { way, label } of variants) {
      const runs = results.get(`${job}/${label}`)
      if (runs?.length) summaries.push(summarise(job, way, label, runs))
      else
        summaries.push({ job, way, label, skipped: failures.get(`${job}/${label}`) ?? 'not run' } as Summary)
    }
  const load = `load average (1 min) at the start of each run: median ${median(loads).toFixed(1)}, min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`
  const totalS = ((Date.now() - started) / 1000).toFixed(0)
  console.log(`\nFile jobs, ${events} events in ${files} files, median of ${repeat} (${command})\n${load}\n`)
  console.log(table(summaries, events, false))
  const scaling = scalingLines(summaries)
  if (scaling.length > 0)
    console.log(
      `\nWall-clock speed-up over the first thread count (wall time is unreliable on a loaded machine; compare CPU s too):\n${scaling.join('\n')}`,
    )
  console.log(
    '\n“Tributary per CPU-s ×” = the peer’s CPU seconds ÷ Tributary’s (targets: ≥ 2 against the script, ≥ 0.5 against DuckDB); “RSS ×” = Tributary’s peak RSS ÷ the peer’s (target ≤ 1.5 against the script).',
  )
  console.log(`whole run: ${totalS} s`)

  const outDir = path.resolve(values.out ?? DEFAULT_OUT)
  mkdirSync(outDir, { recursive: true })
  const md = [
    '# File jobs',
    '',
    `Command: \`${command}\` — ${new Date().toISOString()}, ${machine}; ${load}.`,
    `${events} events in ${files} files (JSON ${mb(data.bytes.json)} MB, CSV ${mb(data.bytes.csv)} MB, Parquet ${mb(data.bytes.parquet)} MB), seed ${seed}; medians of ${repeat} run(s); the whole run took ${totalS} s.`,
    '',
    ...jobs.map((j) => `- ${j}: ${JOB_TITLES[j]}`),
    '',
    table(summaries, events, true),
    '',
    '“Tributary per CPU-s ×” = the peer’s CPU seconds ÷ Tributary’s (≥ 1 means Tributary does more per CPU-second); “RSS ×” = Tributary’s peak RSS ÷ the peer’s.',
    '',
  ].join('\n')
  writeFileSync(path.join(outDir, 'files.md'), md)
  writeFileSync(
    path.join(outDir, 'files.json'),
    `${JSON.stringify({ command, machine, load, events, files, seed, repeat, summaries, runs: Object.fromEntries(results) }, null, 2)}\n`,
  )
  log(`wrote ${path.join(outDir, 'files.md')} and files.json`)
}
