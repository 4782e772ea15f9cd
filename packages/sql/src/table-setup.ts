/**
 * Makes the target table fit the DataFrame before the first batch: create it (autoCreate,
 * or any df.write), add missing columns (autoEvolve), check that upserts have a unique key
 * to meet and that MySQL stores the table in a transactional engine. Errors say which
 * option or statement fixes them.
 */
import type { SaveMode } from '@tributary/core'
import type { ColumnDef, Dialect, NativeColumn } from './dialect.js'
import type { GuardedPool } from './driver.js'
import { SqlConnectorError } from './errors.js'
import { displayTable, type TableName } from './identifiers.js'

export interface TableSpec {
  readonly table: TableName
  /** The columns the sink writes, in DataFrame order (the delete flag column excluded). */
  readonly columns: readonly ColumnDef[]
  readonly keys: readonly string[]
  readonly autoCreate: boolean
  readonly autoEvolve: boolean
  /** Upserts need a primary key or unique index on exactly the key columns. */
  readonly needsUniqueKey: boolean
  /** df.write's mode; undefined for a stream. */
  readonly saveMode: SaveMode | undefined
  /** With overwrite: empty the table instead of dropping and recreating it. */
  readonly truncate: boolean
}

export interface PreparedTable {
  /** The table's columns as the server describes them, by name (for type-aware parameters). */
  readonly targets: ReadonlyMap<string, NativeColumn>
  /** Statements to run first inside the (first) write transaction: overwrite's drop/create or empty. */
  readonly prelude: readonly string[]
  /** df.write with mode('ignore') on an existing table: write nothing. */
  readonly skip: boolean
}

const TRANSACTIONAL_ENGINES = new Set(['innodb', 'rocksdb', 'tokudb'])

/** The table's columns, or undefined when it does not exist. */
async function probeTable(
  pool: GuardedPool,
  dialect: Dialect,
  table: TableName,
): Promise<NativeColumn[] | undefined> {
  try {
    return [
      ...(await pool.query(`checking table ${displayTable(table)}`, dialect.probe(dialect.qualified(table))))
        .columns,
    ]
  } catch (e) {
    if (e instanceof SqlConnectorError && dialect.isMissingTable(e.sqlState, e.errno)) return undefined
    throw e
  }
}

function sameName(dialect: Dialect, a: string, b: string): boolean {
  // MySQL column names ignore case; PostgreSQL's quoted names do not.
  return dialect.name === 'mysql' ? a.toLowerCase() === b.toLowerCase() : a === b
}

async function create(pool: GuardedPool, dialect: Dialect, spec: TableSpec): Promise<void> {
  await pool.query(
    `creating table ${displayTable(spec.table)}`,
    dialect.createTable(spec.table, spec.columns, spec.keys),
  )
}

async function evolve(
  pool: GuardedPool,
  dialect: Dialect,
  spec: TableSpec,
  existing: readonly NativeColumn[],
): Promise<void> {
  const missing = spec.columns.filter((c) => !existing.some((e) => sameName(dialect, e.name, c.name)))
  if (missing.length === 0) return
  const name = displayTable(spec.table)
  if (!spec.autoEvolve) {
    throw new SqlConnectorError(
      `SQL_MISSING_COLUMNS: table ${name} has no column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c.name}'`).join(', ')} that the DataFrame writes (table columns: ${existing.map((e) => `'${e.name}'`).join(', ')}). Set .option('autoEvolve', true) to add ${missing.length > 1 ? 'them' : 'it'}, add ${missing.length > 1 ? 'them' : 'it'} with ALTER TABLE, or drop ${missing.length > 1 ? 'them' : 'it'} from the DataFrame.`,
      'SQL_MISSING_COLUMNS',
    )
  }
  // New columns are nullable whatever the DataFrame says: the rows already there have no value.
  for (const c of missing) {
    await pool.query(
      `adding column '${c.name}' to ${name}`,
      dialect.addColumn(spec.table, { ...c, nullable: true }),
    )
  }
}

async function checkUniqueKey(pool: GuardedPool, dialect: Dialect, spec: TableSpec): Promise<void> {
  const q = dialect.uniqueIndexes(spec.table)
  const name = displayTable(spec.table)
  const rows = (await pool.query(`reading the indexes of ${name}`, q.sql, q.params)).rows
  const indexes = new Map<string, string[]>()
  for (const [index, column] of rows) {
    const cols = indexes.get(String(index)) ?? []
    cols.push(String(column))
    indexes.set(String(index), cols)
  }
  const wanted = spec.keys
  const matches = [...indexes.values()].some(
    (cols) => cols.length === wanted.length && wanted.every((k) => cols.some((c) => sameName(dialect, c, k))),
  )
  if (!matches) {
    const keys = wanted.map((k) => dialect.quote(k, 'key column')).join(', ')
    throw new SqlConnectorError(
      `SQL_NO_UNIQUE_KEY: mode 'upsert' with keyColumns ${wanted.join(',')} needs a primary key or unique index on exactly those columns of ${name}, and there is none${indexes.size ? ` (unique indexes: ${[...indexes].map(([i, c]) => `${i}(${c.join(',')})`).join(', ')})` : ''}. Add one: ALTER TABLE ${dialect.qualified(spec.table)} ADD PRIMARY KEY (${keys}); or let autoCreate create the table.`,
      'SQL_NO_UNIQUE_KEY',
    )
  }
}

async function checkEngine(pool: GuardedPool, dialect: Dialect, spec: TableSpec): Promise<void> {
  if (!dialect.storageEngine) return
  const q = dialect.storageEngine(spec.table)
  const name = displayTable(spec.table)
  const rows = (await pool.query(`reading the storage engine of ${name}`, q.sql, q.params)).rows
  const engine = rows.length > 0 && rows[0][0] != null ? String(rows[0][0]) : undefined
  // Views have no engine; the server checks what lies under them.
  if (engine && !TRANSACTIONAL_ENGINES.has(engine.toLowerCase())) {
    throw new SqlConnectorError(
      `SQL_NOT_TRANSACTIONAL: table ${name} uses the ${engine} storage engine, which cannot roll back a failed batch, so exactly-once writes are impossible. Convert it: ALTER TABLE ${dialect.qualified(spec.table)} ENGINE=InnoDB.`,
      'SQL_NOT_TRANSACTIONAL',
    )
  }
}

export async function prepareTable(
  pool: GuardedPool,
  dialect: Dialect,
  spec: TableSpec,
): Promise<PreparedTable> {
  const name = displayTable(spec.table)
  const existing = await probeTable(pool, dialect, spec.table)
  const none: ReadonlyMap<string, NativeColumn> = new Map()
  // DDL that PostgreSQL can roll back goes into the write transaction: a failed df.write
  // then leaves the table as it was.
  const deferred = (sql: string[]) => (dialect.transactionalDdl ? sql : [])
  const runNow = async (action: string, sql: string[]) => {
    if (dialect.transactionalDdl) return
    for (const s of sql) await pool.query(action, s)
  }
  const createSql = dialect.createTable(spec.table, spec.columns, spec.keys)

  if (spec.saveMode !== undefined) {
    if (!existing) {
      await runNow(`creating table ${name}`, [createSql])
      return { targets: none, prelude: deferred([createSql]), skip: false }
    }
    if (spec.saveMode === 'errorifexists') {
      throw new SqlConnectorError(
        `SQL_TABLE_EXISTS: table ${name} already exists. Use mode('append') to add to it, mode('overwrite') to replace its rows, or mode('ignore') to leave it as it is.`,
        'SQL_TABLE_EXISTS',
      )
    }
    if (spec.saveMode === 'ignore') return { targets: none, prelude: [], skip: true }
    if (spec.saveMode === 'overwrite' && !spec.truncate) {
      const recreate = [dialect.dropTable(spec.table), createSql]
      await runNow(`recreating table ${name}`, recreate)
      return { targets: none, prelude: deferred(recreate), skip: false }
    }
  } else if (!existing) {
    if (!spec.autoCreate) {
      throw new SqlConnectorError(
        `SQL_TABLE_NOT_FOUND: table ${name} does not exist. Create it, or set .option('autoCreate', true) to create it from the DataFrame's schema${spec.keys.length ? ` with primary key (${spec.keys.join(', ')})` : ''}.`,
        'SQL_TABLE_NOT_FOUND',
      )
    }
    await create(pool, dialect, spec)
    await checkEngine(pool, dialect, spec)
    return { targets: none, prelude: [], skip: false }
  }

  const columns = existing!
  await evolve(pool, dialect, spec, columns)
  if (spec.needsUniqueKey) await checkUniqueKey(pool, dialect, spec)
  await checkEngine(pool, dialect, spec)
  const targets = new Map<string, NativeColumn>()
  for (const c of spec.columns) {
    const t = columns.find((e) => sameName(dialect, e.name, c.name))
    if (t) targets.set(c.name, t)
  }
  const prelude = spec.saveMode === 'overwrite' ? [dialect.emptyTable(spec.table)] : []
  return { targets, prelude, skip: false }
}
