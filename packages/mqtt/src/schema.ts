/**
 * The rows of the `mqtt` source: one per message, with the topic it was published to and its
 * payload as bytes, since MQTT payloads are opaque (decode with `cast('string')` or from_json).
 */
import { BinaryType, BooleanType, IntType, Schema, StringType, TimestampType } from '@tributary/core'

export interface MqttRow {
  topic: string
  payload: Uint8Array
  qos: number
  retained: boolean
  /** When this process received the message (MQTT carries no publish time). */
  timestamp: Date
}

export const MQTT_SCHEMA = new Schema<MqttRow>([
  { name: 'topic', type: StringType, nullable: false },
  { name: 'payload', type: BinaryType, nullable: true },
  { name: 'qos', type: IntType, nullable: false },
  { name: 'retained', type: BooleanType, nullable: false },
  { name: 'timestamp', type: TimestampType, nullable: false },
])
