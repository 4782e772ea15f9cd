/**
 * Writing CSV with csv-stringify as Spark's writer does: an empty string as `""` so it
 * differs from null (written as `nullValue`), strings trimmed unless told not to, time
 * in `timestampFormat` / `dateFormat`, doubles with a fraction.
 */
import { stringify } from 'csv-stringify/sync'
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import { valueAt } from '../../batch/vector.js'
import type { Options } from '../../util/options.js'
import { csvSyntax } from './csv-tokenize.js'
import { checkCsvTypes, csvWriter, type ValueToCsv } from './csv-values.js'
import { dateFormatter, temporalOptions, timestampFormatter } from './temporal.js'
import { requireUtf8 } from './text-options.js'
import { writeTextChunks } from './write-text.js'

/** Java's `trim()` set: every char up to U+0020. */
function trimJava(s: string, leading: boolean, trailing: boolean): string {
  let start = 0
  let end = s.length
  if (leading) while (start < end && s.charCodeAt(start) <= 0x20) start++
  if (trailing) while (end > start && s.charCodeAt(end - 1) <= 0x20) end--
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

/** Rows turned into CSV text at a time; bounds the memory of one stringify call. */
const ROWS_PER_CHUNK = 8192

export async function writeCsv(batch: ColumnarBatch<unknown>, file: string, options: Options): Promise<void> {
  requireUtf8(options)
  checkCsvTypes(batch.schema.fields)
  const syntax = csvSyntax(options, true)
  const temporal = temporalOptions(options)
  const ctx = { formatTimestamp: timestampFormatter(temporal), formatDate: dateFormatter(temporal) }
  const writers: ValueToCsv[] = batch.schema.fields.map((f) => csvWriter(f.type, ctx))
  const isString = batch.schema.fields.map((f) => f.type.kind === 'string')
  const nullValue = options.getString('nullValue', '')
  const emptyValue = options.get('emptyValue')
  const lineSep = options.get('lineSep') ?? '\n'
  const quote = syntax.quote ?? ''
  const stringifyOptions = {
    delimiter: syntax.delimiter,
    quote,
    escape: syntax.escape ?? (quote || '"'),
    record_delimiter: lineSep,
    quoted: options.getBoolean('quoteAll', false),
    // Spark writes an empty string as "" so that it differs from null, written as nullValue.
    quoted_match: quote === '' ? undefined : /^$/,
  }
  const names = batch.schema.names
  const columns = batch.columns
  const width = columns.length
  const rowValues = (row: number): (string | null)[] => {
    const out = new Array<string | null>(width)
    for (let c = 0; c < width; c++) {
      const v = valueAt(columns[c], row)
      if (v === null) {
        out[c] = nullValue === '' ? null : nullValue
        continue
      }
      let text = writers[c](v)
      if (isString[c]) {
        text = trimJava(text, syntax.ltrim, syntax.rtrim)
        if (text === '' && emptyValue !== undefined) text = emptyValue
      }
      out[c] = text
    }
    return out
  }
  const chunks = Math.ceil(batch.numRows / ROWS_PER_CHUNK)
  const headerText = options.getBoolean('header', false) ? stringify([names], stringifyOptions) : ''
  await writeTextChunks(
    file,
    chunks,
    (chunk) => {
      const start = chunk * ROWS_PER_CHUNK
      const end = Math.min(batch.numRows, start + ROWS_PER_CHUNK)
      const records: (string | null)[][] = []
      for (let row = start; row < end; row++) records.push(rowValues(row))
      return stringify(records, stringifyOptions)
    },
    headerText,
  )
}
