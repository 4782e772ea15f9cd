/**
 * A micro-batch as SQL statements. With keys (upsert, delete, or a delete flag) the batch
 * is first reduced to the last change per key, in batch order: a key inserted, updated and
 * deleted within one batch ends deleted, as if the rows had been applied one by one, and
 * no statement meets the same key twice (PostgreSQL refuses that in one upsert).
 * Rows then go as multi-row statements of at most `rowsPerStatement` rows.
 */
import type { ColumnarBatch, DataType, Vector } from '@tributary/core'
import type { Dialect, NativeColumn } from './dialect.js'
import type { SqlSession } from './driver.js'
import { SqlConnectorError } from './errors.js'
import type { TableName } from './identifiers.js'

export type WriteMode = 'insert' | 'upsert' | 'delete'

export interface WriteColumn {
  readonly name: string
  /** Position in the batch. */
  readonly index: number
  readonly type: DataType
  /** The table's column, when known: PostgreSQL arrays take JS arrays, other columns JSON. */
  readonly target: NativeColumn | undefined
}

export interface WriteSpec {
  readonly dialect: Dialect
  readonly table: TableName
  readonly mode: WriteMode
  readonly columns: readonly WriteColumn[]
  /** Key columns, a subset of `columns`. */
  readonly keys: readonly WriteColumn[]
  /** Position of the boolean delete flag in the batch, or -1. */
  readonly flagIndex: number
  readonly batchSize: number
}

export interface WriteCounts {
  inserted: number
  updated: number
  deleted: number
}

/** The engine's value at row i: number (epoch ms for time), boolean, JS value, or null. */
function valueAt(v: Vector, i: number): unknown {
  if (v.kind === 'object') return v.values[i] ?? null
  if (v.validity !== null && v.validity[i] === 0) return null
  return v.kind === 'number' ? v.values[i] : v.values[i] === 1
}

interface RowPlan {
  readonly writes: number[]
  readonly deletes: number[]
}

export function planRows(data: ColumnarBatch<unknown>, spec: WriteSpec): RowPlan {
  const n = data.numRows
  const flag = spec.flagIndex >= 0 ? data.columns[spec.flagIndex] : undefined
  const isDelete = (i: number) => spec.mode === 'delete' || (flag !== undefined && valueAt(flag, i) === true)
  if (spec.mode === 'insert' && !flag) {
    return { writes: Array.from({ length: n }, (_, i) => i), deletes: [] }
  }
  const keyVectors = spec.keys.map((k) => data.columns[k.index])
  const last = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const key: unknown[] = new Array(keyVectors.length)
    for (let k = 0; k < keyVectors.length; k++) {
      const v = valueAt(keyVectors[k], i)
      if (v === null) {
        throw new SqlConnectorError(
          `SQL_NULL_KEY: row ${i} of the batch has null in key column '${spec.keys[k].name}'; a key identifies the row to ${isDelete(i) ? 'delete' : 'upsert'}, so it cannot be null. Filter such rows out, or fill the key (coalesce) before writing.`,
          'SQL_NULL_KEY',
        )
      }
      key[k] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v
    }
    const id = JSON.stringify(key)
    // Delete and re-set so that the map's order is the order of each key's last change.
    last.delete(id)
    last.set(id, i)
  }
  const writes: number[] = []
  const deletes: number[] = []
  for (const i of last.values()) (isDelete(i) ? deletes : writes).push(i)
  return { writes, deletes }
}

function parameters(
  data: ColumnarBatch<unknown>,
  spec: WriteSpec,
  columns: readonly WriteColumn[],
  rows: readonly number[],
): unknown[] {
  const out: unknown[] = new Array(rows.length * columns.length)
  let p = 0
  const vectors = columns.map((c) => data.columns[c.index])
  for (const r of rows) {
    for (let c = 0; c < columns.length; c++) {
      out[p++] = spec.dialect.toParameter(columns[c].type, valueAt(vectors[c], r), columns[c].target)
    }
  }
  return out
}

function chunks(rows: readonly number[], size: number): number[][] {
  const out: number[][] = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}

/** Statement size: the batchSize option, but never past the server's parameter limit. */
function rowsPerStatement(spec: WriteSpec, width: number): number {
  return Math.max(1, Math.min(spec.batchSize, Math.floor(spec.dialect.maxParameters / Math.max(1, width))))
}

/** Runs the batch's statements in the given session (the caller's transaction). */
export async function writeRows(
  s: SqlSession,
  data: ColumnarBatch<unknown>,
  spec: WriteSpec,
): Promise<WriteCounts> {
  const { dialect, table } = spec
  const plan = planRows(data, spec)
  const counts: WriteCounts = { inserted: 0, updated: 0, deleted: 0 }
  const keyNames = spec.keys.map((k) => k.name)
  const names = spec.columns.map((c) => c.name)

  for (const part of chunks(plan.deletes, rowsPerStatement(spec, spec.keys.length))) {
    const r = await s.query(
      dialect.delete(table, keyNames, part.length),
      parameters(data, spec, spec.keys, part),
    )
    counts.deleted += r.rowCount
  }
  for (const part of chunks(plan.writes, rowsPerStatement(spec, spec.columns.length))) {
    const params = parameters(data, spec, spec.columns, part)
    if (spec.mode === 'upsert') {
      const r = await s.query(dialect.upsert(table, names, keyNames, part.length), params)
      const c = dialect.upsertCounts(r, part.length)
      counts.inserted += c.inserted
      counts.updated += c.updated
    } else {
      const r = await s.query(dialect.insert(table, names, part.length), params)
      counts.inserted += r.rowCount
    }
  }
  return counts
}
