/**
 * Opening a connection to the broker, or failing with a message that names the broker's host
 * and port, the cause and the fix. Passwords never appear: the URL is printed without them.
 */
import { TributaryError } from '@tributary/core'
import { connect, type IConnackPacket, type MqttClient } from 'mqtt'
import type { MqttConnectionConfig } from './connection-options.js'

/** Why a broker refused a CONNECT, by MQTT 3.1.1 return code and MQTT 5 reason code. */
const REFUSALS: Record<number, { reason: string; fix: string; code: string }> = {
  1: {
    reason: 'unacceptable protocol version',
    fix: "set .option('protocolVersion', 4)",
    code: 'MQTT_PROTOCOL',
  },
  2: {
    reason: 'client identifier rejected',
    fix: "set .option('clientId', ...) to a shorter id of letters and digits",
    code: 'MQTT_CLIENT_ID',
  },
  3: { reason: 'server unavailable', fix: 'retry when the broker is up', code: 'MQTT_UNAVAILABLE' },
  4: {
    reason: 'bad user name or password',
    fix: "check the 'username' and 'password' options",
    code: 'MQTT_AUTH_FAILED',
  },
  5: {
    reason: 'not authorized',
    fix: "check the broker's access rules for this user and client id",
    code: 'MQTT_NOT_AUTHORIZED',
  },
  132: {
    reason: 'unsupported protocol version',
    fix: "set .option('protocolVersion', 4)",
    code: 'MQTT_PROTOCOL',
  },
  133: {
    reason: 'client identifier not valid',
    fix: "set .option('clientId', ...) to a shorter id of letters and digits",
    code: 'MQTT_CLIENT_ID',
  },
  134: {
    reason: 'bad user name or password',
    fix: "check the 'username' and 'password' options",
    code: 'MQTT_AUTH_FAILED',
  },
  135: {
    reason: 'not authorized',
    fix: "check the broker's access rules for this user and client id",
    code: 'MQTT_NOT_AUTHORIZED',
  },
  136: { reason: 'server unavailable', fix: 'retry when the broker is up', code: 'MQTT_UNAVAILABLE' },
  137: { reason: 'server busy', fix: 'retry later', code: 'MQTT_UNAVAILABLE' },
  138: { reason: 'banned', fix: "ask the broker's operator", code: 'MQTT_NOT_AUTHORIZED' },
  140: {
    reason: 'bad authentication method',
    fix: "check the broker's authentication settings",
    code: 'MQTT_AUTH_FAILED',
  },
}

/** The error for a failed connection attempt; `what` is e.g. "the mqtt source". */
export function connectError(
  what: string,
  config: Pick<MqttConnectionConfig, 'address'>,
  e: unknown,
): TributaryError {
  const err = e as Error & { code?: unknown }
  if (typeof err.code === 'number' && REFUSALS[err.code]) {
    const r = REFUSALS[err.code]
    return new TributaryError(
      `${r.code}: ${what}: the MQTT broker at ${config.address} refused the connection: ${r.reason} (reason code ${err.code}). Fix: ${r.fix}.`,
      r.code,
      { cause: e },
    )
  }
  const code = typeof err.code === 'string' ? err.code : undefined
  return new TributaryError(
    `MQTT_CONNECT_FAILED: ${what} cannot connect to the MQTT broker at ${config.address} (${code ?? err.message}). Start the broker (for example \`mosquitto -p ${config.address.split(':').pop()}\`), or fix the 'brokerUrl' option.`,
    'MQTT_CONNECT_FAILED',
    { cause: e },
  )
}

export interface OpenedClient {
  readonly client: MqttClient
  readonly connack: IConnackPacket
}

/**
 * Connects once, without mqtt.js's automatic retries, so that a wrong address or password
 * fails start() at once. `beforeConnect` attaches listeners before any packet can arrive (a
 * persistent session starts delivering right after CONNACK, before any SUBSCRIBE).
 */
export function openClient(
  what: string,
  config: MqttConnectionConfig,
  beforeConnect: (client: MqttClient) => void = () => {},
): Promise<OpenedClient> {
  return new Promise((resolve, reject) => {
    const client = connect(config.brokerUrl, config.clientOptions)
    beforeConnect(client)
    let settled = false
    const timer = setTimeout(
      () =>
        fail(
          Object.assign(new Error(`no answer within ${config.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }),
        ),
      config.connectTimeoutMs,
    )
    function fail(e: unknown): void {
      if (settled) return
      settled = true
      clearTimeout(timer)
      client.end(true)
      reject(connectError(what, config, e))
    }
    const onClose = () =>
      fail(Object.assign(new Error('the broker closed the connection'), { code: 'ECONNRESET' }))
    client.once('error', fail)
    client.once('close', onClose)
    client.once('connect', (connack) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      client.removeListener('error', fail)
      client.removeListener('close', onClose)
      resolve({ client, connack })
    })
  })
}
