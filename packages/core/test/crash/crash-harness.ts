/**
 * The parent side of the crash tests and the soak: runs crash-child.ts with a kill point or
 * kills it at a random moment, restarts it on the same checkpoint until the query finishes,
 * and reads what the sink holds.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Schema, Session } from '../../src/index.js'
import {
  type CrashQuery,
  inputRow,
  type OutputRow,
  outputSchemas,
  type Verdict,
  verify,
} from './crash-query.js'

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>
}

let command: Promise<string[]> | undefined

/**
 * How to start the child. Loading ~200 TypeScript modules through tsx's loader took 2-3 s
 * per start on a busy 2-core machine, a bundle 0.3 s; the soak starts hundreds of children.
 * So the child is bundled once per process with the esbuild that tsx runs on (into .tmp/,
 * where node_modules resolve), and run through tsx when that is not possible.
 */
/** Bundles of processes that are gone: test workers are often ended without an 'exit' event. */
function removeStaleBundles(dir: string): void {
  let names: string[] = []
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const pid = Number(/^crash-child-(\d+)\.mjs$/.exec(name)?.[1])
    if (!pid) continue
    try {
      process.kill(pid, 0)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(path.join(dir, name), { force: true })
    }
  }
}

function childCommand(): Promise<string[]> {
  command ??= (async () => {
    try {
      const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))(
        'esbuild',
      ) as Esbuild
      const dir = path.join(repoRoot, '.tmp', 'crash')
      removeStaleBundles(dir)
      const outfile = path.join(dir, `crash-child-${process.pid}.mjs`)
      await esbuild.build({
        entryPoints: [child],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        packages: 'external',
        // core's package.json says sideEffects: false, which would drop its format registrations.
        ignoreAnnotations: true,
        logLevel: 'error',
      })
      process.once('exit', () => rmSync(outfile, { force: true }))
      return [outfile]
    } catch {
      return ['--import', 'tsx', child]
    }
  })()
  return command
}

export interface Run {
  readonly kill: string | null
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
  readonly ms: number
  /** From the query's start to the end of the process; null when it never started. */
  readonly runningMs: number | null
  /** Killed by the harness because it outlived `timeoutMs` (only with `onTimeout: 'kill'`). */
  readonly timedOut: boolean
}

export interface RunOptions {
  /** Kill with SIGKILL this long after the query reported it started (a random moment). */
  readonly killAfterMs?: number
  /** Give up after this long (default 120 s); a hung child must not hang the suite. */
  readonly timeoutMs?: number
  /**
   * What a child that outlives `timeoutMs` does to the caller: 'fail' (the default, for
   * tests) rejects; 'kill' kills it with SIGKILL and resolves with `timedOut: true`, so that
   * a long soak on a starved machine counts a slow child instead of dying of it.
   */
  readonly onTimeout?: 'fail' | 'kill'
}

/** One run of the child with TRIBUTARY_TEST_KILL_POINT = kill (none when null). */
export async function runChild(q: CrashQuery, kill: string | null, opts: RunOptions = {}): Promise<Run> {
  const args = q.threads === undefined ? await childCommand() : ['--import', 'tsx', child]
  const started = performance.now()
  const env = { ...process.env }
  delete env.TRIBUTARY_TEST_KILL_ACTION
  if (kill) env.TRIBUTARY_TEST_KILL_POINT = kill
  else delete env.TRIBUTARY_TEST_KILL_POINT
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...args, JSON.stringify(q)], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    let stdout = ''
    let startedAt: number | null = null
    let timedOut = false
    const timers: NodeJS.Timeout[] = []
    timers.push(
      setTimeout(() => {
        timedOut = true
        p.kill('SIGKILL')
        if (opts.onTimeout !== 'kill')
          reject(new Error(`crash child hung for ${opts.timeoutMs ?? 120_000} ms (kill ${kill}): ${stderr}`))
      }, opts.timeoutMs ?? 120_000),
    )
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      if (startedAt === null && stdout.includes('started\n')) startedAt = performance.now()
      if (opts.killAfterMs !== undefined && startedAt !== null && timers.length === 1) {
        timers.push(setTimeout(() => p.kill('SIGKILL'), opts.killAfterMs))
      }
    })
    p.on('error', reject)
    p.on('close', (exitCode, signal) => {
      for (const t of timers) clearTimeout(t)
      const end = performance.now()
      resolve({
        kill,
        exitCode,
        signal,
        stderr,
        ms: end - started,
        runningMs: startedAt === null ? null : end - startedAt,
        timedOut,
      })
    })
  })
}

/** A run that neither finished nor was killed is a failure of the query: report it whole. */
export function checkRun(r: Run): void {
  if (r.exitCode !== 0 && r.signal !== 'SIGKILL') {
    throw new Error(
      `crash child failed (kill ${r.kill}, exit ${r.exitCode}, signal ${r.signal}):\n${r.stderr}`,
    )
  }
}

/** Runs with each kill point in turn, then without one until the query finishes. */
export async function runToCompletion(q: CrashQuery, kills: readonly string[]): Promise<Run[]> {
  const runs: Run[] = []
  for (const k of kills) {
    const r = await runChild(q, k)
    checkRun(r)
    runs.push(r)
  }
  const last = await runChild(q, null)
  checkRun(last)
  runs.push(last)
  if (last.exitCode !== 0) throw new Error(`the run without a kill point did not finish: ${last.stderr}`)
  return runs
}

/** Input files for source 'files': `perBatch` rows per file, JSON Lines. */
export function writeInputFiles(q: CrashQuery): void {
  const dir = q.input!
  mkdirSync(dir, { recursive: true })
  for (let first = 0, n = 0; first < q.total; first += q.perBatch, n++) {
    const lines: string[] = []
    for (let id = first; id < Math.min(q.total, first + q.perBatch); id++) {
      const r = inputRow(id, q.total)
      lines.push(JSON.stringify({ ...r, ts: r.ts.toISOString() }))
    }
    writeFileSync(path.join(dir, `in-${String(n).padStart(5, '0')}.json`), `${lines.join('\n')}\n`)
  }
}

const numbered = (dir: string, re: RegExp): [number, string][] =>
  readdirSync(dir)
    .map((f) => [re.exec(f), f] as const)
    .filter(([m]) => m !== null)
    .map(([m, f]): [number, string] => [Number(m![1]), path.join(dir, f)])
    .sort((a, b) => a[0] - b[0])

/** What the sink holds, batch by batch (file sinks: one batch, read back through the sink's log). */
export async function readOutput(q: CrashQuery, session: Session): Promise<OutputRow[][]> {
  if (!existsSync(q.out)) return []
  if (q.sink === 'foreachBatch') {
    return numbered(q.out, /^batch-(\d+)\.json$/).map(
      ([, f]) => JSON.parse(readFileSync(f, 'utf8')) as OutputRow[],
    )
  }
  if (q.sink === 'transactional') {
    return numbered(q.out, /^txn-(\d+)\.jsonl$/).map(([, f]) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as OutputRow),
    )
  }
  let reader = session.read.format(q.sink).schema(outputSchemas[q.shape] as Schema<unknown>)
  if (q.sink === 'csv') reader = reader.option('header', true)
  const rows = await reader.load(q.out).collect()
  return [
    rows.map(
      (r) =>
        Object.fromEntries(
          Object.entries(r as Record<string, unknown>).map(([k, v]) => [
            k,
            v instanceof Date ? v.getTime() : v,
          ]),
        ) as OutputRow,
    ),
  ]
}

/** The output compared with the batch answer. */
export async function verdictOf(q: CrashQuery, session: Session): Promise<Verdict> {
  return verify(q, await readOutput(q, session))
}

/** Batch ids the sink was handed, in order (replays show as repeats). */
export function deliveries(q: CrashQuery): number[] {
  const f = `${q.out}.deliveries`
  if (!existsSync(f)) return []
  return readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map(Number)
}

/** The newest batch id in the checkpoint's commit log, -1 before the first. */
export function lastCommitted(checkpoint: string): number {
  const dir = path.join(checkpoint, 'commits')
  if (!existsSync(dir)) return -1
  const ids = readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
  return ids.length === 0 ? -1 : Math.max(...ids)
}
