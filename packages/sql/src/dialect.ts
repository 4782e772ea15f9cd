/**
 * What differs between PostgreSQL and MySQL/MariaDB: quoting, placeholders, column types,
 * upsert syntax and a few catalog queries. A dialect only builds SQL text and maps types;
 * values never pass through it into SQL, they go as bound parameters.
 */
import type { DataType } from '@tributary/core'
import type { TableName } from './identifiers.js'

export type DialectName = 'postgres' | 'mysql'

/** A result column as the driver describes it, reduced to what type mapping needs. */
export interface NativeColumn {
  readonly name: string
  /** PostgreSQL: the type OID. MySQL: the protocol column type code. */
  readonly typeId: number
  /** MySQL: column flags (UNSIGNED, BINARY, ...). */
  readonly flags?: number
  /** MySQL: the display length (TINYINT(1) is a boolean). */
  readonly length?: number
  /** MySQL: the character set number; 63 means binary. */
  readonly charset?: number
}

/** A column to create: name, engine type, and whether NULL is allowed. */
export interface ColumnDef {
  readonly name: string
  readonly type: DataType
  readonly nullable: boolean
}

/** A catalog query with its bound parameters. */
export interface BoundSql {
  readonly sql: string
  readonly params: readonly unknown[]
}

export interface Dialect {
  readonly name: DialectName
  /** For messages: 'PostgreSQL', 'MySQL/MariaDB'. */
  readonly displayName: string
  readonly defaultPort: number
  readonly defaultUser: string
  /** Bound parameters one statement may carry (both servers stop at 65535). */
  readonly maxParameters: number
  /** Whether CREATE/DROP/ALTER take part in a transaction (PostgreSQL) or commit it (MySQL). */
  readonly transactionalDdl: boolean

  /** The name quoted; throws on names that cannot be quoted safely. */
  quote(name: string, what?: string): string
  qualified(table: TableName): string
  /** The placeholder for the i-th parameter, counting from 1. */
  placeholder(i: number): string

  /** The column type to create for an engine type; key columns need an indexable type. */
  columnType(type: DataType, isKey: boolean): string
  /** The engine type for a result column. */
  engineType(column: NativeColumn): DataType
  /** An engine value (epoch ms for time, Uint8Array, nested JS values) as a bound parameter. */
  toParameter(type: DataType, value: unknown, target: NativeColumn | undefined): unknown

  createTable(table: TableName, columns: readonly ColumnDef[], keys: readonly string[]): string
  addColumn(table: TableName, column: ColumnDef): string
  dropTable(table: TableName): string
  /** Empties a table inside a transaction (MySQL's TRUNCATE would commit it). */
  emptyTable(table: TableName): string
  /** A query that returns no rows but the columns of `from` (a table or a parenthesized query). */
  probe(from: string): string

  insert(table: TableName, columns: readonly string[], rows: number): string
  /** Insert, or update the non-key columns of the row with the same key. */
  upsert(table: TableName, columns: readonly string[], keys: readonly string[], rows: number): string
  /** Insert unless a row with the same key exists. */
  insertIfAbsent(table: TableName, columns: readonly string[], keys: readonly string[]): string
  delete(table: TableName, keys: readonly string[], rows: number): string
  /** Rows inserted and rows updated by one upsert statement of `rows` rows. */
  upsertCounts(
    result: { rows: readonly unknown[][]; rowCount: number; info: string },
    rows: number,
  ): {
    inserted: number
    updated: number
  }

  /** Rows (index name, column name) of the table's unique indexes and primary key. */
  uniqueIndexes(table: TableName): BoundSql
  /** Rows (engine) for the table when the server has non-transactional engines; undefined otherwise. */
  storageEngine?(table: TableName): BoundSql

  /** The server said the table does not exist. */
  isMissingTable(sqlState: string | undefined, errno: number | undefined): boolean
  /** The server said the table already exists (a concurrent CREATE TABLE IF NOT EXISTS). */
  isDuplicateTable(sqlState: string | undefined, errno: number | undefined): boolean
}

/** `(p1, p2, ...), (...)`: the VALUES list of a multi-row statement. */
export function valuesList(dialect: Dialect, columns: number, rows: number): string {
  const out: string[] = new Array(rows)
  let p = 1
  for (let r = 0; r < rows; r++) {
    const row: string[] = new Array(columns)
    for (let c = 0; c < columns; c++) row[c] = dialect.placeholder(p++)
    out[r] = `(${row.join(', ')})`
  }
  return out.join(', ')
}

/** `k IN (p, ...)` or `(k1, k2) IN ((p, p), ...)` for deleting keys. */
export function keyInList(dialect: Dialect, keys: readonly string[], rows: number): string {
  const cols = keys.map((k) => dialect.quote(k, 'key column'))
  if (keys.length === 1) {
    const ps: string[] = new Array(rows)
    for (let r = 0; r < rows; r++) ps[r] = dialect.placeholder(r + 1)
    return `${cols[0]} IN (${ps.join(', ')})`
  }
  return `(${cols.join(', ')}) IN (${valuesList(dialect, keys.length, rows)})`
}

/** Epoch ms as `YYYY-MM-DD HH:MM:SS.mmm` in UTC: a literal both servers read without a zone. */
export function utcTimestampText(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

/** Epoch ms as the UTC calendar date `YYYY-MM-DD`. */
export function utcDateText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** Nested values (arrays, structs, maps) travel as JSON text; binary inside as base64. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))
}
