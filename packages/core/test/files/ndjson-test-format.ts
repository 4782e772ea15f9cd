/**
 * A tiny newline-delimited JSON FileFormat for the file source and sink tests, so they do
 * not depend on the real codecs. Only what the tests need: JSON.parse per line, the
 * DROPMALFORMED mode, and inference of string / double / boolean columns.
 */
import { promises as fs, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import type { FileFormat } from '../../src/formats/file-format.js'
import { fileFormatProviders } from '../../src/formats/files/providers.js'
import { BooleanType, type DataType, DoubleType, StringType } from '../../src/types/data-types.js'
import { Schema } from '../../src/types/schema.js'
import { MalformedRecordError } from '../../src/util/errors.js'

function parseLines(
  text: string,
  file: string,
  dropMalformed: boolean,
): { rows: unknown[]; dropped: number } {
  const rows: unknown[] = []
  let dropped = 0
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    try {
      rows.push(JSON.parse(line))
    } catch {
      if (!dropMalformed) throw new MalformedRecordError(`${file}:${i + 1}: not JSON`, 'MALFORMED_RECORD')
      dropped++
    }
  })
  return { rows, dropped }
}

function typeOf(value: unknown): DataType {
  if (typeof value === 'number') return DoubleType
  if (typeof value === 'boolean') return BooleanType
  return StringType
}

export const ndjsonFormat: FileFormat = {
  name: 'ndjson-test',
  extension: 'ndjson',
  readOptions: ['mode'],
  writeOptions: ['compression'],
  inferSchema(files) {
    const types = new Map<string, DataType>()
    for (const file of files) {
      for (const row of parseLines(readFileSync(file, 'utf8'), file, true).rows) {
        for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
          if (!types.has(k) && v !== null) types.set(k, typeOf(v))
        }
      }
    }
    return new Schema([...types].map(([name, type]) => ({ name, type, nullable: true })))
  },
  async read(file, schema, options) {
    const drop = (options.get('mode') ?? '').toUpperCase() === 'DROPMALFORMED'
    const { rows, dropped } = parseLines(await fs.readFile(file, 'utf8'), file, drop)
    const projected = rows.map((r) => {
      const src = r as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const f of schema.fields) out[f.name] = src[f.name] ?? null
      return out
    })
    return { batch: ColumnarBatch.fromRows(schema, projected), droppedMalformed: dropped }
  },
  async write(batch, file) {
    const lines = batch.toRows().map((r) => JSON.stringify(r))
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, lines.length ? `${lines.join('\n')}\n` : '')
  },
}

export const ndjson = fileFormatProviders(ndjsonFormat)

/** Writes rows as one ndjson file, optionally with a given modification time (ms). */
export async function writeRows(
  file: string,
  rows: readonly Record<string, unknown>[],
  mtimeMs?: number,
): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''))
  if (mtimeMs !== undefined) await fs.utimes(file, mtimeMs / 1000, mtimeMs / 1000)
  return file
}
