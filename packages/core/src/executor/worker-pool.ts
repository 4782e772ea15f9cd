/**
 * A pool of worker threads, one per executor thread, each answering requests in order.
 * A worker that throws rejects the request with its error and the partition it came from;
 * a worker that crashes or exits rejects everything pending, and the pool refuses further
 * work: the query fails, and close() ends every worker (also on stop()).
 */
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import {
  AnalysisError,
  CheckpointError,
  MalformedRecordError,
  OptionError,
  TributaryError,
} from '../util/errors.js'
import type { Request, Response } from './protocol.js'

interface Pending {
  readonly resolve: (v: unknown) => void
  readonly reject: (e: unknown) => void
  readonly what: string
}

/**
 * How to start a worker. From built JavaScript (dist/) the worker's main module is the .js
 * file beside this one. From TypeScript sources (vitest, tsx, the bench, the examples) the
 * engine is bundled once per process with esbuild (the compiler tsx itself runs on) into
 * one JavaScript module that every worker loads: a worker then starts in about 0.1 s of CPU
 * instead of about 1 s through a TypeScript loader, which compiles and resolves each of the
 * engine's modules in each worker (measured). If bundling is not possible (esbuild absent),
 * a bootstrap registers tsx's ESM hooks (tsx/esm/api) in the worker, then imports the .ts
 * entry. (`--import tsx` in the worker's execArgv leaves the worker's main module unhooked
 * on Node 20: measured.) This is the one place that knows.
 */
function workerStart(): { script: string | URL; eval: boolean } {
  const js = new URL('./worker-entry.js', import.meta.url)
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false }
  const ts = new URL('./worker-entry.ts', import.meta.url)
  if (!existsSync(fileURLToPath(ts))) throw new Error(workerEntryProblem() ?? 'no worker entry')
  bundled ??= bundleWorker(ts)
  if (bundled.url) return { script: bundled.url, eval: false }
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts.href)}) })`
  return { script: code, eval: true }
}

/** The bundled worker module of this process (null url: bundling failed, use tsx). */
let bundled: { url: URL | null } | null = null

/**
 * Bundles the worker entry and the engine sources it imports into one ES module (npm
 * packages stay imports), written under the package's node_modules/.cache so that those
 * imports resolve as from the sources. The file is named by a hash of the sources' paths,
 * sizes and modification times, so that a process finds the bundle another built (esbuild
 * costs most of a second of wall time) and any edit makes a new one; it is written by
 * rename, so processes that bundle at the same time write whole files.
 */
function bundleWorker(entry: URL): { url: URL | null } {
  try {
    const src = fileURLToPath(new URL('../', import.meta.url))
    const stamp = createHash('sha256').update(process.versions.node)
    for (const name of (readdirSync(src, { recursive: true }) as string[]).sort()) {
      if (!name.endsWith('.ts')) continue
      const st = statSync(path.join(src, name))
      stamp.update(`${name}:${st.size}:${st.mtimeMs};`)
    }
    const dir = fileURLToPath(new URL('../../node_modules/.cache/tributary-worker/', import.meta.url))
    const file = path.join(dir, `worker-${stamp.digest('hex').slice(0, 16)}.mjs`)
    if (!existsSync(file)) {
      const require = createRequire(import.meta.url)
      const esbuild = require('esbuild') as typeof import('esbuild')
      const result = esbuild.buildSync({
        entryPoints: [fileURLToPath(entry)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        target: `node${process.versions.node.split('.')[0]}`,
        write: false,
        logLevel: 'silent',
      })
      mkdirSync(dir, { recursive: true })
      // Bundles of sources as they were an hour ago and more are nobody's any more.
      for (const old of readdirSync(dir)) {
        const at = path.join(dir, old)
        if (old.startsWith('worker-') && Date.now() - statSync(at).mtimeMs > 3_600_000)
          rmSync(at, { force: true })
      }
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, result.outputFiles[0].contents)
      renameSync(tmp, file)
    }
    return { url: pathToFileURL(file) }
  } catch {
    return { url: null }
  }
}

/**
 * Why workers cannot start here, or null: when the engine was bundled into one file
 * (esbuild, webpack), the worker's main module is not beside it.
 */
export function workerEntryProblem(): string | null {
  for (const name of ['./worker-entry.js', './worker-entry.ts']) {
    const url = new URL(name, import.meta.url)
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return null
  }
  return `the worker's main module (executor/worker-entry.js) is not beside ${import.meta.url}: a bundled engine runs on the coordinating thread (keep @tributary/core external to the bundle to use worker threads)`
}

/** The file URL of tsx's ESM API, from its package.json (the require resolver would give the CommonJS one). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url)
  const pkgPath = require.resolve('tsx/package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>
  }
  return pathToFileURL(path.join(path.dirname(pkgPath), pkg.exports['./esm/api'].import.default)).href
}

/** Idle pools end after this long without a query (the timer does not keep the process alive). */
const IDLE_MS = 30_000

const pools = new Map<number, WorkerPool>()
/** Worker threads started and not yet exited, across pools (for tests: nothing left running). */
let running = 0

export function runningWorkers(): number {
  return running
}

/**
 * A pool of `size` workers for one query. Pools are shared by the queries of the process,
 * as Spark's executors serve every query of an application: a worker costs a thread and
 * loading the engine (most of a second from TypeScript sources), which a restart or a
 * second query should not pay again. A pool that lost a worker is never handed out again.
 */
export function acquirePool(size: number): WorkerPool {
  let pool = pools.get(size)
  if (!pool || pool.isBroken) {
    pool = new WorkerPool(size, () => pools.delete(size))
    pools.set(size, pool)
  }
  pool.acquire()
  return pool
}

/** Ends the pools no query uses (Session.stop()): nothing is left running, not even idle. */
export async function closeIdlePools(): Promise<void> {
  await Promise.all([...pools.values()].filter((p) => p.idle).map((p) => p.close()))
}

export class WorkerPool {
  private readonly workers: Worker[] = []
  private readonly pending: Map<number, Pending>[] = []
  private nextId = 0
  private broken: Error | null = null
  private closing = false
  private ended: Promise<void> | null = null
  private users = 0
  private idleTimer: NodeJS.Timeout | null = null

  constructor(
    readonly size: number,
    private readonly onEnd: () => void,
  ) {
    const start = workerStart()
    for (let w = 0; w < size; w++) {
      // execArgv [] : not the parent's flags (a test runner's or a profiler's), which may not apply to a thread.
      const worker = new Worker(start.script, { eval: start.eval, execArgv: [] })
      // Only a worker with work in flight keeps the process alive (see call()).
      worker.unref()
      running++
      const pending = new Map<number, Pending>()
      this.workers.push(worker)
      this.pending.push(pending)
      worker.on('message', (res: Response) => {
        const p = pending.get(res.id)
        if (!p) return
        pending.delete(res.id)
        if (pending.size === 0) worker.unref()
        if (res.ok) p.resolve(res.value)
        else p.reject(taskError(w, p.what, res))
      })
      worker.on('error', (e) => this.fail(w, `crashed: ${e.message}`, e))
      worker.on('exit', (code) => {
        running--
        if (!this.closing) this.fail(w, `exited with code ${code}`)
      })
    }
  }

  get isBroken(): boolean {
    return this.broken !== null || this.closing
  }

  get idle(): boolean {
    return this.users === 0
  }

  acquire(): void {
    this.users++
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  /** A query is done with the pool; the last one out starts the idle timer. */
  async release(): Promise<void> {
    this.users--
    if (this.broken) return this.close()
    if (this.users > 0) return
    this.idleTimer = setTimeout(() => void this.close(), IDLE_MS)
    this.idleTimer.unref()
  }

  /** The worker died: everything pending fails, and so does everything asked later. */
  private fail(w: number, how: string, cause?: unknown): void {
    const doing = [...this.pending[w].values()].map((p) => p.what)
    const error = new TributaryError(
      `EXECUTOR_WORKER_DIED: worker thread ${w} ${how}${doing.length ? ` while running ${doing.join(', ')}` : ''}. The query stops; restarting it replays the batch from the checkpoint. If it keeps happening, run with master('local[1]') to run on one thread and see the error there.`,
      'EXECUTOR_WORKER_DIED',
      { cause },
    )
    this.broken ??= error
    this.onEnd()
    for (const p of this.pending[w].values()) p.reject(error)
    this.pending[w].clear()
    // The other workers are ended too: nothing of a failed pool is left running.
    void this.close()
  }

  /** Sends a query's request to worker w; `what` names the work for errors ("batch 3 (stage 2, partitions 0, 2)"). */
  call<T>(w: number, query: string, req: Request, what: string, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.broken) return Promise.reject(this.broken)
    if (this.closing) return Promise.reject(new Error('the worker pool is closed'))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending[w].set(id, { resolve: resolve as (v: unknown) => void, reject, what })
      this.workers[w].ref()
      this.workers[w].postMessage({ id, query, req }, transfer)
    })
  }

  /** Every worker answers the query's `req` (setup, commit, abort, maintain, close). */
  all(query: string, req: Request | ((w: number) => Request), what: string): Promise<unknown[]> {
    return Promise.all(
      this.workers.map((_, w) => this.call(w, query, typeof req === 'function' ? req(w) : req, what)),
    )
  }

  /** Ends every worker; nothing is left running. */
  close(): Promise<void> {
    this.ended ??= this.end()
    return this.ended
  }

  private async end(): Promise<void> {
    this.closing = true
    this.onEnd()
    if (this.idleTimer) clearTimeout(this.idleTimer)
    for (const pending of this.pending) {
      for (const p of pending.values()) p.reject(this.broken ?? new Error('the worker pool was closed'))
      pending.clear()
    }
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/** The error classes a worker's error keeps across the thread boundary (matched on by callers). */
const ERROR_CLASSES: Record<string, new (message: string, code: string) => TributaryError> = {
  AnalysisError,
  CheckpointError,
  MalformedRecordError,
  OptionError,
  TributaryError,
}

function taskError(w: number, what: string, res: Extract<Response, { ok: false }>): TributaryError {
  const where =
    res.partition === undefined
      ? `worker thread ${w}`
      : `state partition ${res.partition} (worker thread ${w})`
  const Class = (res.error.name && ERROR_CLASSES[res.error.name]) || TributaryError
  const error = new Class(
    `${res.error.message} [in ${where}, ${what}]`,
    res.error.code ?? 'EXECUTOR_TASK_FAILED',
  )
  if (res.error.stack)
    error.stack = `${error.name}: ${error.message}\n--- in the worker ---\n${res.error.stack}`
  return error
}
