/** Kafka client properties (`kafka.*`, neutral) as @platformatic/kafka's constructor options. */
import { readFileSync } from 'node:fs'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { OptionError } from '@tributary/core'
import type { KafkaClientConfig } from '../adapter.js'
import { securitySettings } from '../client-options.js'

export interface PlatformaticBaseOptions {
  clientId: string
  bootstrapBrokers: string[]
  connectTimeout?: number
  requestTimeout?: number
  retries?: number
  retryDelay?: number
  metadataMaxAge?: number
  tls?: TlsOptions
  sasl?: {
    mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER'
    username?: string
    password?: string
    token?: string
  }
}

const OWNER = 'kafka options'

export function intProperty(config: KafkaClientConfig, key: string): number | undefined {
  const v = config.properties[key]
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new OptionError(
      `${OWNER}: option 'kafka.${key}' must be a non-negative integer, got '${v}'.`,
      'INVALID_OPTION',
    )
  }
  return n
}

function pem(key: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined
  try {
    return readFileSync(file)
  } catch (e) {
    throw new OptionError(
      `${OWNER}: option 'kafka.${key}' names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Give the path of a PEM file.`,
      'INVALID_OPTION',
    )
  }
}

export function baseOptions(config: KafkaClientConfig): PlatformaticBaseOptions {
  const { tls, sasl } = securitySettings(OWNER, config.properties)
  const out: PlatformaticBaseOptions = {
    clientId: config.clientId,
    bootstrapBrokers: [...config.bootstrapServers],
  }
  const set = <K extends keyof PlatformaticBaseOptions>(k: K, v: PlatformaticBaseOptions[K] | undefined) => {
    if (v !== undefined) out[k] = v
  }
  set('connectTimeout', intProperty(config, 'socket.connection.setup.timeout.ms'))
  set('requestTimeout', intProperty(config, 'request.timeout.ms'))
  set('retries', intProperty(config, 'retries'))
  set('retryDelay', intProperty(config, 'retry.backoff.ms'))
  set('metadataMaxAge', intProperty(config, 'metadata.max.age.ms'))
  if (tls) {
    out.tls = {
      ca: pem('ssl.ca.location', tls.caFile),
      cert: pem('ssl.certificate.location', tls.certFile),
      key: pem('ssl.key.location', tls.keyFile),
      passphrase: tls.keyPassword,
      rejectUnauthorized: tls.verifyCertificate,
      ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
    }
  }
  if (sasl) {
    out.sasl = { mechanism: sasl.mechanism }
    if (sasl.username !== undefined) out.sasl.username = sasl.username
    if (sasl.password !== undefined) out.sasl.password = sasl.password
    if (sasl.token !== undefined) out.sasl.token = sasl.token
  }
  return out
}
