/**
 * Writing one batch as files: one file per combination of partition values, under
 * `col=value/` folders, without the partition columns inside. Each file is written under a
 * hidden temporary name, synced, then renamed, so a listing never sees half a file. A value
 * too long for a folder name gets a hashed name and its full value in the folder
 * (partitions.ts).
 */
import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { valueAt } from '../../batch/vector.js'
import { atomicWrite, fsyncDir } from '../../checkpoint/atomic-file.js'
import { Schema } from '../../types/schema.js'
import type { Options } from '../../util/options.js'
import type { FileFormat } from '../file-format.js'
import { isLongValueFolder, LONG_VALUE_FILE, longValueFile, partitionFolderName } from './partitions.js'
import type { SinkFileStatus } from './sink-log.js'

export interface PartitionedWrite {
  readonly outputDir: string
  readonly format: FileFormat
  readonly options: Options
  readonly partitionBy: readonly string[]
  readonly batchId: number
}

export function dataFileName(batchId: number, extension: string): string {
  return `part-${String(batchId).padStart(5, '0')}-${randomUUID()}${extension ? `.${extension}` : ''}`
}

/**
 * Rows grouped by their partition folder (`a=1/b=x`, '' without partitionBy), in order of
 * first appearance. `longValues` receives the folders (relative paths) that stand for long
 * values, with the column and value to write into them.
 */
function groupByPartition(
  data: ColumnarBatch<unknown>,
  partitionBy: readonly string[],
  longValues: Map<string, { column: string; value: string }>,
): Map<string, number[]> {
  const groups = new Map<string, number[]>()
  if (partitionBy.length === 0) {
    groups.set('', [])
    return groups
  }
  const fields = partitionBy.map((name) => data.schema.field(name))
  const vectors = partitionBy.map((name) => data.column(name))
  for (let row = 0; row < data.numRows; row++) {
    let folder = ''
    for (let c = 0; c < fields.length; c++) {
      if (c > 0) folder += '/'
      const value = valueAt(vectors[c], row)
      const name = partitionFolderName(fields[c].name, value, fields[c].type)
      folder += name
      if (isLongValueFolder(name) && !longValues.has(folder))
        longValues.set(folder, { column: fields[c].name, value: String(value) })
    }
    let rows = groups.get(folder)
    if (!rows) {
      rows = []
      groups.set(folder, rows)
    }
    rows.push(row)
  }
  return groups
}

/** Writes the batch's files (none for an empty batch) and returns them, relative to the output folder. */
export async function writePartitionedFiles(
  data: ColumnarBatch<unknown>,
  w: PartitionedWrite,
): Promise<SinkFileStatus[]> {
  if (data.numRows === 0) return []
  const dataFields = data.schema.fields.filter((f) => !w.partitionBy.includes(f.name))
  const dataSchema = new Schema(dataFields)
  const dataOnly = new ColumnarBatch(
    dataSchema,
    dataFields.map((f) => data.column(f.name)),
    data.numRows,
  )
  const written: SinkFileStatus[] = []
  const folders = new Set<string>()
  const longValues = new Map<string, { column: string; value: string }>()
  const groups = groupByPartition(data, w.partitionBy, longValues)
  for (const [folder, { column, value }] of longValues) {
    const dir = path.join(w.outputDir, ...folder.split('/'))
    await fs.mkdir(dir, { recursive: true })
    // Before any data file: a reader that sees the folder's files can always read its value.
    await atomicWrite(path.join(dir, LONG_VALUE_FILE), longValueFile(column, value))
  }
  for (const [folder, rows] of groups) {
    const part = folder === '' ? dataOnly : dataOnly.take(rows)
    const dir = folder === '' ? w.outputDir : path.join(w.outputDir, ...folder.split('/'))
    const name = dataFileName(w.batchId, w.format.extension)
    const file = path.join(dir, name)
    await writeAtomically(part, file, w)
    const stat = await fs.stat(file)
    written.push({ path: folder === '' ? name : `${folder}/${name}`, size: stat.size, mtimeMs: stat.mtimeMs })
    folders.add(dir)
  }
  // The commit log will claim these files; their names must survive a power cut first.
  for (const dir of folders) await fsyncDir(dir)
  return written
}

async function writeAtomically(
  batch: ColumnarBatch<unknown>,
  file: string,
  w: PartitionedWrite,
): Promise<void> {
  const dir = path.dirname(file)
  await fs.mkdir(dir, { recursive: true })
  const tmp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`)
  try {
    await w.format.write(batch, tmp, w.options)
    const handle = await fs.open(tmp, 'r+')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(tmp, file)
  } catch (e) {
    await fs.rm(tmp, { force: true })
    throw e
  }
}
