/**
 * Driver errors turned into messages that name the server, the cause and the way out, with
 * every secret (password, url) replaced by *** — in the message, the stack and the cause.
 */
import { TributaryError } from '@tributary/core'
import { type ConnectionSettings, describeEndpoint } from './connection-options.js'

export class SqlConnectorError extends TributaryError {
  /** The server's SQLSTATE (e.g. 23505), when the server answered. */
  readonly sqlState: string | undefined
  /** MySQL's error number (e.g. 1062), when the server answered. */
  readonly errno: number | undefined
  constructor(
    message: string,
    code: string,
    options?: { cause?: unknown; sqlState?: string | undefined; errno?: number | undefined },
  ) {
    super(message, code, options)
    this.sqlState = options?.sqlState
    this.errno = options?.errno
  }
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) if (s) out = out.split(s).join('***')
  return out
}

/** What the drivers put on their errors; all optional, since either driver sets only some. */
interface DriverErrorFields {
  message?: unknown
  code?: unknown
  errno?: unknown
  sqlState?: unknown
  detail?: unknown
  hint?: unknown
  stack?: unknown
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
])
const LOST = new Set(['ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'])
const AUTH_SQLSTATES = new Set(['28P01', '28000'])
const AUTH_ERRNOS = new Set([1044, 1045, 1698, 1251])

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

export interface ErrorContext {
  readonly system: string
  readonly connection: ConnectionSettings
  /** What was being done, e.g. 'writing batch 3 to events'. */
  readonly action: string
}

/** Any error from a driver call as a SqlConnectorError with secrets removed. */
export function translateError(e: unknown, ctx: ErrorContext): SqlConnectorError {
  if (e instanceof SqlConnectorError) return e
  if (e instanceof TributaryError)
    return new SqlConnectorError(redact(e.message, ctx.connection.secrets), e.code)
  const f: DriverErrorFields =
    typeof e === 'object' && e !== null ? (e as DriverErrorFields) : { message: String(e) }
  const secrets = ctx.connection.secrets
  const clean = (s: string) => redact(s, secrets)
  const raw = clean(str(f.message) ?? String(e))
  const code = str(f.code)
  const sqlState = str(f.sqlState) ?? (code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined)
  const errno = typeof f.errno === 'number' && f.errno > 0 ? f.errno : undefined
  const c = ctx.connection
  const where = `${ctx.system} at ${describeEndpoint(c)}`

  // The cause keeps the driver's fields that help debugging, never the driver's own object,
  // which may hold the connection configuration.
  const cause = new Error(raw)
  Object.assign(cause, { code, sqlState, errno, detail: str(f.detail) && clean(String(f.detail)) })
  if (typeof f.stack === 'string') cause.stack = clean(f.stack)
  const opts = { cause, sqlState, errno }

  if ((code && UNREACHABLE.has(code)) || /connection timeout|timeout expired|connect ETIMEDOUT/i.test(raw)) {
    return new SqlConnectorError(
      `SQL_UNREACHABLE: cannot reach ${ctx.system} at ${c.host}:${c.port} while ${ctx.action} (${code ?? raw}). Check that the server is running and that the host and port options (or the url) point at it.`,
      'SQL_UNREACHABLE',
      opts,
    )
  }
  if (
    (code && LOST.has(code)) ||
    /Connection terminated unexpectedly|connection is in closed state/i.test(raw)
  ) {
    return new SqlConnectorError(
      `SQL_CONNECTION_LOST: the connection to ${where} was lost while ${ctx.action} (${code ?? raw}). An open transaction was rolled back by the server; restart the query to retry from its checkpoint.`,
      'SQL_CONNECTION_LOST',
      opts,
    )
  }
  if (
    (sqlState && AUTH_SQLSTATES.has(sqlState)) ||
    (errno && AUTH_ERRNOS.has(errno)) ||
    /SASL|client password must be/i.test(raw)
  ) {
    return new SqlConnectorError(
      `SQL_AUTH_FAILED: ${where} refused user '${clean(c.user)}': ${raw}. Check the user and password options (or the credentials in the url); the password is not shown.`,
      'SQL_AUTH_FAILED',
      opts,
    )
  }
  if (sqlState === '3D000' || errno === 1049) {
    return new SqlConnectorError(
      `SQL_UNKNOWN_DATABASE: ${where}: ${raw}. Create the database, or fix the database option (or the url's path).`,
      'SQL_UNKNOWN_DATABASE',
      opts,
    )
  }
  if (/SSL|TLS|certificate|self.signed/i.test(raw) || (code && /CERT|SSL|TLS/.test(code))) {
    return new SqlConnectorError(
      `SQL_TLS: TLS with ${where} failed: ${raw}. Set ssl=false when the server has no TLS, or ssl=require to encrypt without checking the certificate.`,
      'SQL_TLS',
      opts,
    )
  }
  const detail = str(f.detail) ? ` ${clean(String(f.detail))}` : ''
  const hint = str(f.hint) ? ` Hint: ${clean(String(f.hint))}` : ''
  const state = sqlState ? ` (SQLSTATE ${sqlState}${errno ? `, error ${errno}` : ''})` : ''
  return new SqlConnectorError(
    `SQL_STATEMENT_FAILED: ${where} failed while ${ctx.action}: ${raw}.${detail}${hint}${state}`,
    'SQL_STATEMENT_FAILED',
    opts,
  )
}
