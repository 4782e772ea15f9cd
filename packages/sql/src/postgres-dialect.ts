/** PostgreSQL: "double-quoted" names, $n placeholders, ON CONFLICT upserts, transactional DDL. */
import {
  arrayOf,
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
  valuesList,
} from './dialect.js'
import { checkIdentifier, type TableName } from './identifiers.js'

/** Type OIDs from pg_type.h; any other type reads as its text form. */
const SCALAR_OIDS: Record<number, DataType> = {
  16: BooleanType,
  17: BinaryType,
  20: LongType,
  21: IntType,
  23: IntType,
  26: LongType,
  700: FloatType,
  701: DoubleType,
  1700: DoubleType,
  1082: DateType,
  1114: TimestampType,
  1184: TimestampType,
}

/** Array OIDs whose elements map to an engine type; other arrays read as text. */
export const PG_ARRAY_OIDS: Record<number, DataType> = {
  1000: BooleanType,
  1005: IntType,
  1007: IntType,
  1016: LongType,
  1021: FloatType,
  1022: DoubleType,
  1231: DoubleType,
  1009: StringType,
  1014: StringType,
  1015: StringType,
  1182: DateType,
  1115: TimestampType,
  1185: TimestampType,
}

const quote = (name: string, what = 'column'): string =>
  `"${checkIdentifier(name, what, 63, 'PostgreSQL').replaceAll('"', '""')}"`

function columnType(type: DataType): string {
  switch (type.kind) {
    case 'string':
    case 'null':
      return 'TEXT'
    case 'boolean':
      return 'BOOLEAN'
    case 'int':
      return 'INTEGER'
    case 'long':
      return 'BIGINT'
    case 'float':
      return 'REAL'
    case 'double':
      return 'DOUBLE PRECISION'
    // timestamptz: an instant, which is what the engine's epoch milliseconds are.
    case 'timestamp':
      return 'TIMESTAMPTZ'
    case 'date':
      return 'DATE'
    case 'binary':
      return 'BYTEA'
    default:
      return 'JSONB'
  }
}

function columnList(columns: readonly string[]): string {
  return columns.map((c) => quote(c)).join(', ')
}

const qualified = (t: TableName): string =>
  t.schema === undefined ? quote(t.name, 'table') : `${quote(t.schema, 'schema')}.${quote(t.name, 'table')}`

function insert(table: TableName, columns: readonly string[], rows: number): string {
  return `INSERT INTO ${qualified(table)} (${columnList(columns)}) VALUES ${valuesList(postgresDialect, columns.length, rows)}`
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  displayName: 'PostgreSQL',
  defaultPort: 5432,
  defaultUser: 'postgres',
  maxParameters: 65535,
  transactionalDdl: true,

  quote,
  qualified,
  placeholder: (i: number) => `$${i}`,

  columnType: (type: DataType) => columnType(type),

  engineType(column: NativeColumn): DataType {
    const scalar = SCALAR_OIDS[column.typeId]
    if (scalar) return scalar
    const element = PG_ARRAY_OIDS[column.typeId]
    if (element) return arrayOf(element)
    return StringType
  },

  toParameter(type: DataType, value: unknown, target: NativeColumn | undefined): unknown {
    if (value == null) return null
    switch (type.kind) {
      // ISO text with Z: read as the same instant by timestamptz, and as UTC wall time by timestamp.
      case 'timestamp':
        return new Date(value as number).toISOString()
      case 'date':
        return utcDateText(value as number)
      case 'binary':
        return Buffer.from(value as Uint8Array)
      case 'array':
        // A native array column takes a JS array (pg writes the array literal); anything else JSON.
        if (target && PG_ARRAY_OIDS[target.typeId]) return value
        return toJsonText(value)
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
        `${quote(c.name)} ${columnType(c.type)}${c.nullable && !keys.includes(c.name) ? '' : ' NOT NULL'}`,
    )
    if (keys.length > 0) defs.push(`PRIMARY KEY (${columnList(keys)})`)
    return `CREATE TABLE IF NOT EXISTS ${qualified(table)} (${defs.join(', ')})`
  },

  addColumn(table: TableName, column: ColumnDef): string {
    return `ALTER TABLE ${qualified(table)} ADD COLUMN IF NOT EXISTS ${quote(column.name)} ${columnType(column.type)}`
  },

  dropTable(table: TableName): string {
    return `DROP TABLE IF EXISTS ${qualified(table)}`
  },

  emptyTable(table: TableName): string {
    return `TRUNCATE TABLE ${qualified(table)}`
  },

  probe: (from: string) => `SELECT * FROM ${from} AS _tributary_probe WHERE 1 = 0`,

  insert,

  upsert(table: TableName, columns: readonly string[], keys: readonly string[], rows: number): string {
    const rest = columns.filter((c) => !keys.includes(c))
    const action =
      rest.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${rest.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}`
    // xmax is 0 on a freshly inserted row version and set on an updated one: it tells the two apart.
    return `${insert(table, columns, rows)} ON CONFLICT (${columnList(keys)}) ${action} RETURNING (xmax = 0) AS inserted`
  },

  insertIfAbsent(table: TableName, columns: readonly string[], keys: readonly string[]): string {
    return `${insert(table, columns, 1)} ON CONFLICT (${columnList(keys)}) DO NOTHING`
  },

  delete(table: TableName, keys: readonly string[], rows: number): string {
    return `DELETE FROM ${qualified(table)} WHERE ${keyInList(postgresDialect, keys, rows)}`
  },

  upsertCounts(result, rows) {
    let inserted = 0
    for (const r of result.rows) if (r[0] === true) inserted++
    // DO NOTHING returns only the inserted rows; the others kept their values.
    return {
      inserted,
      updated: result.rows.length === rows ? rows - inserted : result.rows.length - inserted,
    }
  },

  uniqueIndexes(table: TableName) {
    return {
      sql: `SELECT c.relname AS index_name, a.attname AS column_name
              FROM pg_index i
              JOIN pg_class c ON c.oid = i.indexrelid
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indpred IS NULL`,
      params: [qualified(table)],
    }
  },

  isMissingTable: (sqlState) => sqlState === '42P01',
  isDuplicateTable: (sqlState) => sqlState === '42P07' || sqlState === '23505',
}
