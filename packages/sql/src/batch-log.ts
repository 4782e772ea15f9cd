/**
 * The batch log: one row per (table, query id) holding the newest batch id written to that
 * table by that query. A batch's rows and its log row change in one transaction, so after
 * any crash the log says exactly whether the batch is in the table; a replayed batch id at
 * or below the logged one is skipped whole. One row per query, not per batch: batches run
 * in order, so the newest id answers "already written?" for every replay.
 */
import { type DataType, LongType, StringType, TimestampType } from '@tributary/core'
import type { ColumnDef, Dialect } from './dialect.js'
import type { GuardedPool, SqlSession } from './driver.js'
import { SqlConnectorError } from './errors.js'
import { displayTable, type TableName } from './identifiers.js'

export const DEFAULT_BATCH_TABLE = '_tributary_batches'

const COLUMNS: readonly ColumnDef[] = [
  { name: 'table_name', type: StringType, nullable: false },
  { name: 'query_id', type: StringType, nullable: false },
  { name: 'batch_id', type: LongType, nullable: false },
  { name: 'committed_at', type: TimestampType, nullable: false },
]
const NAMES = COLUMNS.map((c) => c.name)
const KEYS = ['table_name', 'query_id']

export class BatchLog {
  /** The target table as the log names it: the table option as written, schema included. */
  readonly tableKey: string

  constructor(
    private readonly dialect: Dialect,
    readonly table: TableName,
    target: TableName,
    readonly queryId: string,
  ) {
    this.tableKey = displayTable(target)
  }

  private params(batchId: number): unknown[] {
    const types: DataType[] = COLUMNS.map((c) => c.type)
    return [this.tableKey, this.queryId, batchId, Date.now()].map((v, i) =>
      this.dialect.toParameter(types[i], v, undefined),
    )
  }

  /**
   * Creates the log table and this query's row when missing. The row exists before the
   * first batch so that every batch transaction locks it: two runs of the same query
   * against one table then write one after the other, and the second sees the first's id.
   */
  async prepare(pool: GuardedPool): Promise<void> {
    const action = `preparing the batch log ${displayTable(this.table)}`
    try {
      await pool.query(action, this.dialect.createTable(this.table, COLUMNS, KEYS))
    } catch (e) {
      // Two queries starting at once may both try to create it; losing that race is fine.
      if (!(e instanceof SqlConnectorError && this.dialect.isDuplicateTable(e.sqlState, e.errno))) throw e
    }
    await pool.query(action, this.dialect.insertIfAbsent(this.table, NAMES, KEYS), this.params(-1))
  }

  /** The newest batch id written by this query, -1 before any; locks the row until the transaction ends. */
  async lastCommitted(s: SqlSession): Promise<number> {
    const d = this.dialect
    const r = await s.query(
      `SELECT ${d.quote('batch_id')} FROM ${d.qualified(this.table)} WHERE ${d.quote('table_name')} = ${d.placeholder(1)} AND ${d.quote('query_id')} = ${d.placeholder(2)} FOR UPDATE`,
      [this.tableKey, this.queryId],
    )
    return r.rows.length === 0 ? -1 : Number(r.rows[0][0])
  }

  async record(s: SqlSession, batchId: number): Promise<void> {
    await s.query(this.dialect.upsert(this.table, NAMES, KEYS, 1), this.params(batchId))
  }
}
