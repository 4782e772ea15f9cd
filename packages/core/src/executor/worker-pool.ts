/**
 * A pool of worker threads, one per executor thread, each answering requests in order.
 * A worker that throws rejects the request with its error and the partition it came from;
 * a worker that crashes or exits rejects everything pending, and the pool refuses further
 * work: the query fails, and close() ends every worker (also on stop()).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { TributaryError } from '../util/errors.js'
import type { Request, Response } from './protocol.js'

interface Pending {
  readonly resolve: (v: unknown) => void
  readonly reject: (e: unknown) => void
  readonly what: string
}

/**
 * How to start a worker. From built JavaScript (dist/) the worker's main module is the .js
 * file beside this one. From TypeScript sources (vitest, tsx, the examples) it is the .ts
 * file, which a worker can load only after a TypeScript loader is registered in it: a
 * bootstrap registers tsx's ESM hooks (tsx/esm/api), then imports the entry. (`--import tsx`
 * in the worker's execArgv leaves the worker's main module unhooked on Node 20: measured.)
 * This is the one place that knows.
 */
function workerStart(): { script: string | URL; eval: boolean } {
  const js = new URL('./worker-entry.js', import.meta.url)
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false }
  const ts = new URL('./worker-entry.ts', import.meta.url)
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts.href)}) })`
  return { script: code, eval: true }
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

export class WorkerPool {
  private readonly workers: Worker[] = []
  private readonly pending: Map<number, Pending>[] = []
  private nextId = 0
  private broken: Error | null = null
  private closing = false

  constructor(readonly size: number) {
    const start = workerStart()
    for (let w = 0; w < size; w++) {
      // execArgv [] : not the parent's flags (a test runner's or a profiler's), which may not apply to a thread.
      const worker = new Worker(start.script, { eval: start.eval, execArgv: [] })
      const pending = new Map<number, Pending>()
      this.workers.push(worker)
      this.pending.push(pending)
      worker.on('message', (res: Response) => {
        const p = pending.get(res.id)
        if (!p) return
        pending.delete(res.id)
        if (res.ok) p.resolve(res.value)
        else p.reject(taskError(w, p.what, res))
      })
      worker.on('error', (e) => this.fail(w, `crashed: ${e.message}`, e))
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(w, `exited with code ${code}`)
      })
    }
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
    for (const p of this.pending[w].values()) p.reject(error)
    this.pending[w].clear()
  }

  /** Sends a request to worker w; `what` names the work for errors ("batch 3 partitions 0, 2"). */
  call<T>(w: number, req: Request, what: string, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.broken) return Promise.reject(this.broken)
    if (this.closing) return Promise.reject(new Error('the worker pool is closed'))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending[w].set(id, { resolve: resolve as (v: unknown) => void, reject, what })
      this.workers[w].postMessage({ id, req }, transfer)
    })
  }

  /** Every worker answers `req` (setup, commit, abort, maintain). */
  all(req: Request | ((w: number) => Request), what: string): Promise<unknown[]> {
    return Promise.all(
      this.workers.map((_, w) => this.call(w, typeof req === 'function' ? req(w) : req, what)),
    )
  }

  /** Ends every worker; nothing is left running. */
  async close(): Promise<void> {
    if (this.closing) return
    if (!this.broken) {
      // Let workers release what they hold open (state databases) before they end.
      await Promise.race([
        this.all({ type: 'close' }, 'close').catch(() => undefined),
        new Promise((r) => setTimeout(r, 2000).unref()),
      ])
    }
    this.closing = true
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

function taskError(w: number, what: string, res: Extract<Response, { ok: false }>): TributaryError {
  const where = res.partition === undefined ? `worker thread ${w}` : `state partition ${res.partition} (worker thread ${w})`
  const error = new TributaryError(
    `${res.error.message} [in ${where}, ${what}]`,
    res.error.code ?? 'EXECUTOR_TASK_FAILED',
  )
  if (res.error.stack) error.stack = `${error.name}: ${error.message}\n--- in the worker ---\n${res.error.stack}`
  return error
}
