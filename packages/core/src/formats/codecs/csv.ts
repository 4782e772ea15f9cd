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
import { csvRecords } from './csv-records.js'
import { csvSyntax } from './csv-tokenize.js'
import { type CsvToValue, checkCsvTypes, csvReadContext, csvReader } from './csv-values.js'
import { writeCsv } from './csv-write.js'
import { malformedPolicy } from './parse-mode.js'
import { BadValue, RowAssembler } from './row-assembler.js'
import { checkTemporalReadOptions, temporalOptions } from './temporal.js'
import { requireUtf8 } from './text-options.js'

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

async function readCsv(file: string, schema: Schema<unknown>, options: Options): Promise<FileReadResult> {
  requireUtf8(options)
  const policy = malformedPolicy(schema, options)
  const dataFields = schema.fields.filter((_, i) => i !== policy.corruptIndex)
  checkCsvTypes(dataFields)
  const syntax = csvSyntax(options, false)
  const ctx = csvReadContext(options, temporalOptions(options))
  const readers: CsvToValue[] = dataFields.map((f) => csvReader(f.type, ctx))
  const target = schema.fields.map((_, i) => i).filter((i) => i !== policy.corruptIndex)
  const nullValue = options.getString('nullValue', '')
  const maxChars = options.getNumber('maxCharsPerColumn', -1)
  const header = options.getBoolean('header', false)

  const records = csvRecords(await readFile(file), file, syntax, options)
  const rows = new RowAssembler(schema, policy, file, records.raw.length)
  const values = rows.values
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
  const width = dataFields.length
  for (let r = start; r < records.raw.length; r++) {
    const fields = records.tokens[r]
    const at = { line: records.line[r] }
    if (!Array.isArray(fields)) {
      rows.malformed(at, fields.error, records.raw[r])
      continue
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
      try {
        values[target[c]] = readers[c](text)
      } catch (e) {
        if (!(e instanceof BadValue)) throw e
        problem ??= `field ${c + 1} ('${dataFields[c].name}'): ${e.message}`
      }
    }
    if (problem === undefined) rows.commit()
    else rows.malformed(at, problem, records.raw[r])
  }
  return rows.finish()
}

export const csvFormat: FileFormat = {
  name: 'csv',
  extension: 'csv',
  readOptions: READ_OPTIONS,
  writeOptions: WRITE_OPTIONS,
  inferSchema: inferCsvSchema,
  checkReadOptions: checkTemporalReadOptions,
  read: readCsv,
  write: writeCsv,
}
