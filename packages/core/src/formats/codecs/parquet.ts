/**
 * Parquet (Spark's `parquet` format), through hyparquet and hyparquet-writer, column by
 * column. A user schema selects columns by name (exact, else ignoring case when that is
 * unambiguous, as Spark does); a column the file lacks reads as null. Inference reads
 * only footers: the first file's, or every file's with `mergeSchema`.
 *
 * A file that cannot be decoded is one malformed "record" (there are no lines to point
 * at): FAILFAST and PERMISSIVE stop with an error naming the file, since PERMISSIVE has no
 * rows to keep; DROPMALFORMED skips the file and counts it as one dropped record.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import {
  type FileMetaData,
  type Compressors as ParquetDecompressors,
  parquetMetadata,
  parquetScan,
  parquetSchema,
  type SchemaTree,
} from 'hyparquet'
import { ByteWriter, parquetWrite } from 'hyparquet-writer'
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { constantVector, type Vector } from '../../batch/vector.js'
import { type StructField, typeToString } from '../../types/data-types.js'
import { Schema } from '../../types/schema.js'
import { AnalysisError, MalformedRecordError, TributaryError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import type { FileFormat, FileReadResult } from '../file-format.js'
import { type ColumnChunk, columnVector, PARQUET_PARSERS } from './parquet-read.js'
import { elementsOf, fieldsOfFile, fieldType, readableAs } from './parquet-types.js'
import { columnData, parquetCompression } from './parquet-write.js'
import { type ParseMode, readParseMode } from './parse-mode.js'

/** Decompression that node:zlib gives us; hyparquet brings Snappy itself. */
const DECOMPRESSORS: ParquetDecompressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
}

const PURE_JS_CODECS = ['ZSTD', 'LZ4', 'LZ4_RAW'] as const

/**
 * ZSTD and LZ4 (common from polars, DuckDB, Spark 4) need hyparquet-compressors, loaded
 * only for files that use them: it costs tens of milliseconds to load.
 */
async function decompressorsFor(metadata: FileMetaData): Promise<ParquetDecompressors> {
  const used = new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))
  if (!PURE_JS_CODECS.some((codec) => used.has(codec))) return DECOMPRESSORS
  const { compressors } = await import('hyparquet-compressors')
  return { ...DECOMPRESSORS, ZSTD: compressors.ZSTD, LZ4: compressors.LZ4, LZ4_RAW: compressors.LZ4_RAW }
}

/** Rows per row group written; Spark aims at 128 MB groups, which this roughly gives for narrow rows. */
const ROW_GROUP_ROWS = 100_000

function corruptFileError(file: string, cause: unknown): MalformedRecordError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new MalformedRecordError(
    `CORRUPT_FILE: ${file} is not a readable parquet file: ${reason}. It may be truncated or still being written. Remove or replace it, or read with option mode 'DROPMALFORMED' to skip files that cannot be read (each counts as one dropped record).`,
    'CORRUPT_FILE',
    { cause },
  )
}

function onCorrupt(file: string, cause: unknown, mode: ParseMode, schema: Schema<unknown>): FileReadResult {
  if (mode === 'DROPMALFORMED') {
    // The whole file is the record: its bytes are no text worth keeping, its path is.
    const error = cause instanceof Error ? cause.message : String(cause)
    return {
      batch: ColumnarBatch.empty(schema),
      droppedMalformed: 1,
      deadLetters: [{ position: { file }, raw: '', error: `not a readable parquet file: ${error}` }],
    }
  }
  throw corruptFileError(file, cause)
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) return buffer
  return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer
}

/** The footer alone, read synchronously: inference must not load whole files. */
function readFooterSync(file: string): FileMetaData {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    if (size < 12) throw new Error(`it has ${size} bytes, fewer than the 12 every parquet file has`)
    const tail = Buffer.alloc(8)
    readSync(fd, tail, 0, 8, size - 8)
    if (tail.toString('latin1', 4, 8) !== 'PAR1')
      throw new Error('it does not end with the parquet magic bytes PAR1')
    const length = tail.readUInt32LE(0)
    if (length + 12 > size) throw new Error(`its footer claims ${length} bytes, more than the file holds`)
    const footer = Buffer.alloc(length + 8)
    readSync(fd, footer, 0, footer.length, size - footer.length)
    return parquetMetadata(arrayBufferOf(footer), { parsers: PARQUET_PARSERS })
  } finally {
    closeSync(fd)
  }
}

/** The file's top-level column for a schema field: same name, else the only one equal ignoring case. */
function findColumn(root: SchemaTree, name: string): SchemaTree | undefined {
  const exact = root.children.find((c) => c.element.name === name)
  if (exact) return exact
  const lower = name.toLowerCase()
  const matches = root.children.filter((c) => c.element.name.toLowerCase() === lower)
  return matches.length === 1 ? matches[0] : undefined
}

interface ColumnRead {
  readonly index: number
  readonly field: StructField
  readonly node: SchemaTree
}

function planColumns(root: SchemaTree, schema: Schema<unknown>, file: string): ColumnRead[] {
  const plans: ColumnRead[] = []
  schema.fields.forEach((field, index) => {
    const node = findColumn(root, field.name)
    if (node === undefined) return
    const stored = fieldType(node, node.element.name, file)
    if (!readableAs(stored, field.type)) {
      throw new TributaryError(
        `PARQUET_SCHEMA_MISMATCH: column '${field.name}' of ${file} holds ${typeToString(stored)}, which cannot be read as the declared ${typeToString(field.type)}. Declare it as ${typeToString(stored)} (or a wider number), or cast it after reading.`,
        'PARQUET_SCHEMA_MISMATCH',
      )
    }
    plans.push({ index, field, node })
  })
  return plans
}

async function readParquet(
  file: string,
  fullSchema: Schema<unknown>,
  options: Options,
  readColumns?: readonly string[],
): Promise<FileReadResult> {
  const mode = readParseMode(options)
  // Column pruning: only the column chunks of the columns read are decoded (and checked).
  const keep = readColumns === undefined ? null : new Set(readColumns)
  const schema = keep === null ? fullSchema : new Schema(fullSchema.fields.filter((f) => keep.has(f.name)))
  const buffer = arrayBufferOf(await readFile(file))
  let metadata: FileMetaData
  try {
    metadata = parquetMetadata(buffer, { parsers: PARQUET_PARSERS })
  } catch (e) {
    return onCorrupt(file, e, mode, schema)
  }
  const root = parquetSchema(metadata)
  const plans = planColumns(root, schema, file)
  const rows = Number(metadata.num_rows)
  const columns: Vector[] = schema.fields.map((f) => constantVector(f.type, null, rows))
  if (plans.length === 0) return { batch: new ColumnarBatch(schema, columns, rows), droppedMalformed: 0 }
  const decoded: ColumnChunk[][] = []
  try {
    const scan = await parquetScan({
      file: buffer,
      metadata,
      columns: plans.map((p) => p.node.element.name),
      parsers: PARQUET_PARSERS,
      compressors: await decompressorsFor(metadata),
      // Plain BYTE_ARRAY is binary, as in Spark; annotated strings are still decoded.
      utf8: false,
    })
    for (const plan of plans) {
      const chunks: ColumnChunk[] = []
      for (const range of scan.ranges) {
        const data = await scan.readColumn({ column: plan.node.element.name, ...range })
        chunks.push({ data, offset: range.rowStart })
      }
      decoded.push(chunks)
    }
  } catch (e) {
    return onCorrupt(file, e, mode, schema)
  }
  plans.forEach((plan, k) => {
    const e = plan.node.element
    const logicalOnlyDate = e.logical_type?.type === 'DATE' && e.converted_type !== 'DATE'
    columns[plan.index] = columnVector(
      plan.field.type,
      decoded[k],
      rows,
      `column '${plan.field.name}' of ${file}`,
      logicalOnlyDate,
    )
  })
  return { batch: new ColumnarBatch(schema, columns, rows), droppedMalformed: 0 }
}

/** Field lists of two files, merged by name; a column whose types disagree is refused. */
function mergeFields(into: StructField[], add: readonly StructField[], file: string): StructField[] {
  for (const f of add) {
    const i = into.findIndex((g) => g.name === f.name)
    if (i < 0) {
      into.push(f)
      continue
    }
    const seen = into[i].type
    if (readableAs(seen, f.type)) into[i] = f
    else if (!readableAs(f.type, seen)) {
      throw new AnalysisError(
        `PARQUET_SCHEMA_MERGE_CONFLICT: column '${f.name}' is ${typeToString(seen)} in earlier files but ${typeToString(f.type)} in ${file}, and one cannot be read as the other. Give the schema with .schema(...), or turn mergeSchema off to take the first file's schema.`,
        'PARQUET_SCHEMA_MERGE_CONFLICT',
      )
    }
  }
  return into
}

function inferParquetSchema(files: readonly string[], options: Options): Schema<unknown> {
  const merge = options.getBoolean('mergeSchema', false)
  const mode = readParseMode(options)
  let fields: StructField[] | undefined
  for (const file of files) {
    let metadata: FileMetaData
    try {
      metadata = readFooterSync(file)
    } catch (e) {
      if (mode === 'DROPMALFORMED') continue
      throw corruptFileError(file, e)
    }
    const own = fieldsOfFile(parquetSchema(metadata), file)
    if (!merge) return new Schema(own)
    fields = mergeFields(fields ?? [], own, file)
  }
  if (fields === undefined) {
    throw new AnalysisError(
      `UNABLE_TO_INFER_SCHEMA: none of the ${files.length} parquet files could be read (mode DROPMALFORMED skipped them all). Give the schema with .schema(...), or replace the damaged files.`,
      'UNABLE_TO_INFER_SCHEMA',
    )
  }
  return new Schema(fields)
}

async function writeParquet(batch: ColumnarBatch<unknown>, file: string, options: Options): Promise<void> {
  const { codec, compressors } = parquetCompression(options)
  const fields = batch.schema.fields
  const schema = [
    { name: 'root', num_children: fields.length },
    ...fields.flatMap((f) => elementsOf(f.name, f.type)),
  ]
  const writer = new ByteWriter()
  try {
    parquetWrite({
      writer,
      schema,
      columnData: fields.map((f, i) => ({ name: f.name, data: columnData(batch.columns[i]) })),
      codec,
      compressors,
      rowGroupSize: ROW_GROUP_ROWS,
    })
  } catch (e) {
    throw new TributaryError(
      `PARQUET_WRITE_FAILED: writing ${file} failed: ${e instanceof Error ? e.message : String(e)}. This is a bug if the batch matches its schema; please report it with the schema (${batch.schema.simpleString()}).`,
      'PARQUET_WRITE_FAILED',
      { cause: e },
    )
  }
  await writeFile(file, writer.getBytes())
}

export const parquetFormat: FileFormat = {
  name: 'parquet',
  extension: 'parquet',
  readOptions: ['mode', 'mergeSchema'],
  // Compressed and encoded, a Parquet file holds about ten times its size in memory.
  defaultMaxBytesPerTrigger: 8 * 1024 * 1024,
  writeOptions: ['compression'],
  inferSchema: inferParquetSchema,
  prunesColumns: true,
  read: readParquet,
  write: writeParquet,
}
