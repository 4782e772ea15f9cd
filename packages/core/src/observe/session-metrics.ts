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
import type { SettingLookup } from './log-settings.js'
import { type FilteredLogger, underTestRunner } from './logger.js'
import { reportToOpenTelemetry } from './otel.js'
import { createPrometheusRegistry } from './prometheus.js'
import type { ObservedSession } from './query-view.js'
import { type ObserveServer, type ServeOptions, startServer } from './server.js'

export class SessionMetrics {
  private prom: Registry | null = null
  private readonly servers = new Set<ObserveServer>()
  private readonly otel = new Set<() => void>()
  private byDefault: Promise<ObserveServer | null> | null = null

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
   * @internal the dashboard a streaming query starts, as Spark starts its UI on port 4040:
   * once per session, unless the session already serves one (serve()) or the UI is off
   * (docs/operations.md: tributary.ui.enabled, tributary.ui.port). A port in use moves on to
   * the next, up to UI_PORT_RETRIES times; when none is free the query runs without it and
   * a warning says so. The address is logged at info level.
   */
  async serveByDefault(
    log: FilteredLogger,
    conf: SettingLookup,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<ObserveServer | null> {
    const ui = uiSettings(conf, env)
    if (!ui.enabled || (this.servers.size > 0 && !this.byDefault)) return null
    this.byDefault ??= (async () => {
      const last = ui.port === 0 ? 0 : Math.min(ui.port + UI_PORT_RETRIES, 65535)
      for (let port = ui.port; port <= last; port++) {
        try {
          const server = await this.serve({ port })
          const moved = port !== ui.port && ui.port !== 0 ? ` (port ${ui.port} was in use)` : ''
          log.log('info', `dashboard at ${server.url}${moved} (metrics at ${server.url}metrics)`, {
            url: server.url,
          })
          return server
        } catch (e) {
          if (
            !(e instanceof Error && (e.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE')
          ) {
            log.log('warn', `dashboard not started: ${e instanceof Error ? e.message : String(e)}`)
            return null
          }
        }
      }
      log.log(
        'warn',
        `dashboard not started: ports ${ui.port} to ${last} are in use. Set ${UI_CONF.port} to a free port (0 for any), or ${UI_CONF.enabled}=false.`,
      )
      return null
    })()
    return this.byDefault
  }

  /** Closes every server and OpenTelemetry registration (session.stop() calls it). */
  async close(): Promise<void> {
    for (const remove of this.otel) remove()
    this.otel.clear()
    await Promise.all([...this.servers].map((s) => s.close()))
    this.byDefault = null
  }
}

export const UI_CONF = { enabled: 'tributary.ui.enabled', port: 'tributary.ui.port' } as const

/** Spark's UI port, and how many ports after it are tried (Spark's spark.port.maxRetries). */
export const UI_DEFAULT_PORT = 4040
export const UI_PORT_RETRIES = 16

const TRUE = ['true', '1', 'yes', 'on']
const FALSE = ['false', '0', 'no', 'off']

function badSetting(where: string, value: string, fix: string): OptionError {
  return new OptionError(`INVALID_OPTION: ${where} is '${value}'. ${fix}`, 'INVALID_OPTION')
}

function parsePort(value: string, where: string): number {
  const port = Number(value.trim())
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw badSetting(where, value, 'Use a port number from 1 to 65535, or 0 for any free port.')
  return port
}

/**
 * Whether streaming queries start the dashboard, and on which port: session settings, then
 * TRIBUTARY_UI / TRIBUTARY_UI_PORT, then TRIBUTARY_DASHBOARD (a port, 1 for any free port,
 * 0 for off), else on at 4040, and off under a test runner (vitest, jest, NODE_ENV=test).
 */
export function uiSettings(
  conf: SettingLookup,
  env: NodeJS.ProcessEnv = process.env,
): { enabled: boolean; port: number } {
  const legacy = env.TRIBUTARY_DASHBOARD?.trim().toLowerCase() || undefined
  let legacyEnabled: boolean | undefined
  let legacyPort: number | undefined
  if (legacy !== undefined) {
    if (TRUE.includes(legacy)) {
      legacyEnabled = true
      legacyPort = 0
    } else if (FALSE.includes(legacy)) legacyEnabled = false
    else {
      const port = Number(legacy)
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw badSetting('TRIBUTARY_DASHBOARD', legacy, 'Use a port number, or 1 for any free port.')
      legacyEnabled = true
      legacyPort = port
    }
  }
  const setEnabled = conf(UI_CONF.enabled)
  const envEnabled = env.TRIBUTARY_UI
  let enabled: boolean
  const where = setEnabled !== undefined ? UI_CONF.enabled : 'the TRIBUTARY_UI environment variable'
  const asked = (setEnabled ?? envEnabled)?.trim().toLowerCase()
  if (asked !== undefined && asked !== '') {
    if (TRUE.includes(asked)) enabled = true
    else if (FALSE.includes(asked)) enabled = false
    else throw badSetting(where, asked, 'Use true or false.')
  } else enabled = legacyEnabled ?? !underTestRunner(env)
  const setPort = conf(UI_CONF.port)
  const port =
    setPort !== undefined
      ? parsePort(setPort, UI_CONF.port)
      : env.TRIBUTARY_UI_PORT
        ? parsePort(env.TRIBUTARY_UI_PORT, 'the TRIBUTARY_UI_PORT environment variable')
        : (legacyPort ?? UI_DEFAULT_PORT)
  return { enabled, port }
}
