/**
 * Rows to Kafka records, with Spark's columns: value (required, string or binary), key
 * (string or binary), topic (string; the 'topic' option overrides it), partition (int; else
 * the producer's partitioner, by key hash), headers (array<struct<key:string,value:binary>>).
 * Checked once against the schema; errors list the columns there are.
 */
import {
  AnalysisError,
  type ColumnarBatch,
  type DataType,
  type Schema,
  TributaryError,
  type Vector,
} from '@tributary/core'
import type { KafkaHeader, ProducerRecord } from './adapter.js'

export interface RecordLayout {
  readonly topic: string | number
  readonly value: number
  readonly key: number | undefined
  readonly partition: number | undefined
  readonly headers: number | undefined
}

const columns = (schema: Schema<unknown>) =>
  schema.fields.map((f) => `${f.name}: ${typeOf(f.type)}`).join(', ')

function typeOf(t: DataType): string {
  if (t.kind === 'array') return `array<${typeOf(t.element)}>`
  if (t.kind === 'struct') return `struct<${t.fields.map((f) => `${f.name}:${typeOf(f.type)}`).join(',')}>`
  if (t.kind === 'map') return `map<${typeOf(t.key)},${typeOf(t.value)}>`
  return t.kind
}

function column(
  schema: Schema<unknown>,
  name: string,
  allowed: (t: DataType) => boolean,
  want: string,
): number | undefined {
  const i = schema.indexOf(name)
  if (i < 0) return undefined
  const t = schema.fields[i].type
  if (!allowed(t)) {
    throw new AnalysisError(
      `KAFKA_SINK_COLUMN_TYPE: the kafka sink's '${name}' column must be ${want}, but it is ${typeOf(t)}. Cast it, e.g. col('${name}').cast('string') (or to_json(...) for structured values).`,
      'KAFKA_SINK_COLUMN_TYPE',
    )
  }
  return i
}

const bytesLike = (t: DataType) => t.kind === 'string' || t.kind === 'binary'
const headersLike = (t: DataType) =>
  t.kind === 'array' &&
  t.element.kind === 'struct' &&
  t.element.fields.some((f) => f.name === 'key' && f.type.kind === 'string') &&
  t.element.fields.some((f) => f.name === 'value' && bytesLike(f.type))

export function recordLayout(schema: Schema<unknown>, topicOption: string | undefined): RecordLayout {
  const value = column(schema, 'value', bytesLike, 'string or binary')
  if (value === undefined) {
    throw new AnalysisError(
      `KAFKA_SINK_NO_VALUE: the kafka sink needs a 'value' column (string or binary); columns: ${columns(schema)}. Add one, e.g. to_json(struct(...)).alias('value').`,
      'KAFKA_SINK_NO_VALUE',
    )
  }
  // As in Spark, the 'topic' option overrides the column, which is then not looked at.
  const topicColumn =
    topicOption === undefined ? column(schema, 'topic', (t) => t.kind === 'string', 'string') : undefined
  if (topicOption === undefined && topicColumn === undefined) {
    throw new AnalysisError(
      `KAFKA_SINK_NO_TOPIC: the kafka sink needs a topic: set .option('topic', ...) or add a string 'topic' column (columns: ${columns(schema)}).`,
      'KAFKA_SINK_NO_TOPIC',
    )
  }
  return {
    topic: topicOption ?? topicColumn!,
    value,
    key: column(schema, 'key', bytesLike, 'string or binary'),
    partition: column(schema, 'partition', (t) => t.kind === 'int' || t.kind === 'long', 'int'),
    headers: column(schema, 'headers', headersLike, 'array<struct<key:string,value:binary>>'),
  }
}

const encoder = new TextEncoder()

function bytesAt(v: Vector, i: number): Uint8Array | null {
  const x = v.kind === 'object' ? v.values[i] : null
  if (x == null) return null
  return typeof x === 'string' ? encoder.encode(x) : (x as Uint8Array)
}

function headersAt(v: Vector, i: number): KafkaHeader[] {
  const x = v.kind === 'object' ? v.values[i] : null
  if (x == null) return []
  return (x as { key: string; value: Uint8Array | string | null }[]).map((h) => ({
    key: h.key,
    value: h.value == null ? null : typeof h.value === 'string' ? encoder.encode(h.value) : h.value,
  }))
}

export function toProducerRecords(batch: ColumnarBatch<unknown>, layout: RecordLayout): ProducerRecord[] {
  const out = new Array<ProducerRecord>(batch.numRows)
  const c = batch.columns
  for (let i = 0; i < batch.numRows; i++) {
    let topic: string
    if (typeof layout.topic === 'string') topic = layout.topic
    else {
      const t =
        c[layout.topic].kind === 'object'
          ? (c[layout.topic] as { values: readonly unknown[] }).values[i]
          : null
      if (typeof t !== 'string' || t === '') {
        throw new TributaryError(
          `KAFKA_SINK_NULL_TOPIC: row ${i} of the batch has no topic (${JSON.stringify(t)}). Filter such rows out, or set .option('topic', ...).`,
          'KAFKA_SINK_NULL_TOPIC',
        )
      }
      topic = t
    }
    let partition: number | null = null
    if (layout.partition !== undefined) {
      const pv = c[layout.partition]
      const isNull = pv.kind !== 'object' && pv.validity !== null && pv.validity[i] === 0
      if (!isNull && pv.kind === 'number') {
        partition = pv.values[i]
        if (!Number.isInteger(partition) || partition < 0) {
          throw new TributaryError(
            `KAFKA_SINK_BAD_PARTITION: row ${i} has partition ${partition}; partitions are integers ≥ 0.`,
            'KAFKA_SINK_BAD_PARTITION',
          )
        }
      }
    }
    out[i] = {
      topic,
      partition,
      key: layout.key === undefined ? null : bytesAt(c[layout.key], i),
      value: bytesAt(c[layout.value], i),
      headers: layout.headers === undefined ? [] : headersAt(c[layout.headers], i),
    }
  }
  return out
}
