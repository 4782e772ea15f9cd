/**
 * The rows of the `nats` source: one per message, built column by column (numbers and
 * times straight into Float64Arrays, as the engine keeps them).
 */
import {
  BinaryType,
  ColumnarBatch,
  LongType,
  mapOf,
  type NumberVector,
  type ObjectVector,
  Schema,
  StringType,
  TimestampType,
} from '@tributary/core'
import type { StoredMessage } from './range-reader.js'

/** `{ subject: string; data: binary; sequence: long; timestamp: timestamp }` */
export const NATS_SCHEMA = new Schema<{
  subject: string
  data: Uint8Array
  sequence: number
  timestamp: Date
}>([
  { name: 'subject', type: StringType, nullable: false },
  { name: 'data', type: BinaryType, nullable: false },
  { name: 'sequence', type: LongType, nullable: false },
  { name: 'timestamp', type: TimestampType, nullable: false },
])

/** NATS_SCHEMA with `headers: map<string, string>` (option includeHeaders). */
export const NATS_SCHEMA_WITH_HEADERS = new Schema<{
  subject: string
  data: Uint8Array
  sequence: number
  timestamp: Date
  headers: Record<string, string>
}>([...NATS_SCHEMA.fields, { name: 'headers', type: mapOf(StringType, StringType), nullable: false }])

export const schemaFor = (includeHeaders: boolean): Schema<unknown> =>
  (includeHeaders ? NATS_SCHEMA_WITH_HEADERS : NATS_SCHEMA) as Schema<unknown>

export function messagesToBatch(
  messages: readonly StoredMessage[],
  includeHeaders: boolean,
): ColumnarBatch<unknown> {
  const n = messages.length
  const subjects = new Array<string>(n)
  const data = new Array<Uint8Array>(n)
  const sequences = new Float64Array(n)
  const timestamps = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const m = messages[i]
    subjects[i] = m.subject
    data[i] = m.data
    sequences[i] = m.sequence
    timestamps[i] = m.timestampMs
  }
  const object = (type: ObjectVector['type'], values: unknown[]): ObjectVector => ({
    kind: 'object',
    type,
    length: n,
    values,
  })
  const number = (type: NumberVector['type'], values: Float64Array): NumberVector => ({
    kind: 'number',
    type,
    length: n,
    values,
    validity: null,
  })
  const columns = [
    object(StringType, subjects),
    object(BinaryType, data),
    number(LongType, sequences),
    number(TimestampType, timestamps),
  ]
  if (includeHeaders)
    columns.push(
      object(
        mapOf(StringType, StringType),
        messages.map((m) => m.headers ?? {}),
      ),
    )
  return new ColumnarBatch(schemaFor(includeHeaders), columns, n)
}
