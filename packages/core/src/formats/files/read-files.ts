/**
 * Reading a list of files into one batch: each file through the format, with the values
 * of its partition folders added as columns.
 */
import { promises as fs } from 'node:fs'
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { constantVector, type Vector } from '../../batch/vector.js'
import type { DeadLetter, SourceBatch } from '../../sources/source.js'
import { Schema } from '../../types/schema.js'
import { TributaryError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'
import type { FileFormat, FileRange } from '../file-format.js'
import { type PartitionSegment, partitionSegments, partitionValue } from './partitions.js'

export interface ReadFilesContext {
  readonly format: FileFormat
  readonly schema: Schema<unknown>
  /** The columns the query reads, for formats that prune (undefined: all); the others are null. */
  readonly readColumns?: readonly string[]
  readonly options: Options
  readonly partitionRoot: string
  readonly ignoreMissingFiles: boolean
  /** Names the reader in errors, e.g. `the file source at /data/in`. */
  readonly describe: string
  /** Called after each file with the files done, their total and the rows read so far. */
  readonly onFileRead?: (done: number, total: number, rows: number) => void
}

/** Files read at once: enough to hide the latency of small files, few enough for two cores. */
const READ_CONCURRENCY = 4

/** A file to read, whole or one split of it. */
export type FileToRead = string | { readonly file: string; readonly range: FileRange }

export async function readFiles(files: readonly FileToRead[], ctx: ReadFilesContext): Promise<SourceBatch> {
  const results = new Array<SourceBatch | null>(files.length)
  let next = 0
  let done = 0
  let rows = 0
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++
      results[i] = await readOne(files[i], ctx)
      rows += results[i]?.data.numRows ?? 0
      ctx.onFileRead?.(++done, files.length, rows)
    }
  }
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, files.length) }, worker))
  const batches: ColumnarBatch<unknown>[] = []
  const deadLetters: DeadLetter[] = []
  let dropped = 0
  for (const r of results) {
    if (r === null) continue
    batches.push(r.data)
    dropped += r.droppedMalformed ?? 0
    if (r.deadLetters) for (const d of r.deadLetters) deadLetters.push(d)
  }
  const data = ColumnarBatch.concat(ctx.schema, batches)
  return deadLetters.length > 0
    ? { data, droppedMalformed: dropped, deadLetters }
    : { data, droppedMalformed: dropped }
}

async function readOne(what: FileToRead, ctx: ReadFilesContext): Promise<SourceBatch | null> {
  const file = typeof what === 'string' ? what : what.file
  const partitions = partitionSegments(ctx.partitionRoot, file).filter((p) => ctx.schema.has(p.column))
  const dataSchema =
    partitions.length === 0
      ? ctx.schema
      : new Schema(ctx.schema.fields.filter((f) => !partitions.some((p) => p.column === f.name)))
  let result: Awaited<ReturnType<FileFormat['read']>>
  try {
    if (typeof what === 'string')
      result = await ctx.format.read(file, dataSchema, ctx.options, ctx.readColumns)
    else if (ctx.format.readRange)
      result = await ctx.format.readRange(file, what.range, dataSchema, ctx.options, ctx.readColumns)
    else throw new Error(`the ${ctx.format.name} format cannot read a split of ${file}`)
  } catch (e) {
    // Codecs report a vanished file in their own words; look for ourselves.
    if (await stillExists(file)) throw e
    if (ctx.ignoreMissingFiles) return null
    throw new TributaryError(
      `FILE_NOT_FOUND: ${file} was listed by ${ctx.describe} but no longer exists; it was deleted or moved before it could be read. Put it back, or set option ignoreMissingFiles to true to skip files that disappear.`,
      'FILE_NOT_FOUND',
      { cause: e },
    )
  }
  return {
    data: assemble(result.batch, ctx.schema, partitions),
    droppedMalformed: result.droppedMalformed,
    deadLetters: result.deadLetters,
  }
}

async function stillExists(file: string): Promise<boolean> {
  try {
    await fs.access(file)
    return true
  } catch {
    return false
  }
}

/** The file's columns in schema order, partition columns filled with their folder's value. */
function assemble(
  data: ColumnarBatch<unknown>,
  schema: Schema<unknown>,
  partitions: readonly PartitionSegment[],
): ColumnarBatch<unknown> {
  const n = data.numRows
  const columns: Vector[] = schema.fields.map((f) => {
    const partition = partitions.find((p) => p.column === f.name)
    if (partition) return constantVector(f.type, partitionValue(partition.raw, f.type), n)
    const i = data.schema.indexOf(f.name)
    return i >= 0 ? data.columns[i] : constantVector(f.type, null, n)
  })
  return new ColumnarBatch(schema, columns, n)
}
