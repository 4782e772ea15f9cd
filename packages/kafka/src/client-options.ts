/**
 * The `kafka.*` options: Kafka client properties, with the prefix, as Spark takes them. Those
 * this client understands are listed; any other is refused with its near matches rather
 * than ignored, and the ones Spark refuses are refused with the reason and what to use.
 */
import { OptionError, Options } from '@tributary/core'
import type { KafkaClientConfig } from './adapter.js'

const COMMON = [
  'bootstrap.servers',
  'client.id',
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
  'sasl.oauthbearer.token',
  'ssl.ca.location',
  'ssl.certificate.location',
  'ssl.key.location',
  'ssl.key.password',
  'ssl.endpoint.identification.algorithm',
  'enable.ssl.certificate.verification',
  'request.timeout.ms',
  'socket.connection.setup.timeout.ms',
  'retries',
  'retry.backoff.ms',
  'metadata.max.age.ms',
]

export const SOURCE_CLIENT_OPTIONS = [
  ...COMMON,
  'group.id',
  'isolation.level',
  'fetch.max.bytes',
  'max.partition.fetch.bytes',
  'fetch.max.wait.ms',
]

export const SINK_CLIENT_OPTIONS = [
  ...COMMON,
  'acks',
  'compression.type',
  'enable.idempotence',
  'transactional.id',
  'transaction.timeout.ms',
]

/** Options Spark refuses too, with the way out. */
const REFUSED: Record<string, string> = {
  'auto.offset.reset': "use the 'startingOffsets' option instead",
  'enable.auto.commit':
    "the source never commits offsets for recovery (they live in the checkpoint); set 'groupIdPrefix' to commit them for monitoring",
  'key.deserializer': "keys are always binary; decode them with cast('string') or from_json",
  'value.deserializer': "values are always binary; decode them with cast('string') or from_json",
  'key.serializer': "the sink writes bytes; give 'key' as a string or binary column",
  'value.serializer': "the sink writes bytes; give 'value' as a string or binary column",
  'interceptor.classes': 'Java interceptors do not exist here',
  'ssl.truststore.location':
    "Java keystores are not read here; convert to PEM and use 'kafka.ssl.ca.location'",
  'ssl.keystore.location':
    "Java keystores are not read here; convert to PEM and use 'kafka.ssl.certificate.location' and 'kafka.ssl.key.location'",
}

export function readBootstrapServers(options: Options): string[] {
  const raw = options.require(
    'kafka.bootstrap.servers',
    "Name the brokers to connect to, e.g. .option('kafka.bootstrap.servers', 'host1:9092,host2:9092').",
  )
  const servers = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const s of servers) {
    const m = /^(.+):(\d+)$/.exec(s)
    if (!m || Number(m[2]) > 65535) {
      throw new OptionError(
        `${options.owner}: option 'kafka.bootstrap.servers': '${s}' is not host:port (e.g. 'localhost:9092').`,
        'INVALID_OPTION',
      )
    }
  }
  if (servers.length === 0) {
    throw new OptionError(
      `${options.owner}: option 'kafka.bootstrap.servers' names no broker.`,
      'INVALID_OPTION',
    )
  }
  return servers
}

/** Checks the `kafka.*` options of a source or sink and returns them without the prefix. */
export function readClientConfig(
  options: Options,
  role: 'source' | 'sink',
  clientId: string,
): KafkaClientConfig {
  const known = (role === 'source' ? SOURCE_CLIENT_OPTIONS : SINK_CLIENT_OPTIONS).map((k) => `kafka.${k}`)
  const record = options.toRecord()
  const kafka: Record<string, string> = {}
  for (const [key, value] of Object.entries(record)) {
    if (!key.toLowerCase().startsWith('kafka.')) continue
    const bare = key.slice('kafka.'.length).toLowerCase()
    const refused = REFUSED[bare]
    if (refused) {
      throw new OptionError(
        `${options.owner}: option '${key}' is not supported: ${refused}.`,
        'UNSUPPORTED_OPTION',
      )
    }
    kafka[key] = value
  }
  // Unknown kafka.* keys would be silently ignored by the client: refuse them with near matches.
  new Options(kafka, options.owner).checkKnown(known)
  const bootstrapServers = readBootstrapServers(options)
  const properties: Record<string, string> = {}
  for (const [key, value] of Object.entries(kafka))
    properties[key.slice('kafka.'.length).toLowerCase()] = value
  const isolation = options.oneOf(
    'kafka.isolation.level',
    ['read_uncommitted', 'read_committed'],
    'read_uncommitted',
  )
  // Checked now, so that a wrong protocol or missing credentials fail at load(), not at first use.
  securitySettings(options.owner, properties)
  return {
    bootstrapServers,
    clientId: properties['client.id'] ?? clientId,
    properties,
    isolationLevel: isolation,
  }
}

export interface TlsSettings {
  readonly caFile: string | undefined
  readonly certFile: string | undefined
  readonly keyFile: string | undefined
  readonly keyPassword: string | undefined
  readonly verifyCertificate: boolean
  readonly verifyHostname: boolean
}

export interface SaslSettings {
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER'
  readonly username: string | undefined
  readonly password: string | undefined
  readonly token: string | undefined
}

export interface SecuritySettings {
  readonly tls: TlsSettings | undefined
  readonly sasl: SaslSettings | undefined
}

/** `username="x" password="y"` out of a Java JAAS line, the way Spark users write SASL credentials. */
function jaasValue(jaas: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(jaas)
  return m ? m[1].replace(/\\(.)/g, '$1') : undefined
}

/** Kafka's security.protocol, sasl.* and ssl.* properties, checked; secrets are never echoed. */
export function securitySettings(owner: string, p: Readonly<Record<string, string>>): SecuritySettings {
  const protocol = (p['security.protocol'] ?? 'PLAINTEXT').toUpperCase()
  const protocols = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
  if (!protocols.includes(protocol)) {
    throw new OptionError(
      `${owner}: option 'kafka.security.protocol' must be one of ${protocols.join(', ')}, got '${p['security.protocol']}'.`,
      'INVALID_OPTION',
    )
  }
  const bool = (key: string, fallback: boolean): boolean => {
    const v = p[key]
    if (v === undefined) return fallback
    if (v.toLowerCase() === 'true') return true
    if (v.toLowerCase() === 'false') return false
    throw new OptionError(
      `${owner}: option 'kafka.${key}' must be true or false, got '${v}'.`,
      'INVALID_OPTION',
    )
  }
  const tls: TlsSettings | undefined = protocol.endsWith('SSL')
    ? {
        caFile: p['ssl.ca.location'],
        certFile: p['ssl.certificate.location'],
        keyFile: p['ssl.key.location'],
        keyPassword: p['ssl.key.password'],
        verifyCertificate: bool('enable.ssl.certificate.verification', true),
        verifyHostname: (p['ssl.endpoint.identification.algorithm'] ?? 'https') !== '',
      }
    : undefined
  if (!tls) {
    const sslKeys = Object.keys(p).filter(
      (k) => k.startsWith('ssl.') || k === 'enable.ssl.certificate.verification',
    )
    if (sslKeys.length > 0) {
      throw new OptionError(
        `${owner}: option 'kafka.${sslKeys[0]}' has no effect with security.protocol ${protocol}. Set 'kafka.security.protocol' to SSL or SASL_SSL.`,
        'INVALID_OPTION',
      )
    }
  }
  let sasl: SaslSettings | undefined
  if (protocol.startsWith('SASL')) {
    const mechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const
    const given = (p['sasl.mechanism'] ?? 'PLAIN').toUpperCase()
    const mechanism = mechanisms.find((m) => m === given)
    if (!mechanism) {
      throw new OptionError(
        `${owner}: option 'kafka.sasl.mechanism' must be one of ${mechanisms.join(', ')}, got '${p['sasl.mechanism']}' (GSSAPI/Kerberos is not supported).`,
        'INVALID_OPTION',
      )
    }
    const jaas = p['sasl.jaas.config'] ?? ''
    const username = p['sasl.username'] ?? jaasValue(jaas, 'username')
    const password = p['sasl.password'] ?? jaasValue(jaas, 'password')
    const token = p['sasl.oauthbearer.token']
    if (
      mechanism === 'OAUTHBEARER' ? token === undefined : username === undefined || password === undefined
    ) {
      throw new OptionError(
        mechanism === 'OAUTHBEARER'
          ? `${owner}: SASL mechanism OAUTHBEARER needs 'kafka.sasl.oauthbearer.token'.`
          : `${owner}: SASL mechanism ${mechanism} needs a user name and password: set 'kafka.sasl.username' and 'kafka.sasl.password', or 'kafka.sasl.jaas.config' with username="..." password="...".`,
        'MISSING_OPTION',
      )
    }
    sasl = { mechanism, username, password, token }
  } else {
    const saslKeys = Object.keys(p).filter((k) => k.startsWith('sasl.'))
    if (saslKeys.length > 0) {
      throw new OptionError(
        `${owner}: option 'kafka.${saslKeys[0]}' has no effect with security.protocol ${protocol}. Set 'kafka.security.protocol' to SASL_SSL or SASL_PLAINTEXT.`,
        'INVALID_OPTION',
      )
    }
  }
  return { tls, sasl }
}
