/**
 * Where and how to connect: the `url` option (postgres://..., mysql://..., with or without
 * a jdbc: prefix) or host/port/user/password/database, which win over the url's parts.
 * The password and the url are remembered as secrets, so that no message can show them.
 */
import { OptionError, type Options } from '@tributary/core'
import type { Dialect } from './dialect.js'

/** off: plain TCP; verify: TLS checking the certificate; require: TLS without checking it (libpq's sslmode=require). */
export type TlsMode = 'off' | 'verify' | 'require'

export interface ConnectionSettings {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string | undefined
  readonly database: string | undefined
  readonly tls: TlsMode
  readonly poolSize: number
  readonly connectTimeoutMs: number
  /** Strings no message may contain: the password in its plain and URL-encoded forms, and the url. */
  readonly secrets: readonly string[]
}

export const CONNECTION_OPTIONS = [
  'url',
  'host',
  'port',
  'user',
  'password',
  'database',
  'ssl',
  'tls',
  'poolSize',
  'connectTimeout',
] as const

const SCHEMES: Record<string, readonly string[]> = {
  postgres: ['postgres', 'postgresql'],
  mysql: ['mysql', 'mariadb'],
}

const URL_PARAMS = ['user', 'password', 'ssl', 'sslmode', 'tls']

function tlsMode(value: string, where: string, owner: string): TlsMode {
  switch (value.trim().toLowerCase()) {
    case 'true':
    case 'verify':
    case 'verify-full':
    case 'verify-ca':
      return 'verify'
    case 'require':
      return 'require'
    // prefer/allow would fall back to plain TCP silently; neither driver does it, so they mean off.
    case 'false':
    case 'disable':
    case 'allow':
    case 'prefer':
      return 'off'
    default:
      throw new OptionError(
        `${owner}: ${where} must be true, false or 'require' (TLS without certificate checks), got '${value}'.`,
        'INVALID_OPTION',
      )
  }
}

interface UrlParts {
  host?: string
  port?: number
  user?: string
  password?: string
  /** The password as the url spells it, which may encode other characters than encodeURIComponent. */
  rawPassword?: string
  database?: string
  tls?: TlsMode
}

function parseUrl(text: string, dialect: Dialect, owner: string): UrlParts {
  const schemes = SCHEMES[dialect.name]
  const example = `${schemes[0]}://user:password@host:${dialect.defaultPort}/database`
  // Never echo the value: it may hold a password.
  const invalid = (why: string) =>
    new OptionError(
      `${owner}: option 'url' ${why}. Expected ${example}. (The value is not shown because it may hold a password.)`,
      'INVALID_OPTION',
    )
  const stripped = text.trim().replace(/^jdbc:/i, '')
  let url: URL
  try {
    url = new URL(stripped)
  } catch {
    throw invalid('is not a valid connection URL')
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase()
  if (!schemes.includes(scheme)) {
    throw invalid(`has scheme '${scheme}', which the ${dialect.displayName} connector does not read`)
  }
  const parts: UrlParts = {}
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text)
    } catch {
      throw invalid('has a malformed %-escape')
    }
  }
  if (url.hostname) parts.host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (url.port) parts.port = Number(url.port)
  if (url.username) parts.user = decode(url.username)
  if (url.password) {
    parts.rawPassword = url.password
    parts.password = decode(url.password)
  }
  const db = decode(url.pathname.replace(/^\//, ''))
  if (db) parts.database = db
  for (const [key, value] of url.searchParams) {
    const k = key.toLowerCase()
    if (!URL_PARAMS.includes(k)) {
      throw invalid(`has the parameter '${key}', which is not read (known: ${URL_PARAMS.join(', ')})`)
    }
    if (k === 'user') parts.user = value
    else if (k === 'password') parts.password = value
    else parts.tls = tlsMode(value, `url parameter '${key}'`, owner)
  }
  return parts
}

export function parseConnection(options: Options, dialect: Dialect): ConnectionSettings {
  const owner = options.owner
  const url = options.get('url')
  const fromUrl = url ? parseUrl(url, dialect, owner) : {}
  const host = options.get('host') ?? fromUrl.host ?? 'localhost'
  const port = options.getPositiveInt('port') ?? fromUrl.port ?? dialect.defaultPort
  if (port > 65535) {
    throw new OptionError(`${owner}: option 'port' must be at most 65535, got ${port}.`, 'INVALID_OPTION')
  }
  const tlsOption = options.get('ssl') ?? options.get('tls')
  const password = options.get('password') ?? fromUrl.password
  const secrets = new Set<string>()
  if (password) {
    secrets.add(password)
    secrets.add(encodeURIComponent(password))
  }
  if (url && fromUrl.password) secrets.add(url)
  if (fromUrl.rawPassword) secrets.add(fromUrl.rawPassword)
  return {
    host,
    port,
    user: options.get('user') ?? fromUrl.user ?? dialect.defaultUser,
    password,
    database: options.get('database') ?? fromUrl.database,
    tls: tlsOption !== undefined ? tlsMode(tlsOption, `option 'ssl'`, owner) : (fromUrl.tls ?? 'off'),
    poolSize: options.getPositiveInt('poolSize', 2)!,
    connectTimeoutMs: options.getDurationMs('connectTimeout', 10_000)!,
    // Longest first, so a url is replaced whole before the password inside it.
    secrets: [...secrets].sort((a, b) => b.length - a.length),
  }
}

/** `host:port/database`, for descriptions and messages (never the user or password). */
export function describeEndpoint(c: ConnectionSettings): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host
  return `${host}:${c.port}${c.database ? `/${c.database}` : ''}`
}
