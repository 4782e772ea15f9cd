/**
 * The options the `mqtt` source and sink share: where the broker is and how to log in.
 * Secrets stay out of every message: errors name the host and port only.
 */
import { readFileSync } from 'node:fs'
import { OptionError, type Options } from '@tributary/core'
import type { IClientOptions } from 'mqtt'

export const DEFAULT_BROKER_URL = 'mqtt://127.0.0.1:1883'

export const CONNECTION_OPTIONS = [
  'brokerUrl',
  'clientId',
  'username',
  'password',
  'protocolVersion',
  'keepAlive',
  'connectTimeout',
  'tls.caFile',
  'tls.certFile',
  'tls.keyFile',
  'tls.rejectUnauthorized',
] as const

const DEFAULT_PORTS: Record<string, number> = {
  mqtt: 1883,
  tcp: 1883,
  mqtts: 8883,
  ssl: 8883,
  ws: 80,
  wss: 443,
}

export interface MqttConnectionConfig {
  readonly brokerUrl: string
  /** `host:port`, for messages; never includes credentials. */
  readonly address: string
  readonly clientId: string | undefined
  readonly protocolVersion: 4 | 5
  readonly connectTimeoutMs: number
  /** What mqtt.js needs besides the URL; holds the password, so it is never printed. */
  readonly clientOptions: IClientOptions
}

function parseBrokerUrl(owner: string, raw: string): { url: URL; address: string } {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new OptionError(
      `${owner}: option 'brokerUrl' must be a URL such as 'mqtt://host:1883' or 'mqtts://host:8883', got '${raw.replace(/\/\/[^@/]*@/, '//***@')}'.`,
      'INVALID_OPTION',
    )
  }
  const scheme = url.protocol.replace(/:$/, '')
  if (!(scheme in DEFAULT_PORTS)) {
    throw new OptionError(
      `${owner}: option 'brokerUrl' has scheme '${scheme}'; use one of ${Object.keys(DEFAULT_PORTS).join(', ')} (for example mqtt://${url.host || 'host'}:1883).`,
      'INVALID_OPTION',
    )
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme]
  return { url, address: `${url.hostname}:${port}` }
}

function readTlsFile(owner: string, key: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined
  try {
    return readFileSync(file)
  } catch (e) {
    throw new OptionError(
      `${owner}: option '${key}' names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Give the path of a PEM file.`,
      'INVALID_OPTION',
    )
  }
}

export function readConnectionOptions(options: Options, defaultClientId?: string): MqttConnectionConfig {
  const owner = options.owner
  const { url, address } = parseBrokerUrl(owner, options.getString('brokerUrl', DEFAULT_BROKER_URL))
  const protocolVersion = Number(options.oneOf('protocolVersion', ['4', '5'], '5')) as 4 | 5
  const keepalive = options.getNumber('keepAlive', 60)
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) {
    throw new OptionError(
      `${owner}: option 'keepAlive' is in seconds, an integer from 0 to 65535, got '${options.get('keepAlive')}'.`,
      'INVALID_OPTION',
    )
  }
  const connectTimeoutMs = options.getDurationMs('connectTimeout', 10_000)!
  const clientId = options.get('clientId') ?? defaultClientId
  const username = options.get('username') ?? (url.username ? decodeURIComponent(url.username) : undefined)
  const password = options.get('password') ?? (url.password ? decodeURIComponent(url.password) : undefined)
  if (password !== undefined && username === undefined) {
    throw new OptionError(
      `${owner}: option 'password' is set but 'username' is not; MQTT sends a password only with a user name. Add .option('username', ...).`,
      'MISSING_OPTION',
    )
  }
  // Credentials go in the options, not the URL, so that nothing that prints the URL leaks them.
  const bare = new URL(url.toString())
  bare.username = ''
  bare.password = ''
  const clientOptions: IClientOptions = {
    protocolVersion,
    keepalive,
    connectTimeout: connectTimeoutMs,
    // The first connection is made by hand so that a failure is an error, not endless retries.
    reconnectPeriod: 0,
    ...(clientId !== undefined ? { clientId } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ca: readTlsFile(owner, 'tls.caFile', options.get('tls.caFile')),
    cert: readTlsFile(owner, 'tls.certFile', options.get('tls.certFile')),
    key: readTlsFile(owner, 'tls.keyFile', options.get('tls.keyFile')),
    rejectUnauthorized: options.getBoolean('tls.rejectUnauthorized', true),
  }
  return { brokerUrl: bare.toString(), address, clientId, protocolVersion, connectTimeoutMs, clientOptions }
}
