/**
 * Plain text (Spark's `text` format): one row per line in a single string column, named
 * `value` when inferred; with `wholetext`, one row per file. Lines are taken as they are;
 * only bytes that are not UTF-8 make a line malformed (PERMISSIVE keeps it with U+FFFD in
 * their place, DROPMALFORMED drops it, FAILFAST stops).
 */
import { readFile } from 'node:fs/promises'
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { objectVector } from '../../batch/vector.js'
import { StringType, typeToString } from '../../types/data-types.js'
import { Schema } from '../../types/schema.js'
import { AnalysisError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import type { FileFormat, FileReadResult } from '../file-format.js'
import { decodeLenient, decodeLines, decodeWhole } from './lines.js'
import { malformedPolicy } from './parse-mode.js'
import { RowAssembler } from './row-assembler.js'
import { lineSepOption } from './text-options.js'
import { writeTextChunks } from './write-text.js'

const TEXT_SCHEMA = new Schema([{ name: 'value', type: StringType, nullable: true }])

/** Spark's rule: exactly one column, a string (its name is free). */
function checkTextSchema(schema: Schema<unknown>, reading: boolean): void {
  if (schema.length !== 1) {
    throw new AnalysisError(
      `TEXT_SINGLE_COLUMN: the text data source supports only a single column, and ${reading ? 'the schema has' : 'the data has'} ${schema.length}: ${schema.names.join(', ') || '(none)'}. ${reading ? "Read with the schema { value: 'string' } and split the line afterwards, or use the csv or json format." : 'Select or concatenate the columns into one string column first (for example with concat_ws or to_json).'}`,
      'TEXT_SINGLE_COLUMN',
    )
  }
  const type = schema.fields[0].type
  if (type.kind !== 'string') {
    throw new AnalysisError(
      `TEXT_STRING_COLUMN: the text data source supports only a string column, but column '${schema.fields[0].name}' is ${typeToString(type)}. Cast it to a string first.`,
      'TEXT_STRING_COLUMN',
    )
  }
}

async function readText(file: string, schema: Schema<unknown>, options: Options): Promise<FileReadResult> {
  checkTextSchema(schema, true)
  const policy = malformedPolicy(schema, options)
  const bytes = await readFile(file)
  if (options.getBoolean('wholetext', false)) {
    const rows = new RowAssembler(schema, policy, file, 1)
    const text = decodeWhole(bytes, file)
    if (text === undefined) {
      const lenient = decodeLenient(bytes)
      rows.values[0] = lenient
      rows.malformed({ line: 1 }, 'the file holds bytes that are not valid UTF-8', lenient)
    } else {
      rows.values[0] = text
      rows.commit()
    }
    return rows.finish()
  }
  const { lines, invalidUtf8 } = decodeLines(bytes, lineSepOption(options))
  if (invalidUtf8 === null) {
    // The lines are the column: no copy, no builder.
    return {
      batch: new ColumnarBatch(schema, [objectVector(schema.fields[0].type, lines)], lines.length),
      droppedMalformed: 0,
    }
  }
  const rows = new RowAssembler(schema, policy, file, lines.length)
  for (let i = 0; i < lines.length; i++) {
    rows.values[0] = lines[i]
    if (invalidUtf8[i] === 1)
      rows.malformed({ line: i + 1 }, 'the line holds bytes that are not valid UTF-8', lines[i])
    else rows.commit()
  }
  return rows.finish()
}

async function writeText(batch: ColumnarBatch<unknown>, file: string, options: Options): Promise<void> {
  checkTextSchema(batch.schema, false)
  const lineSep = options.get('lineSep') ?? '\n'
  const values = batch.columns[0].values as readonly (string | null)[]
  // Spark writes a null as an empty line.
  await writeTextChunks(file, batch.numRows, (row) => (values[row] ?? '') + lineSep)
}

export const textFormat: FileFormat = {
  name: 'text',
  extension: 'txt',
  readOptions: ['wholetext', 'lineSep', 'mode'],
  writeOptions: ['lineSep'],
  fixedSchema: TEXT_SCHEMA,
  inferSchema: () => TEXT_SCHEMA,
  read: readText,
  write: writeText,
}
