/**
 * Logging: a four-method logger interface, the default logger that writes one concise
 * line per event to stderr (text or JSON lines), and adapters for the user's own logger.
 * The level comes from `tributary.log.level`, else the `TRIBUTARY_LOG` environment
 * variable, else `info` (`error` under a test runner, so that test output stays readable).
 */
import { OptionError } from '../util/errors.js'
import { redact, redactFields } from './redact.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogLevelSetting = LogLevel | 'off'
export type LogFields = Readonly<Record<string, unknown>>

/**
 * What Tributary logs through. Winston's loggers have this shape already (`info(message,
 * meta)`); pino's take the fields first and are adapted by `toLogger`.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

/** A pino logger's shape: fields first, then the message. */
export interface PinoLike {
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
  bindings(): object
}

const ORDER: Record<LogLevelSetting, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 }
export const LOG_LEVELS: readonly LogLevelSetting[] = ['debug', 'info', 'warn', 'error', 'off']

export function isLogLevel(value: string): value is LogLevelSetting {
  return (LOG_LEVELS as readonly string[]).includes(value)
}

/** Whether a line at `level` passes the `threshold` setting. */
export function enabled(level: LogLevel, threshold: LogLevelSetting): boolean {
  return ORDER[level] >= ORDER[threshold]
}

/** True under vitest, jest or NODE_ENV=test: the default level drops to `error` there. */
export function underTestRunner(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.VITEST || env.JEST_WORKER_ID || env.NODE_ENV === 'test')
}

/** Parses a level setting; a wrong value is an error naming the setting and the values allowed. */
export function parseLogLevel(value: string, where: string): LogLevelSetting {
  const v = value.trim().toLowerCase()
  if (!isLogLevel(v)) {
    throw new OptionError(
      `INVALID_OPTION: ${where} is '${value}'. Use one of ${LOG_LEVELS.join(', ')}.`,
      'INVALID_OPTION',
    )
  }
  return v
}

function isPino(logger: object): logger is PinoLike {
  return typeof (logger as Partial<PinoLike>).bindings === 'function'
}

/** The user's logger as a Logger: pino's (fields, message) order is swapped; winston's is used as is. */
export function toLogger(logger: Logger | PinoLike): Logger {
  if (!isPino(logger)) return logger
  return {
    debug: (m, f) => logger.debug({ ...f }, m),
    info: (m, f) => logger.info({ ...f }, m),
    warn: (m, f) => logger.warn({ ...f }, m),
    error: (m, f) => logger.error({ ...f }, m),
  }
}

export interface WritableLike {
  write(chunk: string): unknown
}

/**
 * The default logger: `2026-12-07T15:40:26.123Z INFO  message` on stderr (the message says
 * what matters; the fields are for machines), or one JSON object per line with the fields
 * (`{"time","level","msg",...fields}`).
 */
export class StreamLogger implements Logger {
  constructor(
    private readonly format: 'text' | 'json' = 'text',
    private readonly out: WritableLike = process.stderr,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    const time = this.now().toISOString()
    if (this.format === 'json') {
      this.out.write(`${JSON.stringify({ time, level, msg: message, ...fields })}\n`)
      return
    }
    this.out.write(`${time} ${level.toUpperCase().padEnd(5)} ${message}\n`)
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields)
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields)
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields)
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields)
  }
}

/**
 * A logger that drops lines below its level and masks secrets in what it passes on:
 * every line Tributary writes goes through one.
 */
export class FilteredLogger {
  constructor(
    readonly target: Logger,
    readonly level: LogLevelSetting,
  ) {}

  enabled(level: LogLevel): boolean {
    return enabled(level, this.level)
  }

  log(level: LogLevel, message: string, fields?: LogFields): void {
    if (!this.enabled(level)) return
    try {
      this.target[level](redact(message), fields ? redactFields(fields) : undefined)
    } catch {
      // A failing logger must not stop a query.
    }
  }
}
