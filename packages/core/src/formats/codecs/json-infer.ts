/**
 * Spark's JSON schema inference: long for integers, double for other numbers, struct for
 * objects (fields sorted by name at every level), arrays of the widened element types;
 * strings stay strings unless `inferTimestamp` is on and they read as timestamps. Records
 * are widened together; under PERMISSIVE a malformed one adds the corrupt-record column.
 */
import { readFileSync } from 'node:fs'
import {
  arrayOf,
  BooleanType,
  type DataType,
  DoubleType,
  LongType,
  NullType,
  StringType,
  type StructField,
  structOf,
  TimestampType,
} from '../../types/data-types.js'
import { Schema } from '../../types/schema.js'
import type { Options } from '../../util/options.js'
import { byName, inferenceBudget, nullsAsString, widenJsonTypes } from './infer.js'
import { isJsonObject, jsonRecords, rawText } from './json-records.js'
import { describeJson } from './json-values.js'
import { readHeadBytes } from './lines.js'
import { corruptColumnName, type MalformedPolicy, malformedRecordError, readParseMode } from './parse-mode.js'
import { type TextToMillis, temporalOptions, timestampParser } from './temporal.js'
import { lineSepOption, requireUtf8 } from './text-options.js'

/** Past 2^63 Spark infers a decimal; the nearest we have is double. */
const LONG_LIMIT = 2 ** 63

function inferJsonType(v: unknown, timestamp: TextToMillis | null): DataType {
  if (v === null) return NullType
  switch (typeof v) {
    case 'boolean':
      return BooleanType
    case 'number':
      // JSON.parse reads 1.0 as 1, so an integral float infers as long; Spark would say double.
      return Number.isInteger(v) && Math.abs(v) < LONG_LIMIT ? LongType : DoubleType
    case 'string':
      return timestamp !== null && timestamp(v) !== null ? TimestampType : StringType
    default:
      break
  }
  if (Array.isArray(v)) {
    let element: DataType = NullType
    for (const x of v) element = widenJsonTypes(element, inferJsonType(x, timestamp))
    return arrayOf(element)
  }
  const fields: StructField[] = []
  for (const [name, x] of Object.entries(v as Record<string, unknown>)) {
    fields.push({ name, type: inferJsonType(x, timestamp), nullable: true })
  }
  return structOf(fields.sort(byName))
}

export function inferJsonSchema(files: readonly string[], options: Options): Schema<unknown> {
  requireUtf8(options)
  const budget = inferenceBudget(options)
  const mode = readParseMode(options)
  const corruptColumn = corruptColumnName(options)
  const policy: MalformedPolicy = { mode, corruptColumn, corruptIndex: -1 }
  const timestamp = options.getBoolean('inferTimestamp', false)
    ? timestampParser(temporalOptions(options))
    : null
  const multiLine = options.getBoolean('multiLine', false)
  let root: DataType = structOf([])
  let sawMalformed = false
  let k = 0
  for (const file of files) {
    const max = budget.maxRecordsPerFile
    // Only as much of the file as the budget needs; a document must be read whole.
    const bytes =
      multiLine || !Number.isFinite(max)
        ? readFileSync(file)
        : readHeadBytes(file, max, lineSepOption(options))
    for (const record of jsonRecords(bytes, file, options, max)) {
      if (!budget.sampled(k++)) continue
      let problem = record.problem
      if (problem === undefined && !isJsonObject(record.parsed)) {
        problem = `a record must be a JSON object, found ${describeJson(record.parsed)}`
      }
      if (problem === undefined) {
        root = widenJsonTypes(root, inferJsonType(record.parsed, timestamp))
        continue
      }
      if (mode === 'FAILFAST') throw malformedRecordError(file, record.at, problem, rawText(record), policy)
      if (mode === 'PERMISSIVE') sawMalformed = true
    }
  }
  const fields = root.kind === 'struct' ? root.fields.map((f) => ({ ...f, type: nullsAsString(f.type) })) : []
  if (sawMalformed && !fields.some((f) => f.name === corruptColumn)) {
    fields.push({ name: corruptColumn, type: StringType, nullable: true })
    fields.sort(byName)
  }
  return new Schema(fields)
}
