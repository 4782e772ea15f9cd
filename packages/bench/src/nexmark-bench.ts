/**
 * `npm run bench -- nexmark [--queries q0,q1,...] [--events N] [--quick]`
 *
 * Runs each Nexmark query through Tributary over N generated events (default 10 M) with a
 * checkpoint in a temporary folder, each in a process of its own, then the peers (a
 * hand-written typed-array loop, idiomatic RxJS, DuckDB and arquero) on q0, q1, q2, q5, q7
 * and a tumbling count per auction, checking that every way gives the same answer, then a
 * latency run at half the measured maximum rate. Prints the tables and writes them to
 * results/nexmark.md, results/nexmark.json and results/nexmark.svg.
 *
 * Options: --batch N (events per micro-batch, default 100 000), --ways tributary,js,rxjs,
 * duckdb,arquero, --no-peers, --no-latency, --latency-queries q0,q1,q2,
 * --latency-seconds S, --cpu-prof (profiles of the Tributary runs into $TMPDIR/tributary-nexmark-profiles,
 * with their hottest functions printed), --out DIR, --seed N, --event-rate N,
 * --threads 1,2,... (the scaling table: each query on each thread count, events per second
 * of wall time and the speed-up over 1 thread; 1 thread is the coordinating thread only, the
 * engine as it ran before worker threads), --generator replay|exact (default replay: events past the first million are replayed from
 * it with ids and times shifted, see nexmark/generator.ts; exact: every event from its own
 * random draws — the same events for every way either way). The report says which ran and
 * what the generator alone costs (bids() over the run's events, measured here).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { DEFAULT_CONFIG, type NexmarkConfig, NexmarkGenerator } from './nexmark/generator.js'
import { ensurePeers } from './nexmark/peers/install.js'
import { FLINK_PER_CORE_K, PEER_QUERIES, QUERIES } from './nexmark/queries.js'
import {
  barChart,
  type GeneratorCost,
  generatorLine,
  type LatencyRow,
  latencyTable,
  markdownTable,
  type PeerRow,
  peerTable,
  perCpu,
  perWall,
  type QueryRow,
  queryTable,
  textTable,
} from './nexmark/report.js'
import { RESULT_MARK, type RunResult, type RunSpec, WAYS, type Way } from './nexmark/runner.js'
import { formatHot, hotFunctions } from './profile-summary.js'

const RUN_ONE = fileURLToPath(new URL('./nexmark/run-one.ts', import.meta.url))
const DEFAULT_OUT = fileURLToPath(new URL('../results/', import.meta.url))

function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value.replaceAll('_', ''))
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive integer, got '${value}'`)
  return n
}

const list = (s: string | undefined): string[] | undefined =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)

/** Runs one spec in a child process; resolves to its result or throws its error. */
function runChild(spec: RunSpec, profileDir?: string): Promise<RunResult> {
  const flags = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${spec.query}-${spec.way}.cpuprofile`]
    : []
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, ...process.execArgv, RUN_ONE, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      out += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK))
      if (!line) return reject(new Error(`child exited with ${code} and no result:\n${out.slice(-2000)}`))
      const parsed = JSON.parse(line.slice(RESULT_MARK.length)) as RunResult | { error: string }
      if ('error' in parsed) reject(new Error(parsed.error.split('\n').slice(0, 6).join('\n')))
      else resolve(parsed)
    })
  })
}

const log = (s: string) => process.stderr.write(`${s}\n`)

const cpuSeconds = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** The generator's own cost: bids() over [0, events), batch by batch, after building its block. */
function measureGenerator(config: Partial<NexmarkConfig>, events: number, batch: number): GeneratorCost {
  const gen = new NexmarkGenerator(config)
  const c0 = cpuSeconds()
  gen.prepare()
  const prepareS = cpuSeconds() - c0
  let bids = 0
  const c1 = cpuSeconds()
  for (let s = 0; s < events; s += batch) bids += gen.bids(s, Math.min(events, s + batch)).n
  const cpuS = cpuSeconds() - c1
  if (bids === 0 && events > 100) throw new Error('generator produced no bids')
  return { mode: gen.mode, events, batch, cpuS, prepareS }
}

export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      queries: { type: 'string' },
      events: { type: 'string' },
      quick: { type: 'boolean' },
      batch: { type: 'string' },
      ways: { type: 'string' },
      'no-peers': { type: 'boolean' },
      'no-latency': { type: 'boolean' },
      'latency-queries': { type: 'string' },
      'latency-seconds': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'event-rate': { type: 'string' },
      generator: { type: 'string' },
      threads: { type: 'string' },
    },
  })
  const quick = values.quick ?? false
  const events = count('events', values.events, quick ? 500_000 : 10_000_000)
  const batch = count('batch', values.batch, 100_000)
  const wanted = list(values.queries) ?? QUERIES.map((q) => q.id)
  for (const id of wanted) if (!QUERIES.some((q) => q.id === id)) throw new Error(`unknown query '${id}'`)
  const ways = (list(values.ways) ?? [...WAYS]) as Way[]
  for (const w of ways) if (!WAYS.includes(w)) throw new Error(`unknown way '${w}'; ways: ${WAYS.join(', ')}`)
  const peersOn = !values['no-peers']
  const mode = values.generator ?? 'replay'
  if (mode !== 'replay' && mode !== 'exact')
    throw new Error(`--generator must be replay or exact, got '${mode}'`)
  const generator: Partial<NexmarkConfig> = {
    seed: count('seed', values.seed, DEFAULT_CONFIG.seed),
    eventRate: count('event-rate', values['event-rate'], DEFAULT_CONFIG.eventRate),
    replayBlockEvents: mode === 'exact' ? 0 : DEFAULT_CONFIG.replayBlockEvents,
  }
  const outDir = path.resolve(values.out ?? DEFAULT_OUT)
  // Profiles are large: they go to the temporary folder, not into results/.
  const profileDir = values['cpu-prof'] ? path.join(os.tmpdir(), 'tributary-nexmark-profiles') : undefined
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const command = `npm run bench -- nexmark ${args.join(' ')}`.trim()
  const started = Date.now()
  log(
    `nexmark: ${events} events per query, ${batch} events per micro-batch, event time at ${generator.eventRate}/s, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`,
  )
  const genCost = measureGenerator(generator, events, batch)
  log(generatorLine(genCost))

  // Tributary, query by query.
  const queryRows: QueryRow[] = []
  const tributary = new Map<string, RunResult>()
  for (const q of QUERIES.filter((x) => wanted.includes(x.id))) {
    const base = { id: q.id, title: q.title, flinkK: FLINK_PER_CORE_K[q.id], note: q.note }
    const reason = q.cannotRun?.() ?? (q.build ? null : 'not written')
    if (reason || !ways.includes('tributary')) {
      queryRows.push({ ...base, skipped: reason ?? 'tributary not among --ways' })
      continue
    }
    try {
      const r = await runChild({ query: q.id, way: 'tributary', events, batch, generator }, profileDir)
      tributary.set(q.id, r)
      queryRows.push({ ...base, result: r })
      log(
        `${q.id.padEnd(6)} ${perCpu(r).toFixed(0).padStart(9)} events/CPU-s  ${r.wallS.toFixed(2)} s wall  ${r.cpuS.toFixed(2)} s CPU  ${r.rows} rows  ${r.checksum}`,
      )
      if (profileDir) {
        const file = path.join(profileDir, `${q.id}-tributary.cpuprofile`)
        log(formatHot(hotFunctions(file), 12))
      }
    } catch (e) {
      log(`${q.id}: failed: ${(e as Error).message}`)
      queryRows.push({ ...base, skipped: `failed: ${(e as Error).message.split('\n')[0]}` })
    }
  }

  // Scaling: each query on each thread count (--threads), wall-clock events per second.
  const threadCounts = list(values.threads)?.map((t) => count('threads', t, 1))
  const scalingLines: string[] = []
  if (threadCounts) {
    const header = `${'query'.padEnd(6)} ${threadCounts.map((t) => `${t} thr ev/s`.padStart(14)).join(' ')}  ${threadCounts
      .slice(1)
      .map((t) => `×${t}`.padStart(6))
      .join(' ')}  CPU s (all threads)  executor at ${threadCounts[threadCounts.length - 1]} threads`
    scalingLines.push(header)
    for (const q of QUERIES.filter((x) => wanted.includes(x.id))) {
      if (q.cannotRun?.() || !q.build) continue
      const perSecond: number[] = []
      const cpu: number[] = []
      let mode = ''
      let checksum: string | null = null
      let same = true
      for (const threads of threadCounts) {
        try {
          const r = await runChild({ query: q.id, way: 'tributary', events, batch, generator, threads })
          perSecond.push(r.events / r.wallS)
          cpu.push(r.cpuS)
          mode = r.executor ?? ''
          if (checksum !== null && checksum !== r.checksum) same = false
          checksum = r.checksum
        } catch (e) {
          perSecond.push(Number.NaN)
          cpu.push(Number.NaN)
          mode = `failed: ${(e as Error).message.split('\n')[0]}`
        }
      }
      const line = `${q.id.padEnd(6)} ${perSecond.map((v) => v.toFixed(0).padStart(14)).join(' ')}  ${perSecond
        .slice(1)
        .map((v) => `${(v / perSecond[0]).toFixed(2)}`.padStart(6))
        .join(
          ' ',
        )}  CPU s ${cpu.map((c) => c.toFixed(2)).join(' / ')}  ${mode}${same ? '' : '  ✗ ANSWERS DIFFER'}`
      scalingLines.push(line)
      log(line)
    }
  }

  // Peers on the same events.
  const peerRows: PeerRow[] = []
  const peerWays = ways.filter((w) => w !== 'tributary')
  if (peersOn && peerWays.length > 0) {
    let installProblem: string | null = null
    if (peerWays.includes('duckdb') || peerWays.includes('arquero')) installProblem = await ensurePeers(log)
    if (installProblem) log(`peers: ${installProblem}; DuckDB and arquero are skipped`)
    for (const query of PEER_QUERIES.filter((q) => wanted.includes(q))) {
      const t = tributary.get(query)
      if (t) peerRows.push({ query, way: 'tributary', result: t })
      for (const way of peerWays) {
        if (installProblem && (way === 'duckdb' || way === 'arquero')) {
          peerRows.push({ query, way, skipped: installProblem })
          continue
        }
        try {
          const r = await runChild({ query, way, events, batch, generator })
          peerRows.push({ query, way, result: r })
          const mark = t ? (t.checksum === r.checksum ? '✓' : '✗') : ' '
          log(
            `${query.padEnd(6)} ${way.padEnd(9)} ${perCpu(r).toFixed(0).padStart(9)} events/CPU-s  ${mark} ${r.checksum}`,
          )
        } catch (e) {
          log(`${query} ${way}: failed: ${(e as Error).message}`)
          peerRows.push({ query, way, skipped: `failed: ${(e as Error).message.split('\n')[0]}` })
        }
      }
    }
  }

  // Latency at half the measured maximum.
  const latencyRows: LatencyRow[] = []
  if (!values['no-latency']) {
    const seconds = count('latency-seconds', values['latency-seconds'], quick ? 2 : 10)
    for (const query of list(values['latency-queries']) ?? ['q0', 'q1', 'q2']) {
      const t = tributary.get(query)
      if (!t) {
        latencyRows.push({ query, rate: Number.NaN, skipped: 'no throughput run to take the rate from' })
        continue
      }
      const rate = Math.floor(perWall(t) / 2)
      try {
        const r = await runChild({
          query,
          way: 'tributary',
          events: rate * (seconds + 5),
          batch: Math.max(batch, rate),
          generator,
          latency: { rate, durationMs: seconds * 1000, triggerMs: 100 },
        })
        latencyRows.push({ query, rate, result: r })
        log(`${query} latency at ${rate}/s: p50 ${r.latency?.p50} ms, p99 ${r.latency?.p99} ms`)
      } catch (e) {
        latencyRows.push({ query, rate, skipped: `failed: ${(e as Error).message.split('\n')[0]}` })
      }
    }
  }

  const qt = queryTable(queryRows)
  const pt = peerTable(peerRows, tributary)
  const lt = latencyTable(latencyRows)
  const totalS = ((Date.now() - started) / 1000).toFixed(0)
  console.log(
    `\nNexmark, ${events} events per query (${command})\n${generatorLine(genCost)}\n\n${textTable(qt)}`,
  )
  if (peerRows.length) console.log(`\nPeers (same events, same answer)\n\n${textTable(pt)}`)
  if (latencyRows.length) console.log(`\nLatency (event ingestion → sink)\n\n${textTable(lt)}`)
  if (scalingLines.length)
    console.log(
      `\nScaling (events per second of wall time; × = speed-up over ${threadCounts![0]} thread(s))\n\n${scalingLines.join('\n')}`,
    )
  console.log(`\nwhole run: ${totalS} s`)

  mkdirSync(outDir, { recursive: true })
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, ${os.platform()} ${os.release()}`
  const md = [
    '# Nexmark results',
    '',
    `Command: \`${command}\` — ${new Date().toISOString()}, ${machine}.`,
    `${events} events per query (persons, auctions and bids together), ${batch} events per micro-batch, checkpoint on; the whole run took ${totalS} s.`,
    generatorLine(genCost),
    'events/CPU-s = events ÷ (user + system CPU of the process); × Flink = that ÷ Flink 1.13’s events per second per core.',
    '',
    markdownTable(qt),
    '',
    ...(peerRows.length ? ['## Peers', '', markdownTable(pt), ''] : []),
    ...(latencyRows.length ? ['## Latency', '', markdownTable(lt), ''] : []),
  ].join('\n')
  writeFileSync(path.join(outDir, 'nexmark.md'), md)
  writeFileSync(path.join(outDir, 'nexmark.svg'), barChart(queryRows, peerRows))
  writeFileSync(
    path.join(outDir, 'nexmark.json'),
    `${JSON.stringify({ command, machine, events, batch, generator, generatorCost: genCost, queries: queryRows, peers: peerRows, latency: latencyRows }, null, 2)}\n`,
  )
  log(`wrote ${path.join(outDir, 'nexmark.md')}, nexmark.svg and nexmark.json`)
}
