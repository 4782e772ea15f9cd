/** Records of several partitions as one columnar batch, columns built directly. */
import {
  BinaryType,
  ColumnarBatch,
  IntType,
  LongType,
  StringType,
  TimestampType,
  type Vector,
} from '@tributary/core'
import type { KafkaRecord, TopicPartition } from './adapter.js'
import { HEADERS_TYPE, kafkaSchema } from './schema.js'

export interface PartitionRecords {
  readonly tp: TopicPartition
  readonly records: readonly KafkaRecord[]
}

export function toColumnarBatch(
  parts: readonly PartitionRecords[],
  includeHeaders: boolean,
): ColumnarBatch<unknown> {
  let n = 0
  for (const p of parts) n += p.records.length
  const keys = new Array<Uint8Array | null>(n)
  const values = new Array<Uint8Array | null>(n)
  const topics = new Array<string>(n)
  const partitions = new Float64Array(n)
  const offsets = new Float64Array(n)
  const timestamps = new Float64Array(n)
  const types = new Float64Array(n)
  const headers = includeHeaders ? new Array<unknown>(n) : null
  let i = 0
  for (const { tp, records } of parts) {
    for (const r of records) {
      keys[i] = r.key
      values[i] = r.value
      topics[i] = tp.topic
      partitions[i] = tp.partition
      offsets[i] = r.offset
      timestamps[i] = r.timestamp
      types[i] = r.timestampType
      if (headers)
        headers[i] = r.headers.length > 0 ? r.headers.map((h) => ({ key: h.key, value: h.value })) : null
      i++
    }
  }
  const num = (type: typeof IntType, values: Float64Array): Vector => ({
    kind: 'number',
    type,
    length: n,
    values,
    validity: null,
  })
  const columns: Vector[] = [
    { kind: 'object', type: BinaryType, length: n, values: keys },
    { kind: 'object', type: BinaryType, length: n, values: values },
    { kind: 'object', type: StringType, length: n, values: topics },
    num(IntType, partitions),
    num(LongType, offsets),
    num(TimestampType, timestamps),
    num(IntType, types),
  ]
  if (headers) columns.push({ kind: 'object', type: HEADERS_TYPE, length: n, values: headers })
  return new ColumnarBatch(kafkaSchema(includeHeaders), columns, n)
}
