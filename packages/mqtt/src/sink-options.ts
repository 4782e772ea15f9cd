/** The `mqtt` sink's options. */
import { OptionError, type Options } from '@tributary/core'
import { CONNECTION_OPTIONS, type MqttConnectionConfig, readConnectionOptions } from './connection-options.js'

export const SINK_OPTIONS = [...CONNECTION_OPTIONS, 'topic', 'qos', 'retain', 'maxInflight'] as const

export interface MqttSinkConfig {
  readonly connection: MqttConnectionConfig
  readonly topic: string | undefined
  readonly qos: 0 | 1
  readonly retain: boolean
  readonly maxInflight: number
}

export function readSinkOptions(options: Options): MqttSinkConfig {
  const connection = readConnectionOptions(options)
  const maxInflight = options.getPositiveInt('maxInflight', 100)!
  if (maxInflight > 65535) {
    throw new OptionError(
      `${options.owner}: option 'maxInflight' must be at most 65535 (MQTT packet ids), got ${maxInflight}.`,
      'INVALID_OPTION',
    )
  }
  return {
    // The sink has nothing to resume: a clean session, and an id of its own unless given.
    connection: { ...connection, clientOptions: { ...connection.clientOptions, clean: true } },
    topic: options.get('topic'),
    qos: Number(options.oneOf('qos', ['0', '1'], '1')) as 0 | 1,
    retain: options.getBoolean('retain', false),
    maxInflight,
  }
}
