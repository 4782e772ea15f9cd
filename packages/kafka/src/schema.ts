/** The rows of the `kafka` source: Spark's columns, names and types. */
import {
  arrayOf,
  BinaryType,
  IntType,
  LongType,
  Schema,
  StringType,
  structOf,
  TimestampType,
} from '@tributary/core'

export interface KafkaHeaderRow {
  key: string
  value: Uint8Array | null
}

export interface KafkaRow {
  key: Uint8Array | null
  value: Uint8Array | null
  topic: string
  partition: number
  offset: number
  timestamp: Date
  /** 0 = CreateTime, 1 = LogAppendTime. */
  timestampType: number
}

export interface KafkaRowWithHeaders extends KafkaRow {
  /** null when the record has no headers, as in Spark. */
  headers: KafkaHeaderRow[] | null
}

export const HEADERS_TYPE = arrayOf(
  structOf([
    { name: 'key', type: StringType, nullable: false },
    { name: 'value', type: BinaryType, nullable: true },
  ]),
)

/**
 * Every column is nullable, as in Spark's KafkaRecordToRowConverter schema: the source
 * always fills topic, partition, offset and timestamp, but a schema that says "never null"
 * would be copied into sinks and joins that must accept Spark's nullable columns.
 */
const fields = [
  { name: 'key', type: BinaryType, nullable: true },
  { name: 'value', type: BinaryType, nullable: true },
  { name: 'topic', type: StringType, nullable: true },
  { name: 'partition', type: IntType, nullable: true },
  { name: 'offset', type: LongType, nullable: true },
  { name: 'timestamp', type: TimestampType, nullable: true },
  { name: 'timestampType', type: IntType, nullable: true },
]

export const KAFKA_SCHEMA = new Schema<KafkaRow>(fields)

export const KAFKA_SCHEMA_WITH_HEADERS = new Schema<KafkaRowWithHeaders>([
  ...fields,
  { name: 'headers', type: HEADERS_TYPE, nullable: true },
])

export const kafkaSchema = (includeHeaders: boolean): Schema<unknown> =>
  (includeHeaders ? KAFKA_SCHEMA_WITH_HEADERS : KAFKA_SCHEMA) as Schema<unknown>
