/**
 * Runs one query one way and measures it: wall time, CPU time (process.cpuUsage, user +
 * system, all threads of the process), peak resident memory, rows and checksum of the
 * answer. The orchestrator (nexmark-bench.ts) runs each of these in its own process, so
 * that one run's heap, JIT state and peak RSS never leak into the next.
 *
 * Every way reads the generator with the same configuration (spec.generator, including
 * replayBlockEvents: replay or exact mode): Tributary through `format('nexmark')`'s options,
 * the peers through the generator in their PeerContext. In replay mode the replay block is
 * built before the clock starts, in every way alike (it is cached per process, so the
 * source's own generator finds it): a setup cost like loading the string pools, not part of
 * the figures; the bench reports it, and the generator's own cost, separately.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { Options, Session } from '@tributary/core'
import { batchColumns, blackholeResult } from './blackhole.js'
import { Checksum } from './checksum.js'
import { type EventKind, type NexmarkConfig, NexmarkGenerator } from './generator.js'
import { arqueroPeer } from './peers/arquero.js'
import { type PeerRun, peerContext } from './peers/common.js'
import { duckdbPeer } from './peers/duckdb.js'
import { jsPeer } from './peers/js.js'
import { rxjsPeer } from './peers/rxjs.js'
import { PEER_QUERIES, type PeerQuery, type QueryContext, queryById } from './queries.js'
import { registerNexmark } from './register.js'
import { BID_SCHEMA, GENERATOR_OPTIONS, readNexmarkOptions } from './source.js'

export const WAYS = ['tributary', 'js', 'rxjs', 'duckdb', 'arquero'] as const
export type Way = (typeof WAYS)[number]

export interface RunSpec {
  readonly query: string
  readonly way: Way
  readonly events: number
  /** Events per micro-batch (the source's maxEventsPerTrigger). */
  readonly batch: number
  readonly generator: Partial<NexmarkConfig>
  /** Latency mode: events per second released by the source, and for how long. */
  readonly latency?: { readonly rate: number; readonly durationMs: number; readonly triggerMs: number }
  readonly statePartitions?: number
  /** Executor threads (tributary.executor.threads); absent = 1, the coordinating thread only. */
  readonly threads?: number
}

export interface RunResult {
  readonly query: string
  readonly way: Way
  readonly events: number
  readonly wallS: number
  readonly cpuS: number
  readonly peakRssMb: number
  readonly rows: number
  readonly checksum: string
  readonly batches?: number
  readonly lateRows?: number
  readonly queryOnlyS?: number
  readonly note?: string
  /** How the executor ran the query: inThread (with the reason when threads > 1), stateless or shuffle. */
  readonly executor?: string
  readonly latency?: {
    readonly p50: number
    readonly p99: number
    readonly max: number
    readonly events: number
  }
}

const PEERS: Record<Exclude<Way, 'tributary'>, Record<PeerQuery, PeerRun>> = {
  js: jsPeer,
  rxjs: rxjsPeer,
  duckdb: duckdbPeer,
  arquero: arqueroPeer,
}

function measure(): () => { wallS: number; cpuS: number; peakRssMb: number } {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  return () => {
    const cpu = process.cpuUsage(cpu0)
    return {
      wallS: (performance.now() - t0) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }
  }
}

function sourceOptions(spec: RunSpec, table: EventKind, extra: Record<string, string | number> = {}) {
  const g = spec.generator
  const out: Record<string, string | number> = {
    table,
    events: spec.events,
    maxEventsPerTrigger: spec.batch,
    ...extra,
  }
  for (const k of GENERATOR_OPTIONS) {
    if (g[k] !== undefined) out[k] = g[k]
  }
  return out
}

/** Builds the replay block the source will read, before any clock starts. */
function prepareSource(options: Record<string, string | number>): void {
  new NexmarkGenerator(readNexmarkOptions(new Options(options)).generator).prepare()
}

export async function runTributary(spec: RunSpec): Promise<RunResult> {
  const q = queryById(spec.query)
  if (!q?.build) throw new Error(`query ${spec.query} cannot run: ${q?.cannotRun?.() ?? 'unknown query'}`)
  registerNexmark()
  const dir = await mkdtemp(path.join(tmpdir(), `tributary-nexmark-${spec.query}-`))
  const session = Session.builder()
    .appName(`nexmark-${spec.query}`)
    .config('tributary.sql.shuffle.partitions', String(spec.statePartitions ?? 4))
    .config('tributary.executor.threads', String(spec.threads ?? 1))
    .create()
  const latency = spec.latency
  const tag = `${spec.query}-${process.pid}`
  // The replay block does not depend on the base time: build it before choosing startAt.
  const latencyExtra = (startAt: number): Record<string, string | number> =>
    latency ? { rowsPerSecond: latency.rate, startAt, eventRate: latency.rate, baseTime: startAt, tag } : {}
  prepareSource(sourceOptions(spec, 'bid', latencyExtra(0)))
  const startAt = Date.now() + 200
  const extra = latencyExtra(startAt)
  const ctx: QueryContext = {
    session,
    bids: () =>
      session.readStream
        .format('nexmark')
        .options(sourceOptions(spec, 'bid', extra))
        .schema(BID_SCHEMA)
        .load(),
    table: (kind) =>
      session.readStream
        .format('nexmark')
        .options(sourceOptions(spec, kind, extra))
        .load(),
  }
  const plan = q.build(ctx)
  let lateRows = 0
  let batches = 0
  let executorMode = ''
  session.streams.addListener({
    onQueryProgress: ({ progress }) => {
      batches++
      executorMode = progress.executor
        ? `${progress.executor.mode}${progress.executor.inThreadReason ? ` (${progress.executor.inThreadReason})` : ''}`
        : ''
      for (const op of progress.stateOperators) lateRows += op.numRowsDroppedByWatermark
    },
  })
  const name = `nexmark-${spec.query}`
  const posted = new Checksum()
  let writer = plan.df.writeStream
    .outputMode(plan.outputMode)
    .queryName(name)
    .option('checkpointLocation', path.join(dir, 'checkpoint'))
  writer = latency
    ? writer.trigger({ processingTime: latency.triggerMs })
    : writer.trigger({ availableNow: true })
  if (plan.post) {
    const post = plan.post
    writer = writer.foreachBatch(async (batch) => {
      const out = await post(batch)
      posted.addColumns(batchColumns(out), out.numRows)
    })
  } else {
    writer = writer
      .format('blackhole')
      .options(latency ? { latencyTag: tag, rowsPerSecond: latency.rate, startAt } : {})
  }
  const done = measure()
  const query = await writer.start()
  if (latency) {
    await new Promise((r) => setTimeout(r, latency.durationMs))
    await query.stop()
  }
  await query.awaitTermination()
  const m = done()
  if (query.exception) throw query.exception
  await session.stop()
  await rm(dir, { recursive: true, force: true })
  const result = blackholeResult(name)
  const checksum = plan.post ? posted : (result?.checksum ?? new Checksum())
  const eventsRun = latency
    ? Math.min(spec.events, Math.floor(((Date.now() - startAt) * latency.rate) / 1000))
    : spec.events
  return {
    query: spec.query,
    way: 'tributary',
    events: eventsRun,
    ...m,
    rows: checksum.rows,
    checksum: checksum.value(),
    batches,
    lateRows,
    note: q.note,
    executor: executorMode,
    latency:
      latency && result
        ? {
            p50: result.latency.percentile(0.5),
            p99: result.latency.percentile(0.99),
            max: result.latency.max,
            events: result.latency.count,
          }
        : undefined,
  }
}

export async function runPeer(spec: RunSpec): Promise<RunResult> {
  if (spec.way === 'tributary') return runTributary(spec)
  if (!(PEER_QUERIES as readonly string[]).includes(spec.query))
    throw new Error(`no ${spec.way} peer for ${spec.query}`)
  const gen = new NexmarkGenerator(spec.generator).prepare()
  const ctx = peerContext(gen, spec.events, spec.batch)
  const out = new Checksum()
  const done = measure()
  const outcome = await PEERS[spec.way][spec.query as PeerQuery](ctx, out)
  const m = done()
  return {
    query: spec.query,
    way: spec.way,
    events: spec.events,
    ...m,
    rows: out.rows,
    checksum: out.value(),
    queryOnlyS: outcome?.queryOnlyS,
    note: outcome?.note,
  }
}

export const RESULT_MARK = '@@nexmark-result '

/** The child's entry: one spec in, one result line out. */
export async function runFromArgv(json: string): Promise<void> {
  const spec = JSON.parse(json) as RunSpec
  try {
    const result = await runPeer(spec)
    process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`)
  } catch (e) {
    process.stdout.write(`${RESULT_MARK}${JSON.stringify({ error: (e as Error).stack ?? String(e) })}\n`)
  }
}
