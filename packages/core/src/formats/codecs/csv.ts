/**
 * CSV (Spark's `csv` format). Columns match the schema by position; with `header` the
 * first line of each file names them and is skipped. A record with the wrong number of
 * fields is malformed: PERMISSIVE keeps the fields it has (nulls for the rest) and the raw
 * line in the corrupt-record column, as Spark does. A field equal to `nullValue` ('' by
 * default, so an empty field, quoted or not) is null, also as in Spark.
 */
import { readFile } from 'node:fs/promises'
import type { Schema } from '../../types/schema.js'
import { TributaryError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import type { FileFormat, FileReadResult } from '../file-format.js'
import { inferCsvSchema } from './csv-infer.js'
import { csvRecords, quoteOpen } from './csv-records.js'
import { CsvLineScanner } from './csv-scan.js'
import { type CsvSyntax, csvSyntax, type Tokenized, tokenizeLines } from './csv-tokenize.js'
import { type CsvToValue, checkCsvTypes, csvReadContext, csvReader } from './csv-values.js'
import { writeCsv } from './csv-write.js'
import { decodeText } from './lines.js'
import { malformedPolicy, type RecordLocation } from './parse-mode.js'
import { BadValue, RowAssembler } from './row-assembler.js'
import { checkTemporalReadOptions, temporalOptions } from './temporal.js'
import { lineSepOption, requireUtf8 } from './text-options.js'

const SYNTAX_OPTIONS = ['sep', 'delimiter', 'quote', 'escape', 'lineSep', 'encoding', 'charset'] as const
const TIME_OPTIONS = ['timestampFormat', 'dateFormat', 'timeZone'] as const

const READ_OPTIONS = [
  ...SYNTAX_OPTIONS,
  ...TIME_OPTIONS,
  'header',
  'inferSchema',
  'samplingRatio',
  'inferSchemaMaxRecordsPerFile',
  'enforceSchema',
  'mode',
  'columnNameOfCorruptRecord',
  'nullValue',
  'nanValue',
  'positiveInf',
  'negativeInf',
  'comment',
  'ignoreLeadingWhiteSpace',
  'ignoreTrailingWhiteSpace',
  'maxCharsPerColumn',
  'multiLine',
] as const

const WRITE_OPTIONS = [
  ...SYNTAX_OPTIONS,
  ...TIME_OPTIONS,
  'header',
  'nullValue',
  'emptyValue',
  'quoteAll',
  'ignoreLeadingWhiteSpace',
  'ignoreTrailingWhiteSpace',
] as const

/** enforceSchema=false: the header must name the schema's columns, in order (ignoring case, as Spark does). */
function checkHeader(header: readonly string[], expected: readonly string[], file: string): void {
  const same =
    header.length === expected.length && header.every((h, i) => h.toLowerCase() === expected[i].toLowerCase())
  if (same) return
  throw new TributaryError(
    `CSV_HEADER_MISMATCH: the header of ${file} does not match the schema. Header: ${header.join(', ')}. Schema: ${expected.join(', ')}. Correct the schema, or set option enforceSchema to true to apply the schema by position and ignore the header's names.`,
    'CSV_HEADER_MISMATCH',
  )
}

async function readCsv(
  file: string,
  schema: Schema<unknown>,
  options: Options,
  readColumns?: readonly string[],
): Promise<FileReadResult> {
  requireUtf8(options)
  const policy = malformedPolicy(schema, options)
  const dataFields = schema.fields.filter((_, i) => i !== policy.corruptIndex)
  // Column pruning (Spark's CSV columnPruning): fields of columns the query does not read
  // are split off the line, never converted, so their values cannot make a record
  // malformed; the number of fields and maxCharsPerColumn still apply to every field.
  const keep = readColumns === undefined ? null : new Set(readColumns)
  const built = keep === null ? undefined : schema.fields.map((f) => keep.has(f.name))
  const converted = dataFields.map((f) => keep === null || keep.has(f.name))
  checkCsvTypes(dataFields)
  const syntax = csvSyntax(options, false)
  const ctx = csvReadContext(options, temporalOptions(options))
  const readers: CsvToValue[] = dataFields.map((f) => csvReader(f.type, ctx))
  const target = schema.fields.map((_, i) => i).filter((i) => i !== policy.corruptIndex)
  const nullValue = options.getString('nullValue', '')
  const maxChars = options.getNumber('maxCharsPerColumn', -1)
  const header = options.getBoolean('header', false)

  const width = dataFields.length
  const rows = new RowAssembler(schema, policy, file, 1024, built)
  const values = rows.values
  /** One record's fields (or why they could not be split) into the rows. */
  const readRecord = (fields: Tokenized, at: RecordLocation, raw: string): void => {
    if (!Array.isArray(fields)) {
      rows.malformed(at, fields.error, raw)
      return
    }
    let problem = fields.length === width ? undefined : `expected ${width} fields but found ${fields.length}`
    const n = Math.min(fields.length, width)
    for (let c = 0; c < n; c++) {
      const text = fields[c]
      if (text === nullValue) continue
      if (maxChars > 0 && text.length > maxChars) {
        problem ??= `field ${c + 1} ('${dataFields[c].name}') has ${text.length} characters, more than maxCharsPerColumn ${maxChars}`
        continue
      }
      if (!converted[c]) continue
      try {
        values[target[c]] = readers[c](text)
      } catch (e) {
        if (!(e instanceof BadValue)) throw e
        problem ??= `field ${c + 1} ('${dataFields[c].name}'): ${e.message}`
      }
    }
    if (problem === undefined) rows.commit()
    else rows.malformed(at, problem, raw)
  }

  const bytes = await readFile(file)
  const text = scannable(bytes, syntax, options, maxChars)
  if (text !== undefined) {
    const scanner = new CsvLineScanner(
      target.map((index, c) => ({ index, type: schema.fields[index].type, skip: !converted[c] })),
      {
        delimiter: syntax.delimiter.charCodeAt(0),
        nullValue,
        parseTimestamp: ctx.parseTimestamp,
        parseDate: ctx.parseDate,
      },
    )
    scanCsvLines(text, header, syntax, scanner, rows, (raw, line) =>
      readRecord(tokenizeLines([raw], syntax, '\n')[0], { line }, raw),
    )
    return rows.finish()
  }

  const records = csvRecords(bytes, file, syntax, options)
  let start = 0
  if (header && records.raw.length > 0) {
    const first = records.tokens[0]
    if (!options.getBoolean('enforceSchema', true) && Array.isArray(first)) {
      checkHeader(
        first,
        dataFields.map((f) => f.name),
        file,
      )
    }
    start = 1
  }
  for (let r = start; r < records.raw.length; r++)
    readRecord(records.tokens[r], { line: records.line[r] }, records.raw[r])
  return rows.finish()
}

/**
 * The file as one string when the line scanner can take it: default line ends and no `\r`,
 * valid UTF-8, a one-character delimiter, no comment prefix, no trimming, no
 * maxCharsPerColumn, and the header (if any) checked by no one. Otherwise undefined.
 */
function scannable(
  bytes: Uint8Array,
  syntax: CsvSyntax,
  options: Options,
  maxChars: number,
): string | undefined {
  if (options.getBoolean('multiLine', false) || lineSepOption(options) !== undefined) return undefined
  if (
    syntax.delimiter.length !== 1 ||
    syntax.comment !== null ||
    syntax.ltrim ||
    syntax.rtrim ||
    maxChars > 0
  )
    return undefined
  if (options.getBoolean('header', false) && !options.getBoolean('enforceSchema', true)) return undefined
  const text = decodeText(bytes)
  return text === undefined || text.includes('\r') ? undefined : text
}

/**
 * Each record line through the scanner, or through `general` when it holds a quote or the
 * scanner gives it up. Blank lines (nothing above U+0020, as Java's trim) are no records;
 * with `header` the first record is skipped, all its lines when a quoted name spans several.
 */
function scanCsvLines(
  text: string,
  header: boolean,
  syntax: CsvSyntax,
  scanner: CsvLineScanner,
  rows: RowAssembler,
  general: (raw: string, line: number) => void,
): void {
  let start = 0
  let line = 0
  let headerDue = header
  // The next quote in the text, found once and reused until passed: files without quotes
  // cost one search, not a look at every character.
  const quote = syntax.quote
  let nextQuote = quote === null ? -1 : text.indexOf(quote)
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    line++
    if (nextQuote >= 0 && nextQuote < start) nextQuote = text.indexOf(quote as string, start)
    const quoted = nextQuote >= 0 && nextQuote < end
    if (quoted || !isBlank(text, start, end)) {
      if (headerDue) {
        headerDue = false
        if (quoted) end = headerEnd(text, start, end, syntax, (n) => (line += n))
      } else if (!quoted && scanner.scan(text, start, end, rows)) rows.commit()
      else {
        rows.clear()
        general(text.slice(start, end), line)
      }
    }
    start = end + 1
  }
}

/** Nothing above U+0020 (Java's trim), as isCsvBlank; decided at the first character mostly. */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) > 32) return false
  return true
}

/** Where a header that leaves a quoted field open on its line ends: the end of the line that closes it. */
function headerEnd(
  text: string,
  start: number,
  end: number,
  syntax: CsvSyntax,
  addLines: (n: number) => void,
): number {
  while (end < text.length && quoteOpen(text.slice(start, end), syntax)) {
    const next = text.indexOf('\n', end + 1)
    addLines(1)
    end = next < 0 ? text.length : next
  }
  return end
}

export const csvFormat: FileFormat = {
  name: 'csv',
  extension: 'csv',
  readOptions: READ_OPTIONS,
  writeOptions: WRITE_OPTIONS,
  inferSchema: inferCsvSchema,
  prunesColumns: true,
  checkReadOptions: checkTemporalReadOptions,
  read: readCsv,
  write: writeCsv,
}
