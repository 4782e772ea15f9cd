/**
 * MySQL and MariaDB: `backquoted` names, ? placeholders, ON DUPLICATE KEY UPDATE upserts.
 * DDL commits the open transaction here, so the sink runs it before a batch's transaction.
 */
import {
  BinaryType,
  BooleanType,
  type DataType,
  DateType,
  DoubleType,
  FloatType,
  IntType,
  LongType,
  StringType,
  TimestampType,
} from '@tributary/core'
import {
  type ColumnDef,
  type Dialect,
  keyInList,
  type NativeColumn,
  toJsonText,
  utcDateText,
  utcTimestampText,
  valuesList,
} from './dialect.js'
import { checkIdentifier, InvalidIdentifierError, type TableName } from './identifiers.js'

const UNSIGNED_FLAG = 32
const BINARY_CHARSET = 63

function quote(name: string, what = 'column'): string {
  checkIdentifier(name, what, 64, 'MySQL/MariaDB')
  // The server refuses these even when quoted; say so before it does, with the way out.
  if (name.endsWith(' ') || [...name].some((ch) => ch.codePointAt(0)! > 0xffff)) {
    throw new InvalidIdentifierError(
      `INVALID_IDENTIFIER: the ${what} name ${JSON.stringify(name)} ends with a space or has a character outside the Basic Multilingual Plane, which MySQL/MariaDB names cannot hold. Rename it.`,
      'INVALID_IDENTIFIER',
    )
  }
  return `\`${name.replaceAll('`', '``')}\``
}

const qualified = (t: TableName): string =>
  t.schema === undefined ? quote(t.name, 'table') : `${quote(t.schema, 'database')}.${quote(t.name, 'table')}`

const columnList = (columns: readonly string[]): string => columns.map((c) => quote(c)).join(', ')

function columnType(type: DataType, isKey: boolean): string {
  switch (type.kind) {
    // TEXT and BLOB cannot be a key without a prefix length: keys get bounded types.
    case 'string':
    case 'null':
      return isKey ? 'VARCHAR(255)' : 'TEXT'
    case 'binary':
      return isKey ? 'VARBINARY(255)' : 'LONGBLOB'
    case 'boolean':
      return 'BOOLEAN'
    case 'int':
      return 'INT'
    case 'long':
      return 'BIGINT'
    case 'float':
      return 'FLOAT'
    case 'double':
      return 'DOUBLE'
    // DATETIME(3), not TIMESTAMP: no 2038 limit and no session time zone conversion; the
    // sink writes UTC wall time.
    case 'timestamp':
      return 'DATETIME(3)'
    case 'date':
      return 'DATE'
    default:
      return 'JSON'
  }
}

function insert(table: TableName, columns: readonly string[], rows: number): string {
  return `INSERT INTO ${qualified(table)} (${columnList(columns)}) VALUES ${valuesList(mysqlDialect, columns.length, rows)}`
}

export const mysqlDialect: Dialect = {
  name: 'mysql',
  displayName: 'MySQL/MariaDB',
  defaultPort: 3306,
  defaultUser: 'root',
  maxParameters: 65535,
  transactionalDdl: false,

  quote,
  qualified,
  placeholder: () => '?',
  columnType,

  engineType(column: NativeColumn): DataType {
    const unsigned = ((column.flags ?? 0) & UNSIGNED_FLAG) !== 0
    const binary = column.charset === BINARY_CHARSET
    switch (column.typeId) {
      case 1: // TINYINT: TINYINT(1) is how MySQL spells BOOLEAN
        return column.length === 1 ? BooleanType : IntType
      case 2: // SMALLINT
      case 9: // MEDIUMINT
      case 13: // YEAR
        return IntType
      case 3: // INT
        return unsigned ? LongType : IntType
      case 8: // BIGINT
        return LongType
      case 4:
        return FloatType
      case 5:
      case 0: // DECIMAL
      case 246: // NEWDECIMAL
        return DoubleType
      case 7: // TIMESTAMP
      case 12: // DATETIME
        return TimestampType
      case 10:
      case 14:
        return DateType
      case 16: // BIT
        return column.length === 1 ? BooleanType : BinaryType
      case 255: // GEOMETRY
        return BinaryType
      case 15:
      case 249:
      case 250:
      case 251:
      case 252:
      case 253:
      case 254:
        return binary ? BinaryType : StringType
      default: // TIME, JSON, ENUM, SET and anything newer read as text
        return StringType
    }
  },

  toParameter(type: DataType, value: unknown): unknown {
    if (value == null) return null
    switch (type.kind) {
      case 'timestamp':
        return utcTimestampText(value as number)
      case 'date':
        return utcDateText(value as number)
      case 'binary':
        return Buffer.from(value as Uint8Array)
      case 'array':
      case 'struct':
      case 'map':
        return toJsonText(value)
      default:
        return value
    }
  },

  createTable(table: TableName, columns: readonly ColumnDef[], keys: readonly string[]): string {
    const defs = columns.map(
      (c) =>
        `${quote(c.name)} ${columnType(c.type, keys.includes(c.name))}${c.nullable && !keys.includes(c.name) ? '' : ' NOT NULL'}`,
    )
    if (keys.length > 0) defs.push(`PRIMARY KEY (${columnList(keys)})`)
    // InnoDB: the batch log's exactly-once needs a transactional engine.
    return `CREATE TABLE IF NOT EXISTS ${qualified(table)} (${defs.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`
  },

  addColumn(table: TableName, column: ColumnDef): string {
    return `ALTER TABLE ${qualified(table)} ADD COLUMN ${quote(column.name)} ${columnType(column.type, false)}`
  },

  dropTable: (table: TableName) => `DROP TABLE IF EXISTS ${qualified(table)}`,
  emptyTable: (table: TableName) => `DELETE FROM ${qualified(table)}`,
  probe: (from: string) => `SELECT * FROM ${from} AS _tributary_probe WHERE 1 = 0`,

  insert,

  upsert(table: TableName, columns: readonly string[], keys: readonly string[], rows: number): string {
    const rest = columns.filter((c) => !keys.includes(c))
    // VALUES(col) rather than the MySQL 8 row alias: MariaDB knows only VALUES().
    const set = (rest.length > 0 ? rest : keys.slice(0, 1)).map((c) => `${quote(c)} = VALUES(${quote(c)})`)
    return `${insert(table, columns, rows)} ON DUPLICATE KEY UPDATE ${set.join(', ')}`
  },

  insertIfAbsent(table: TableName, columns: readonly string[], keys: readonly string[]): string {
    const k = quote(keys[0])
    return `${insert(table, columns, 1)} ON DUPLICATE KEY UPDATE ${k} = ${k}`
  },

  delete: (table: TableName, keys: readonly string[], rows: number) =>
    `DELETE FROM ${qualified(table)} WHERE ${keyInList(mysqlDialect, keys, rows)}`,

  upsertCounts(result, rows) {
    // A multi-row INSERT reports "Records: n  Duplicates: d": d rows met an existing key.
    const dup = /Duplicates:\s*(\d+)/.exec(result.info)
    if (dup) {
      const updated = Number(dup[1])
      return { inserted: rows - updated, updated }
    }
    // One row: affected rows is 1 for an insert, 2 for an update, 0 when nothing changed.
    if (rows === 1) return result.rowCount === 1 ? { inserted: 1, updated: 0 } : { inserted: 0, updated: 1 }
    // No summary (not seen from either server): each changed row adds one affected row.
    const updated = Math.min(rows, Math.max(0, result.rowCount - rows))
    return { inserted: rows - updated, updated }
  },

  uniqueIndexes(table: TableName) {
    return {
      sql: `SELECT index_name, column_name FROM information_schema.statistics
             WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND non_unique = 0`,
      params: [table.schema ?? null, table.name],
    }
  },

  storageEngine(table: TableName) {
    return {
      sql: `SELECT engine FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?`,
      params: [table.schema ?? null, table.name],
    }
  },

  isMissingTable: (sqlState, errno) => errno === 1146 || sqlState === '42S02',
  isDuplicateTable: (sqlState, errno) => errno === 1050 || sqlState === '42S01',
}
