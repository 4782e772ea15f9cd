/**
 * Where a session's log lines go and which ones pass: the user's logger (useLogger) or the
 * default stderr logger, filtered by `tributary.log.level` / `TRIBUTARY_LOG`.
 */
import { OptionError } from '../util/errors.js'
import {
  FilteredLogger,
  type Logger,
  type LogLevelSetting,
  type PinoLike,
  parseLogLevel,
  StreamLogger,
  toLogger,
  underTestRunner,
} from './logger.js'

export type SettingLookup = (key: string) => string | undefined

export const LOG_CONF = {
  level: 'tributary.log.level',
  format: 'tributary.log.format',
  batchLevel: 'tributary.log.batchLevel',
} as const

export class LogSettings {
  private userLogger: Logger | null = null

  /** Sends the session's log lines to this logger (winston's or pino's shape), or back to stderr with null. */
  use(logger: Logger | PinoLike | null): void {
    this.userLogger = logger ? toLogger(logger) : null
  }

  /** The level in force: the session setting, else TRIBUTARY_LOG, else info (error under a test runner). */
  level(conf: SettingLookup, env: NodeJS.ProcessEnv = process.env): LogLevelSetting {
    const set = conf(LOG_CONF.level)
    if (set !== undefined) return parseLogLevel(set, LOG_CONF.level)
    if (env.TRIBUTARY_LOG) return parseLogLevel(env.TRIBUTARY_LOG, 'the TRIBUTARY_LOG environment variable')
    return underTestRunner(env) ? 'error' : 'info'
  }

  /** The level of the one-line summary of each batch (default info). */
  batchLevel(conf: SettingLookup): LogLevelSetting {
    return parseLogLevel(conf(LOG_CONF.batchLevel) ?? 'info', LOG_CONF.batchLevel)
  }

  private format(conf: SettingLookup, env: NodeJS.ProcessEnv): 'text' | 'json' {
    const v = (conf(LOG_CONF.format) ?? env.TRIBUTARY_LOG_FORMAT ?? 'text').toLowerCase()
    if (v !== 'text' && v !== 'json') {
      throw new OptionError(
        `INVALID_OPTION: ${LOG_CONF.format} (or TRIBUTARY_LOG_FORMAT) is '${v}'. Use 'text' or 'json'.`,
        'INVALID_OPTION',
      )
    }
    return v
  }

  /** The logger for a query starting now: settings are read at each start. */
  logger(conf: SettingLookup, env: NodeJS.ProcessEnv = process.env): FilteredLogger {
    const level = this.level(conf, env)
    const target = this.userLogger ?? new StreamLogger(this.format(conf, env))
    return new FilteredLogger(target, level)
  }
}
