/** The driver for a dialect: pg for PostgreSQL, mysql2 for MySQL and MariaDB. */
import type { ConnectionSettings } from './connection-options.js'
import type { DialectName } from './dialect.js'
import type { RawPool } from './driver.js'
import { openMysqlPool } from './mysql-driver.js'
import { openPostgresPool } from './postgres-driver.js'

export function openPool(dialect: DialectName, c: ConnectionSettings): RawPool {
  return dialect === 'postgres' ? openPostgresPool(c) : openMysqlPool(c)
}
