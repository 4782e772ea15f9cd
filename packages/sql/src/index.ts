/**
 * @packageDocumentation
 * PostgreSQL and MySQL/MariaDB for Tributary. Importing this package registers the formats
 * `postgres` (alias `postgresql`) and `mysql` (alias `mariadb`) for `writeStream`,
 * `df.write` and `session.read`. The stream sink writes each micro-batch exactly once: the
 * rows and the batch id go into the database in one transaction.
 */
import { registerSinkProvider, registerSourceProvider } from '@tributary/core'
import { mysqlDialect } from './mysql-dialect.js'
import { postgresDialect } from './postgres-dialect.js'
import { sqlSinkProvider, sqlSourceProvider } from './providers.js'

for (const [name, dialect] of [
  ['postgres', postgresDialect],
  ['postgresql', postgresDialect],
  ['mysql', mysqlDialect],
  ['mariadb', mysqlDialect],
] as const) {
  registerSinkProvider(sqlSinkProvider(dialect, name))
  registerSourceProvider(sqlSourceProvider(dialect, name))
}

export { DEFAULT_BATCH_TABLE } from './batch-log.js'
export { type ConnectionSettings, parseConnection, type TlsMode } from './connection-options.js'
export type { ColumnDef, Dialect, DialectName, NativeColumn } from './dialect.js'
export { SqlConnectorError } from './errors.js'
export { parseTableName, type TableName } from './identifiers.js'
export { mysqlDialect } from './mysql-dialect.js'
export { postgresDialect } from './postgres-dialect.js'
export { sqlSinkProvider, sqlSourceProvider } from './providers.js'
export type { WriteMode } from './row-writer.js'
export { SINK_OPTIONS, SqlSink, type SqlSinkMetrics } from './sql-sink.js'
export { SOURCE_OPTIONS } from './sql-source.js'
export { executeSql, type StatementResult } from './statements.js'
