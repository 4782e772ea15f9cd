/**
 * What the `nats` sink publishes for a row: the payload (a string or binary column, or the
 * whole row as JSON), the subject, and headers from a `headers` map column.
 */
import { AnalysisError, type ColumnarBatch, type Schema, typeToString, type Vector } from '@tributary/core'

const encoder = new TextEncoder()

/** How to turn row i of a batch into a message. */
export interface MessagePlan {
  subjectOf(batch: ColumnarBatch<unknown>, i: number): string | null
  payloadOf(batch: ColumnarBatch<unknown>, i: number): Uint8Array
  headersOf(batch: ColumnarBatch<unknown>, i: number): Record<string, string> | null
  /** Said in the sink's description: where the payload comes from. */
  readonly payloadFrom: string
}

function objectAt(v: Vector, i: number): unknown {
  if (v.kind === 'object') return v.values[i] ?? null
  if (v.validity !== null && v.validity[i] === 0) return null
  return v.kind === 'number' ? v.values[i] : v.values[i] === 1
}

/** A row's value as JSON wants it: times as ISO strings, binary as base64. */
function jsonValue(type: Vector['type'], value: unknown): unknown {
  if (value == null) return null
  if ((type.kind === 'timestamp' || type.kind === 'date') && typeof value === 'number') {
    return new Date(value).toISOString()
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  return value
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  return value
}

export function planMessages(
  schema: Schema<unknown>,
  subject: string | undefined,
  valueColumn: string | undefined,
): MessagePlan {
  const subjectIndex = subject === undefined ? schema.indexOf('subject') : -1
  if (subject === undefined) {
    if (subjectIndex < 0) {
      throw new AnalysisError(
        `NATS_SUBJECT_REQUIRED: the nats sink needs a subject: set option 'subject', or give the rows a 'subject' column. Columns: ${schema.names.join(', ')}.`,
        'NATS_SUBJECT_REQUIRED',
      )
    }
    if (schema.fields[subjectIndex].type.kind !== 'string') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the nats sink's 'subject' column must be a string, but it is ${typeToString(schema.fields[subjectIndex].type)}. Cast it: col('subject').cast('string').`,
        'DATATYPE_MISMATCH',
      )
    }
  }
  const headersIndex = schema.indexOf('headers')
  if (headersIndex >= 0) {
    const t = schema.fields[headersIndex].type
    if (t.kind !== 'map' || t.value.kind !== 'string') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the nats sink reads a 'headers' column as message headers, so it must be map<string,string>, but it is ${typeToString(t)}. Rename the column, or build a map of strings.`,
        'DATATYPE_MISMATCH',
      )
    }
  }
  const valueName = valueColumn ?? (schema.has('data') ? 'data' : schema.has('value') ? 'value' : undefined)
  let payloadOf: MessagePlan['payloadOf']
  let payloadFrom: string
  if (valueName !== undefined) {
    const index = schema.indexOf(valueName)
    if (index < 0) schema.field(valueName) // throws the unknown-column error with near matches
    const kind = schema.fields[index].type.kind
    if (kind !== 'string' && kind !== 'binary') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the nats sink's payload column '${valueName}' must be string or binary, but it is ${typeToString(schema.fields[index].type)}. Cast it to string, or drop option 'valueColumn' to publish each row as JSON.`,
        'DATATYPE_MISMATCH',
      )
    }
    payloadOf = (batch, i) => {
      const v = objectAt(batch.columns[index], i)
      if (v == null) return new Uint8Array(0)
      return typeof v === 'string' ? encoder.encode(v) : (v as Uint8Array)
    }
    payloadFrom = `column ${valueName}`
  } else {
    // Routing columns are not part of the payload: they are already on the message.
    const skip = new Set([subjectIndex, headersIndex])
    const fields = schema.fields.map((f, c) => ({ f, c })).filter(({ c }) => !skip.has(c))
    payloadOf = (batch, i) => {
      const row: Record<string, unknown> = {}
      for (const { f, c } of fields) row[f.name] = jsonValue(f.type, objectAt(batch.columns[c], i))
      return encoder.encode(JSON.stringify(row, jsonReplacer))
    }
    payloadFrom = 'row as JSON'
  }
  return {
    subjectOf: (batch, i) => subject ?? (objectAt(batch.columns[subjectIndex], i) as string | null),
    payloadOf,
    headersOf: (batch, i) =>
      headersIndex < 0 ? null : (objectAt(batch.columns[headersIndex], i) as Record<string, string> | null),
    payloadFrom,
  }
}
