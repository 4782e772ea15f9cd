/**
 * JSON Lines (Spark's `json` format): one object per line, or with `multiLine` one JSON
 * document per file (an object, or an array of objects). Fields missing from a record
 * read as null; fields the schema does not name are ignored; blank lines are skipped.
 */
import { readFile } from 'node:fs/promises'
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import { valueAt } from '../../batch/vector.js'
import { Schema } from '../../types/schema.js'
import type { Options } from '../../util/options.js'
import type { FileFormat, FileRange, FileReadResult } from '../file-format.js'
import { inferJsonSchema } from './json-infer.js'
import { isJsonObject, jsonRecords, parseProblem, rawText } from './json-records.js'
import { JsonLineScanner } from './json-scan.js'
import {
  describeJson,
  type JsonToValue,
  jsonReader,
  jsonWriter,
  needsOwnCheck,
  ownField,
  type ValueToJson,
} from './json-values.js'
import { decodeText } from './lines.js'
import { malformedPolicy } from './parse-mode.js'
import { BadValue, RowAssembler } from './row-assembler.js'
import {
  checkTemporalReadOptions,
  dateFormatter,
  dateParser,
  temporalOptions,
  timestampFormatter,
  timestampParser,
} from './temporal.js'
import { lineSepOption, requireUtf8 } from './text-options.js'
import { writeTextChunks } from './write-text.js'

const READ_OPTIONS = [
  'mode',
  'columnNameOfCorruptRecord',
  'timestampFormat',
  'dateFormat',
  'timeZone',
  'multiLine',
  'lineSep',
  'encoding',
  'charset',
  'samplingRatio',
  'inferSchemaMaxRecordsPerFile',
  'inferTimestamp',
] as const

const WRITE_OPTIONS = [
  'timestampFormat',
  'dateFormat',
  'timeZone',
  'lineSep',
  'ignoreNullFields',
  'encoding',
  'charset',
] as const

interface JsonColumn {
  readonly index: number
  readonly name: string
  readonly guarded: boolean
  readonly read: JsonToValue
}

/**
 * Reads one parsed record into the scratch values; returns why it is malformed, if it is.
 * Fields that read well keep their values even then, as in Spark.
 */
function fillRecord(parsed: unknown, columns: readonly JsonColumn[], values: unknown[]): string | undefined {
  if (!isJsonObject(parsed)) return `a record must be a JSON object, found ${describeJson(parsed)}`
  let problem: string | undefined
  for (const c of columns) {
    const v = c.guarded ? ownField(parsed, c.name) : parsed[c.name]
    if (v == null) continue
    try {
      values[c.index] = c.read(v)
    } catch (e) {
      if (!(e instanceof BadValue)) throw e
      problem ??= `field '${c.name}': ${e.message}`
    }
  }
  return problem
}

async function readJson(
  file: string,
  schema: Schema<unknown>,
  options: Options,
  readColumns?: readonly string[],
): Promise<FileReadResult> {
  return parseJson(await readFile(file), file, schema, options, 0, readColumns)
}

/**
 * One split of a JSON Lines file: the lines that start in [start, end) (Hadoop's rule, as
 * Spark splits text files), with their line numbers in the whole file. A file with a `\r`
 * is not split (a lone `\r` ends a line too, and a byte range could cut such a record): the
 * split at 0 reads it whole and the others read nothing.
 */
async function readJsonRange(
  file: string,
  range: FileRange,
  schema: Schema<unknown>,
  options: Options,
  readColumns?: readonly string[],
): Promise<FileReadResult> {
  const bytes = await readFile(file)
  if (bytes.includes(13))
    return parseJson(range.start === 0 ? bytes : bytes.subarray(0, 0), file, schema, options, 0, readColumns)
  const from = lineStartAtOrAfter(bytes, range.start)
  const to = lineStartAtOrAfter(bytes, range.end)
  return parseJson(bytes.subarray(from, to), file, schema, options, countNewlines(bytes, from), readColumns)
}

/** Splits by byte range only JSON Lines with the default line ends. */
function jsonSplittable(options: Options): boolean {
  return !options.getBoolean('multiLine', false) && lineSepOption(options) === undefined
}

/** The start of the first line that starts at `pos` or later (the file's length when none does). */
function lineStartAtOrAfter(bytes: Uint8Array, pos: number): number {
  if (pos <= 0) return 0
  if (pos >= bytes.length) return bytes.length
  const nl = bytes.indexOf(10, pos - 1)
  return nl < 0 ? bytes.length : nl + 1
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0
  for (let i = bytes.indexOf(10); i >= 0 && i < end; i = bytes.indexOf(10, i + 1)) n++
  return n
}

/** The records of `bytes` (a file, or a split of it whose first line is line `lineOffset + 1`). */
function parseJson(
  bytes: Uint8Array,
  file: string,
  fullSchema: Schema<unknown>,
  options: Options,
  lineOffset: number,
  readColumns: readonly string[] | undefined,
): FileReadResult {
  requireUtf8(options)
  // Column pruning reads the file as if the schema named only these: other fields are
  // skipped as unknown ones are (their syntax still checked, their types not).
  const schema = readColumns === undefined ? fullSchema : narrowed(fullSchema, readColumns)
  const policy = malformedPolicy(schema, options)
  const temporal = temporalOptions(options)
  const ctx = { parseTimestamp: timestampParser(temporal), parseDate: dateParser(temporal) }
  const columns: JsonColumn[] = []
  schema.fields.forEach((f, index) => {
    if (index === policy.corruptIndex) return
    columns.push({ index, name: f.name, guarded: needsOwnCheck(f.name), read: jsonReader(f.type, ctx) })
  })
  const rows = new RowAssembler(schema, policy, file)
  const text = scannable(bytes, options)
  if (text !== undefined) {
    const scanner = new JsonLineScanner(
      columns.map((c) => ({ index: c.index, name: c.name, type: schema.fields[c.index].type })),
      ctx.parseTimestamp,
      ctx.parseDate,
    )
    scanLines(text, lineOffset, scanner, rows, (line, at) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch (e) {
        rows.malformed(at, parseProblem(e), line)
        return
      }
      const problem = fillRecord(parsed, columns, rows.values)
      if (problem === undefined) rows.commit()
      else rows.malformed(at, problem, line)
    })
    return rows.finish()
  }
  for (const record of jsonRecords(bytes, file, options)) {
    const problem = record.problem ?? fillRecord(record.parsed, columns, rows.values)
    if (problem === undefined) rows.commit()
    else rows.malformed({ ...record.at, line: record.at.line + lineOffset }, problem, rawText(record))
  }
  return rows.finish()
}

function narrowed(schema: Schema<unknown>, names: readonly string[]): Schema<unknown> {
  const keep = new Set(names)
  return new Schema(schema.fields.filter((f) => keep.has(f.name)))
}

/**
 * The file as one string when the schema-directed scanner can take it: JSON Lines with the
 * default line ends and no `\r`, valid UTF-8 throughout. Otherwise undefined, and the
 * general path reads it.
 */
function scannable(bytes: Uint8Array, options: Options): string | undefined {
  if (options.getBoolean('multiLine', false) || lineSepOption(options) !== undefined) return undefined
  const text = decodeText(bytes)
  return text === undefined || text.includes('\r') ? undefined : text
}

/** Each non-blank line through the scanner, or through `general` when the scanner gives it up. */
function scanLines(
  text: string,
  firstLine: number,
  scanner: JsonLineScanner,
  rows: RowAssembler,
  general: (line: string, at: { line: number }) => void,
): void {
  let start = 0
  let line = firstLine
  scanner.reset(text)
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    line++
    if (!isBlankRange(text, start, end)) {
      if (scanner.scan(text, start, end, rows)) rows.commit()
      else {
        rows.clear()
        general(text.slice(start, end), { line })
      }
    }
    start = end + 1
  }
}

/** JSON's whitespace only (as isJsonBlank). */
function isBlankRange(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false
  }
  return true
}

interface JsonOutColumn {
  /** `"name":`, quoted once. */
  readonly key: string
  readonly write: ValueToJson
}

async function writeJson(batch: ColumnarBatch<unknown>, file: string, options: Options): Promise<void> {
  requireUtf8(options)
  const temporal = temporalOptions(options)
  const ctx = {
    formatTimestamp: timestampFormatter(temporal),
    formatDate: dateFormatter(temporal),
    ignoreNullFields: options.getBoolean('ignoreNullFields', true),
  }
  const lineSep = options.get('lineSep') ?? '\n'
  const columns: JsonOutColumn[] = batch.schema.fields.map((f) => ({
    key: `${JSON.stringify(f.name)}:`,
    write: jsonWriter(f.type, ctx),
  }))
  const vectors = batch.columns
  await writeTextChunks(file, batch.numRows, (row) => {
    let line = '{'
    for (let c = 0; c < columns.length; c++) {
      const v = valueAt(vectors[c], row)
      if (v === null && ctx.ignoreNullFields) continue
      if (line.length > 1) line += ','
      line += columns[c].key
      line += v === null ? 'null' : columns[c].write(v)
    }
    return `${line}}${lineSep}`
  })
}

export const jsonFormat: FileFormat = {
  name: 'json',
  extension: 'json',
  readOptions: READ_OPTIONS,
  writeOptions: WRITE_OPTIONS,
  inferSchema: inferJsonSchema,
  prunesColumns: true,
  checkReadOptions: checkTemporalReadOptions,
  read: readJson,
  splittable: jsonSplittable,
  readRange: readJsonRange,
  write: writeJson,
}
