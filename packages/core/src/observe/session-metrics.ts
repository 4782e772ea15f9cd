/**
 * `session.metrics`: the session's figures for operators. `serve()` starts the small server
 * (Prometheus text at /metrics, the live dashboard at /); `prometheus()` returns the text
 * for your own server; `useOpenTelemetry(meter)` reports the same through OpenTelemetry.
 * With the TRIBUTARY_DASHBOARD environment variable (a port, or `1` for any free one) the
 * first query of the session starts the server and logs its address.
 */
import type { Meter } from '@opentelemetry/api'
import type { Registry } from 'prom-client'
import { OptionError } from '../util/errors.js'
import type { FilteredLogger } from './logger.js'
import { reportToOpenTelemetry } from './otel.js'
import { createPrometheusRegistry } from './prometheus.js'
import type { ObservedSession } from './query-view.js'
import { type ObserveServer, type ServeOptions, startServer } from './server.js'

export class SessionMetrics {
  private prom: Registry | null = null
  private readonly servers = new Set<ObserveServer>()
  private readonly otel = new Set<() => void>()
  private fromEnvironment: Promise<ObserveServer | null> | null = null

  constructor(private readonly session: ObservedSession) {}

  /** The prom-client registry of this session's metrics (created on first use). */
  get registry(): Registry {
    this.prom ??= createPrometheusRegistry(this.session)
    return this.prom
  }

  /** The Prometheus text exposition, as /metrics serves it. */
  prometheus(): Promise<string> {
    return this.registry.metrics()
  }

  /** Starts the metrics and dashboard server; close it with the returned handle or session.stop(). */
  async serve(options: ServeOptions = {}): Promise<ObserveServer> {
    const server = await startServer(this.session, () => this.registry, options)
    const close = server.close
    const tracked: ObserveServer = {
      url: server.url,
      port: server.port,
      close: async () => {
        this.servers.delete(tracked)
        await close()
      },
    }
    this.servers.add(tracked)
    return tracked
  }

  /** Reports the metrics as observable instruments of this meter; returns a function that stops it. */
  useOpenTelemetry(meter: Meter): () => void {
    const remove = reportToOpenTelemetry(this.session, meter)
    this.otel.add(remove)
    return () => {
      this.otel.delete(remove)
      remove()
    }
  }

  /**
   * @internal the server asked for by TRIBUTARY_DASHBOARD (a port, or 1/true for any free
   * port), started once per session; its address is logged at info level.
   */
  serveFromEnvironment(
    log: FilteredLogger,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<ObserveServer | null> {
    const asked = env.TRIBUTARY_DASHBOARD?.trim().toLowerCase()
    if (!asked || asked === '0' || asked === 'false' || asked === 'off') return Promise.resolve(null)
    this.fromEnvironment ??= (async () => {
      const port = asked === '1' || asked === 'true' || asked === 'yes' ? 0 : Number(asked)
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new OptionError(
          `INVALID_OPTION: TRIBUTARY_DASHBOARD is '${asked}'. Use a port number, or 1 for any free port.`,
          'INVALID_OPTION',
        )
      }
      const server = await this.serve({ port })
      log.log('info', `dashboard at ${server.url} (metrics at ${server.url}metrics)`, { url: server.url })
      return server
    })()
    return this.fromEnvironment
  }

  /** Closes every server and OpenTelemetry registration (session.stop() calls it). */
  async close(): Promise<void> {
    for (const remove of this.otel) remove()
    this.otel.clear()
    await Promise.all([...this.servers].map((s) => s.close()))
    this.fromEnvironment = null
  }
}
