/** The `mqtt` source's options, read and checked once, at load() and again at start. */
import {
  BUFFER_OPTIONS,
  type BufferLimits,
  OptionError,
  type Options,
  readBufferLimits,
} from '@tributary/core'
import { CONNECTION_OPTIONS, type MqttConnectionConfig, readConnectionOptions } from './connection-options.js'
import { parseTopicFilters } from './topic-filter.js'

export const SOURCE_OPTIONS = [
  ...CONNECTION_OPTIONS,
  'topics',
  'qos',
  'cleanSession',
  'sessionExpiryInterval',
  'receiveMaximum',
  'maxMessagesPerTrigger',
  ...BUFFER_OPTIONS,
] as const

/**
 * Messages waiting in memory at most. QoS 1 messages with deferred acknowledgements are
 * also bounded by the broker's in-flight window (receiveMaximum); QoS 0 messages only by this.
 * MQTT cannot pause one subscription (only the whole connection, which would stop keep-alive
 * answers), so a full buffer fails the query or drops messages.
 */
const DEFAULT_LIMITS: BufferLimits = { maxRows: 1_000_000, maxBytes: 256 * 1024 * 1024, onFull: 'fail' }

/** MQTT 5's "never expires": the session outlives any stop, as an MQTT 3.1.1 persistent session does. */
const NEVER_EXPIRES = 0xffffffff

export interface MqttSourceConfig {
  readonly connection: MqttConnectionConfig
  readonly topics: readonly string[]
  readonly qos: 0 | 1
  readonly cleanSession: boolean
  readonly maxMessagesPerTrigger: number | undefined
  readonly buffer: BufferLimits
}

function integerIn(options: Options, key: string, min: number, max: number, fallback: number): number {
  const n = options.getNumber(key, fallback)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new OptionError(
      `${options.owner}: option '${key}' must be an integer from ${min} to ${max}, got '${options.get(key)}'.`,
      'INVALID_OPTION',
    )
  }
  return n
}

export function readSourceOptions(options: Options, defaultClientId?: string): MqttSourceConfig {
  const topics = parseTopicFilters(
    options.owner,
    'topics',
    options.require('topics', "Name the topic filters to subscribe to, e.g. .option('topics', 'sensors/#')."),
  )
  const qos = Number(options.oneOf('qos', ['0', '1'], '1')) as 0 | 1
  const cleanSession = options.getBoolean('cleanSession', false)
  const connection = readConnectionOptions(options, defaultClientId)
  const sessionExpiry = integerIn(options, 'sessionExpiryInterval', 0, NEVER_EXPIRES, NEVER_EXPIRES)
  const receiveMaximum = integerIn(options, 'receiveMaximum', 1, 65535, 65535)
  if (connection.protocolVersion === 4) {
    for (const key of ['sessionExpiryInterval', 'receiveMaximum']) {
      if (options.has(key)) {
        throw new OptionError(
          `${options.owner}: option '${key}' is an MQTT 5 setting, but protocolVersion is 4. Remove it, or use protocolVersion 5.`,
          'INVALID_OPTION',
        )
      }
    }
  }
  const clientOptions = {
    ...connection.clientOptions,
    clean: cleanSession,
    ...(connection.protocolVersion === 5
      ? {
          properties: {
            // A clean session ends at disconnect; a persistent one keeps QoS 1 messages for the next run.
            sessionExpiryInterval: cleanSession ? 0 : sessionExpiry,
            receiveMaximum,
          },
        }
      : {}),
  }
  return {
    connection: { ...connection, clientOptions },
    topics,
    qos,
    cleanSession,
    maxMessagesPerTrigger: options.getPositiveInt('maxMessagesPerTrigger'),
    buffer: readBufferLimits(options, DEFAULT_LIMITS, ['fail', 'drop']),
  }
}
