/**
 * Checksums of the file jobs' answers, computed after the clock stops, so that every way is
 * compared by what it wrote, read back the same way: Parquet outputs through hyparquet (ids
 * as numbers, timestamps as epoch ms whatever their unit), aggregation rows as (window start
 * ms, window end ms, country, count, avg rounded to 1e-6, since a sum in another order
 * differs in its last bits).
 */
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { type Cell, Checksum } from '../nexmark/checksum.js'

function cell(v: unknown): Cell {
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof Date) return v.getTime()
  return v as Cell
}

function parquetFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(e.parentPath, e.name)
    if (e.isFile() && e.name.endsWith('.parquet') && !full.includes('_spark_metadata')) out.push(full)
  }
  return out.sort()
}

/** The rows of every Parquet file under `dir` (metadata folders aside), columns in `columns` order. */
export async function parquetChecksum(dir: string, columns: readonly string[]): Promise<Checksum> {
  const sum = new Checksum()
  for (const file of parquetFiles(dir)) {
    const b = readFileSync(file)
    const file_ = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)
    if (Number(parquetMetadata(file_).num_rows) === 0) continue
    const rows = await parquetReadObjects({ file: file_, columns: [...columns] })
    for (const r of rows) sum.addRow(columns.map((c) => cell((r as Record<string, unknown>)[c])))
  }
  return sum
}

export interface WindowRow {
  readonly start: number
  readonly end: number
  readonly country: string
  readonly count: number
  readonly avg: number
}

export function windowChecksum(rows: Iterable<WindowRow>): Checksum {
  const sum = new Checksum()
  for (const r of rows) sum.addRow([r.start, r.end, r.country, r.count, Math.round(r.avg * 1e6) / 1e6])
  return sum
}
