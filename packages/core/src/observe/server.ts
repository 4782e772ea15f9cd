/**
 * The small HTTP server of `session.metrics.serve()`: Prometheus text at /metrics, the
 * dashboard (static files shipped in the package) at /, its data at /api/queries and its
 * live updates as server-sent events at /events. Binds to 127.0.0.1 unless told otherwise,
 * and never keeps a process alive on its own.
 */
import { promises as fs } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Registry } from 'prom-client'
import { OptionError } from '../util/errors.js'
import type { MonitorEvent } from './monitor.js'
import { type ObservedSession, observedQueries, progressHistory, queryView } from './query-view.js'
import { redactFields } from './redact.js'

/** packages/core/assets/dashboard, from src/observe or dist/observe alike. */
const ASSETS = fileURLToPath(new URL('../../assets/dashboard/', import.meta.url))
const STATIC: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/dashboard.js': 'dashboard.js',
  '/dashboard.css': 'dashboard.css',
}
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

export interface ServeOptions {
  /** The port; 0 (the default) takes any free one. */
  readonly port?: number
  /** The interface to listen on; 127.0.0.1 by default (expose it deliberately). */
  readonly host?: string
  /** Serve the dashboard besides /metrics (default true). */
  readonly dashboard?: boolean
}

export interface ObserveServer {
  /** e.g. `http://127.0.0.1:4040/` */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

/** Everything the dashboard shows of every query: views, totals and progress histories. */
export function dashboardSnapshot(session: ObservedSession): unknown {
  return {
    app: session.appName,
    queries: observedQueries(session).map(({ query, totals }) => ({
      ...queryView(query),
      totals: redactFields({
        batches: totals.batches,
        inputRows: totals.inputRows,
        outputRows: totals.outputRows,
        malformedRows: totals.malformedRows,
        deadLetters: totals.deadLetters,
        lateRows: Object.fromEntries(totals.lateRows),
      }),
      history: progressHistory(query),
    })),
  }
}

function sseMessage(session: ObservedSession, e: MonitorEvent): string {
  if (e.type === 'progress') {
    const q = session.streams.get(e.progress.id)
    return `event: progress\ndata: ${JSON.stringify({ progress: redactFields(e.progress), query: q ? queryView(q) : null })}\n\n`
  }
  const id = e.event.id
  const q = session.streams.get(id)
  return `event: ${e.type}\ndata: ${JSON.stringify({ query: q ? queryView(q) : { id }, event: redactFields(e.event) })}\n\n`
}

export async function startServer(
  session: ObservedSession,
  registry: () => Registry,
  options: ServeOptions = {},
): Promise<ObserveServer> {
  const dashboard = options.dashboard ?? true
  const streams = new Set<ServerResponse>()

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (url.pathname === '/metrics') {
      const r = registry()
      const body = await r.metrics()
      res.writeHead(200, { 'content-type': r.contentType, 'cache-control': 'no-store' })
      res.end(body)
      return
    }
    if (!dashboard) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('Only /metrics is served (dashboard: false).\n')
      return
    }
    if (url.pathname === '/api/queries') {
      json(res, 200, dashboardSnapshot(session))
      return
    }
    if (url.pathname === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      })
      res.write(`event: snapshot\ndata: ${JSON.stringify(dashboardSnapshot(session))}\n\n`)
      req.socket.unref()
      streams.add(res)
      const unsubscribe = session.monitor.subscribe((e) => res.write(sseMessage(session, e)))
      req.on('close', () => {
        unsubscribe()
        streams.delete(res)
      })
      return
    }
    const file = STATIC[url.pathname]
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found. Try / or /metrics.\n')
      return
    }
    const body = await fs.readFile(path.join(ASSETS, file))
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)], 'cache-control': 'no-store' })
    res.end(body)
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`Internal error: ${(e as Error).message}\n`)
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) =>
      reject(
        new OptionError(
          `INVALID_OPTION: metrics.serve cannot listen on ${host}:${options.port ?? 0} (${e.code ?? e.message}). ${e.code === 'EADDRINUSE' ? 'Another process uses the port: pick another one, or port 0 for any free port.' : 'Check the host and port.'}`,
          'INVALID_OPTION',
          { cause: e },
        ),
      )
    server.once('error', failed)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', failed)
      resolve()
    })
  })
  server.unref()
  // Nor does a browser's open connection: the dashboard lives as long as the queries do.
  server.on('connection', (socket) => socket.unref())
  const { port } = server.address() as AddressInfo
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: async () => {
      for (const r of streams) r.end()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
