/**
 * Entries to rows. Without a schema each entry is `{ stream, id, timestamp, fields }` with
 * its fields as a map of strings. With `.schema(...)`, each column is the entry field of
 * the same name, parsed to the column's type; the columns `_stream`, `_id` and
 * `_timestamp` hold the entry's key, id and time instead (the names spark-redis uses), and
 * a field that cannot be parsed is handled by option `mode`.
 */
import {
  AnalysisError,
  ColumnarBatch,
  type DeadLetter,
  MalformedRecordError,
  mapOf,
  Schema,
  StringType,
  TimestampType,
  typeToString,
} from '@tributary/core'
import { ColumnFiller } from './columns.js'
import type { ParseMode } from './options.js'
import type { StreamEntry } from './range-reader.js'
import { idMillis } from './stream-id.js'

/** `{ stream: string; id: string; timestamp: Date; fields: Record<string, string> }` */
export const REDIS_SCHEMA = new Schema<{
  stream: string
  id: string
  timestamp: Date
  fields: Record<string, string>
}>([
  { name: 'stream', type: StringType, nullable: false },
  { name: 'id', type: StringType, nullable: false },
  { name: 'timestamp', type: TimestampType, nullable: false },
  { name: 'fields', type: mapOf(StringType, StringType), nullable: false },
])

const META: Record<string, string> = { _stream: 'string', _id: 'string', _timestamp: 'timestamp' }
const PARSEABLE = new Set([
  'string',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'timestamp',
  'date',
  'binary',
])

/** Refuses a schema the source cannot fill, before the query starts. */
export function checkUserSchema(schema: Schema<unknown>, corruptColumn: string): void {
  for (const f of schema.fields) {
    const kind = f.type.kind
    const meta = META[f.name]
    if (meta !== undefined && kind !== meta) {
      throw new AnalysisError(
        `INVALID_SCHEMA: column '${f.name}' holds the entry's ${f.name.slice(1)} and must be ${meta}, but the schema declares ${typeToString(f.type)}.`,
        'INVALID_SCHEMA',
      )
    }
    if (f.name === corruptColumn && kind !== 'string') {
      throw new AnalysisError(
        `INVALID_CORRUPT_RECORD_COLUMN: the column for malformed entries '${f.name}' must be a string, but the schema declares ${typeToString(f.type)}.`,
        'INVALID_CORRUPT_RECORD_COLUMN',
      )
    }
    if (!PARSEABLE.has(kind)) {
      throw new AnalysisError(
        `INVALID_SCHEMA: the redis source cannot parse field '${f.name}' as ${typeToString(f.type)}: stream fields are text. Declare it as a string and parse it in the query (e.g. from_json), or use one of ${[...PARSEABLE].join(', ')}.`,
        'INVALID_SCHEMA',
      )
    }
  }
}

/** An engine value for `text` of the given kind, or undefined when it does not parse. */
function parse(kind: string, raw: Buffer): unknown {
  if (kind === 'binary') return new Uint8Array(raw)
  const text = raw.toString('utf8')
  const t = text.trim()
  switch (kind) {
    case 'string':
      return text
    case 'boolean': {
      const l = t.toLowerCase()
      if (l === 'true' || l === '1') return true
      if (l === 'false' || l === '0') return false
      return undefined
    }
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(t)) return undefined
      const n = Number(t)
      if (!Number.isSafeInteger(n)) return undefined
      return kind === 'int' && (n < -2147483648 || n > 2147483647) ? undefined : n
    }
    case 'float':
    case 'double': {
      const n = Number(t)
      return t === '' || (Number.isNaN(n) && t !== 'NaN') ? undefined : n
    }
    case 'timestamp':
    case 'date': {
      // Epoch milliseconds, or an ISO-8601 date or date-time.
      let ms: number
      if (/^-?\d+$/.test(t)) ms = Number(t)
      else if (/^\d{4}-\d{2}-\d{2}/.test(t)) ms = Date.parse(t)
      else return undefined
      if (!Number.isFinite(ms)) return undefined
      return kind === 'date' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms
    }
    default:
      return undefined
  }
}

const fieldsText = (e: StreamEntry): string =>
  JSON.stringify(Object.fromEntries(e.fields.map(([k, v]) => [k, v.toString('utf8')])))

export function untypedBatch(entries: readonly StreamEntry[]): ColumnarBatch<unknown> {
  const n = entries.length
  const streams = new ColumnFiller(StringType, n)
  const ids = new ColumnFiller(StringType, n)
  const times = new ColumnFiller(TimestampType, n)
  const fields = new ColumnFiller(mapOf(StringType, StringType), n)
  for (let i = 0; i < n; i++) {
    const e = entries[i]
    streams.set(i, e.stream)
    ids.set(i, e.id)
    times.set(i, idMillis(e.id))
    const map: Record<string, string> = {}
    for (const [k, v] of e.fields) map[k] = v.toString('utf8')
    fields.set(i, map)
  }
  const columns = [streams, ids, times, fields].map((c) => c.finish())
  return new ColumnarBatch(REDIS_SCHEMA as Schema<unknown>, columns, n)
}

export interface TypedResult {
  readonly data: ColumnarBatch<unknown>
  readonly dropped: number
  /** Entries that could not be read, for withDeadLetters: where they are, as text, and why. */
  readonly deadLetters: DeadLetter[]
}

export function typedBatch(
  entries: readonly StreamEntry[],
  schema: Schema<unknown>,
  mode: ParseMode,
  corruptColumn: string,
): TypedResult {
  const fields = schema.fields
  const kinds = fields.map((f) => f.type.kind)
  const corruptIndex = schema.indexOf(corruptColumn)
  const fillers = fields.map((f) => new ColumnFiller(f.type, entries.length))
  const values = new Array<unknown>(fields.length)
  let row = 0
  let dropped = 0
  const deadLetters: DeadLetter[] = []
  for (const e of entries) {
    const byName = new Map(e.fields)
    let bad: string | undefined
    for (let c = 0; c < fields.length; c++) {
      const name = fields[c].name
      values[c] = null
      if (name === '_stream') values[c] = e.stream
      else if (name === '_id') values[c] = e.id
      else if (name === '_timestamp') values[c] = idMillis(e.id)
      else if (c !== corruptIndex) {
        const raw = byName.get(name)
        if (raw === undefined) continue
        const v = parse(kinds[c], raw)
        if (v === undefined) {
          bad ??= `field '${name}' = ${JSON.stringify(raw.toString('utf8').slice(0, 100))} is not a ${kinds[c]}`
          continue
        }
        values[c] = v
      }
    }
    if (bad !== undefined) {
      if (mode === 'FAILFAST') {
        throw new MalformedRecordError(
          `MALFORMED_RECORD: malformed entry in stream '${e.stream}', id ${e.id}: ${bad}. Entry: ${fieldsText(e).slice(0, 300)}. Mode FAILFAST stops at the first malformed entry: fix the data, or read with option mode 'PERMISSIVE' (null where a field cannot be parsed, the entry as JSON in column '${corruptColumn}' if the schema has it) or 'DROPMALFORMED' (skip such entries and count them).`,
          'MALFORMED_RECORD',
        )
      }
      deadLetters.push({ position: { stream: e.stream, id: e.id }, raw: fieldsText(e), error: bad })
      if (mode === 'DROPMALFORMED') {
        dropped++
        continue
      }
      if (corruptIndex >= 0) values[corruptIndex] = fieldsText(e)
    }
    for (let c = 0; c < fields.length; c++) fillers[c].set(row, values[c])
    row++
  }
  const columns = fillers.map((f) => f.finish())
  const full = new ColumnarBatch(schema, columns, entries.length)
  return { data: row === entries.length ? full : full.slice(0, row), dropped, deadLetters }
}
