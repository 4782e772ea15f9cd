/**
 * One statement outside any query, with the connector's connection options: for setup and
 * cleanup around a pipeline (CREATE, DROP, a DELETE of test rows). Values go as bound
 * parameters in the server's own placeholder syntax: $1, $2 for PostgreSQL, ? for MySQL.
 */
import { OptionError, Options } from '@tributary/core'
import { CONNECTION_OPTIONS, parseConnection } from './connection-options.js'
import type { Dialect } from './dialect.js'
import { guarded } from './driver.js'
import { mysqlDialect } from './mysql-dialect.js'
import { openPool } from './pools.js'
import { postgresDialect } from './postgres-dialect.js'

const DIALECTS: Record<string, Dialect> = {
  postgres: postgresDialect,
  postgresql: postgresDialect,
  mysql: mysqlDialect,
  mariadb: mysqlDialect,
}

export interface StatementResult {
  /** Rows by column name (a repeated name keeps its last value). */
  readonly rows: Record<string, unknown>[]
  /** Rows affected (INSERT, UPDATE, DELETE) or returned (SELECT). */
  readonly rowCount: number
}

/**
 * Runs `sql` once on a connection of its own, e.g.
 * `await executeSql('postgres', { host, user, database }, 'DROP TABLE IF EXISTS events')`.
 */
export async function executeSql(
  format: 'postgres' | 'postgresql' | 'mysql' | 'mariadb',
  options: Readonly<Record<string, string | number | boolean | undefined>>,
  sql: string,
  params: readonly unknown[] = [],
): Promise<StatementResult> {
  const dialect = DIALECTS[String(format).toLowerCase()]
  if (!dialect) {
    throw new OptionError(
      `executeSql: format '${format}' is not one of ${Object.keys(DIALECTS).join(', ')}.`,
      'UNKNOWN_FORMAT',
    )
  }
  const o = new Options(options, `executeSql('${format}')`)
  o.checkKnown(CONNECTION_OPTIONS)
  const c = parseConnection(o, dialect)
  const pool = guarded(openPool(dialect.name, { ...c, poolSize: 1 }), dialect.displayName, c)
  try {
    const r = await pool.query('running a statement', sql, params)
    const names = r.columns.map((col) => col.name)
    const rows = r.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])))
    return { rows, rowCount: r.rowCount }
  } finally {
    await pool.end()
  }
}
