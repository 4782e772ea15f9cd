/**
 * Which columns the `mqtt` sink publishes: the topic (the 'topic' option, else a string
 * column 'topic') and the payload (a string or binary column 'payload', else 'value', else
 * the whole row as JSON). Decided once per query from the schema; errors list the columns.
 */
import { AnalysisError, type ColumnarBatch, type Schema, TributaryError, type Vector } from '@tributary/core'
import { checkTopicName } from './topic-filter.js'

export type PayloadSource = { kind: 'column'; index: number; name: string } | { kind: 'json' }

export interface RowLayout {
  /** A fixed topic, or the index of the string column that holds each row's topic. */
  readonly topic: string | number
  readonly payload: PayloadSource
}

const columnsOf = (schema: Schema<unknown>) =>
  schema.fields.map((f) => `${f.name}: ${f.type.kind}`).join(', ')

export function rowLayout(schema: Schema<unknown>, topicOption: string | undefined): RowLayout {
  let topic: string | number
  if (topicOption !== undefined) {
    const bad = checkTopicName(topicOption)
    if (bad) {
      throw new AnalysisError(
        `MQTT_INVALID_TOPIC: the mqtt sink cannot publish to '${topicOption}': ${bad}. Give a topic name without wildcards.`,
        'MQTT_INVALID_TOPIC',
      )
    }
    topic = topicOption
  } else {
    const i = schema.indexOf('topic')
    if (i < 0 || schema.fields[i].type.kind !== 'string') {
      throw new AnalysisError(
        `MQTT_TOPIC_MISSING: the mqtt sink needs a topic: add .option('topic', 'some/topic'), or a string column 'topic' (columns: ${columnsOf(schema)}).`,
        'MQTT_TOPIC_MISSING',
      )
    }
    topic = i
  }
  for (const name of ['payload', 'value']) {
    const i = schema.indexOf(name)
    if (i < 0) continue
    const kind = schema.fields[i].type.kind
    if (kind !== 'string' && kind !== 'binary') {
      throw new AnalysisError(
        `MQTT_PAYLOAD_TYPE: the mqtt sink publishes column '${name}' as the payload, but it is ${kind}; it must be string or binary. Cast it (col('${name}').cast('string')), or use to_json for structured values.`,
        'MQTT_PAYLOAD_TYPE',
      )
    }
    return { topic, payload: { kind: 'column', index: i, name } }
  }
  return { topic, payload: { kind: 'json' } }
}

/** JSON of one row: timestamps as ISO text, binary as base64 (JSON has neither). */
function jsonReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  return value
}

export interface OutgoingMessage {
  readonly topic: string
  readonly payload: Buffer
}

function textOrBytes(v: Vector, i: number): Buffer {
  const value = v.kind === 'object' ? v.values[i] : null
  if (value == null) return Buffer.alloc(0)
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  const bytes = value as Uint8Array
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** The messages of one batch, in row order. A null payload column value is an empty message. */
export function outgoingMessages(batch: ColumnarBatch<unknown>, layout: RowLayout): OutgoingMessage[] {
  const out: OutgoingMessage[] = new Array(batch.numRows)
  const topicColumn = typeof layout.topic === 'number' ? batch.columns[layout.topic] : null
  for (let i = 0; i < batch.numRows; i++) {
    let topic = layout.topic as string
    if (topicColumn) {
      const t = topicColumn.kind === 'object' ? topicColumn.values[i] : null
      const bad = typeof t === 'string' ? checkTopicName(t) : 'it is null'
      if (bad) {
        throw new TributaryError(
          `MQTT_INVALID_TOPIC: row ${i} of the batch has topic ${JSON.stringify(t)}, which the mqtt sink cannot publish to: ${bad}. Filter such rows out, or set .option('topic', ...).`,
          'MQTT_INVALID_TOPIC',
        )
      }
      topic = t as string
    }
    const payload =
      layout.payload.kind === 'column'
        ? textOrBytes(batch.columns[layout.payload.index], i)
        : Buffer.from(JSON.stringify(batch.row(i), jsonReplacer), 'utf8')
    out[i] = { topic, payload }
  }
  return out
}
