/**
 * Batch reads: `session.read.format('postgres').option('table' | 'query', ...).load()`.
 * The schema comes from the server at load() (schema-probe.ts) unless `.schema(...)` gives
 * one; rows are read when an action runs, in one query, into one batch. Streaming reads are
 * refused: a table is not a replayable log (change data capture would be).
 */
import {
  ColumnarBatch,
  type DataType,
  OptionError,
  type Options,
  Schema,
  type SchemaContext,
  type Source,
  type SourceContext,
  typeToString,
} from '@tributary/core'
import {
  CONNECTION_OPTIONS,
  type ConnectionSettings,
  describeEndpoint,
  parseConnection,
} from './connection-options.js'
import type { Dialect, NativeColumn } from './dialect.js'
import { guarded } from './driver.js'
import { SqlConnectorError } from './errors.js'
import { displayTable } from './identifiers.js'
import { openPool } from './pools.js'
import { probeColumnsSync } from './schema-probe.js'
import { tableOption } from './sql-sink.js'

export const SOURCE_OPTIONS = [...CONNECTION_OPTIONS, 'table', 'dbtable', 'query'] as const

interface ReadTarget {
  readonly select: string
  readonly probe: string
  readonly label: string
  readonly isTable: boolean
}

function readTarget(options: Options, dialect: Dialect): ReadTarget {
  const owner = options.owner
  const t = tableOption(options, '')
  const query = options.get('query')
  if (t && query !== undefined) {
    throw new OptionError(
      `${owner}: give option '${t.option}' or option 'query', not both.`,
      'INVALID_OPTION',
    )
  }
  if (t) {
    const q = dialect.qualified(t.table)
    return {
      select: `SELECT * FROM ${q}`,
      probe: dialect.probe(q),
      label: `table ${displayTable(t.table)}`,
      isTable: true,
    }
  }
  if (query === undefined || query.trim() === '') {
    throw new OptionError(
      `${owner}: option 'table' or option 'query' is required, e.g. .option('table', 'public.events') or .option('query', 'SELECT id, name FROM users WHERE active').`,
      'MISSING_OPTION',
    )
  }
  // The query runs as written; only the schema probe wraps it, as a derived table.
  const text = query.trim().replace(/;\s*$/, '')
  return { select: text, probe: dialect.probe(`(${text})`), label: 'the query', isTable: false }
}

function refuseStreaming(owner: string, name: string): OptionError {
  return new OptionError(
    `${owner}: format '${name}' reads a table once (session.read), not as a stream: a table is not a replayable log. Use session.read.format('${name}') for a batch DataFrame; to stream changes, read them from a change-data-capture topic (e.g. Debezium into Kafka).`,
    'STREAMING_NOT_SUPPORTED',
  )
}

function missingTable(e: unknown, dialect: Dialect, target: ReadTarget, c: ConnectionSettings): unknown {
  if (target.isTable && e instanceof SqlConnectorError && dialect.isMissingTable(e.sqlState, e.errno)) {
    return new SqlConnectorError(
      `SQL_TABLE_NOT_FOUND: ${target.label} does not exist in ${dialect.displayName} at ${describeEndpoint(c)}. Check the table option (and the database); names are used exactly as written${dialect.name === 'postgres' ? ', so case matters' : ''}.`,
      'SQL_TABLE_NOT_FOUND',
      { cause: e, sqlState: e.sqlState, errno: e.errno },
    )
  }
  return e
}

export function inferSchema(dialect: Dialect, name: string, ctx: SchemaContext): Schema<unknown> {
  const owner = ctx.options.owner
  if (ctx.streaming) throw refuseStreaming(owner, name)
  const target = readTarget(ctx.options, dialect)
  const c = parseConnection(ctx.options, dialect)
  if (ctx.userSchema) return ctx.userSchema
  let columns: NativeColumn[]
  try {
    columns = probeColumnsSync(
      dialect.name,
      dialect.displayName,
      c,
      target.probe,
      `reading the columns of ${target.label}`,
    )
  } catch (e) {
    throw missingTable(e, dialect, target, c)
  }
  const seen = new Set<string>()
  for (const col of columns) {
    if (seen.has(col.name)) {
      throw new OptionError(
        `${owner}: ${target.label} returns the column '${col.name}' twice; a DataFrame needs unique names. Rename one with AS in the query.`,
        'DUPLICATE_COLUMN',
      )
    }
    seen.add(col.name)
  }
  return new Schema(columns.map((col) => ({ name: col.name, type: dialect.engineType(col), nullable: true })))
}

function describeValue(v: unknown): string {
  if (v instanceof Date) return 'a date'
  if (v instanceof Uint8Array) return 'binary'
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`
}

/** A driver value in the user's form (Date, number, string, Uint8Array, nested JS values). */
function toExternal(type: DataType, v: unknown, where: () => string): unknown {
  if (v == null) return null
  const fail = () =>
    new SqlConnectorError(
      `SQL_VALUE_TYPE: ${where()}: ${describeValue(v)} cannot be read as ${typeToString(type)}. Give a matching type in .schema(...), or cast in the query.`,
      'SQL_VALUE_TYPE',
    )
  switch (type.kind) {
    case 'int':
    case 'long':
    case 'float':
    case 'double': {
      if (typeof v === 'number') return v
      if (typeof v === 'boolean') return v ? 1 : 0
      const n = typeof v === 'bigint' || typeof v === 'string' ? Number(v) : Number.NaN
      if (Number.isNaN(n) && v !== 'NaN') throw fail()
      return n
    }
    case 'boolean':
      if (typeof v === 'boolean') return v
      if (typeof v === 'number') return v !== 0
      if (v instanceof Uint8Array) return v.some((b) => b !== 0)
      if (typeof v === 'string' && ['t', 'true', '1', 'f', 'false', '0'].includes(v))
        return ['t', 'true', '1'].includes(v)
      throw fail()
    case 'string':
      if (typeof v === 'string') return v
      if (v instanceof Date) return v.toISOString()
      if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8')
      if (typeof v === 'object') return JSON.stringify(v)
      return String(v)
    case 'timestamp':
    case 'date': {
      if (v instanceof Date) return v
      // Text without a zone (a cast, or MySQL's dateStrings) is UTC, like everything here.
      const d =
        typeof v === 'string'
          ? new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`)
          : typeof v === 'number'
            ? new Date(v)
            : undefined
      if (!d || Number.isNaN(d.getTime())) throw fail()
      return d
    }
    case 'binary':
      if (v instanceof Uint8Array) return new Uint8Array(v)
      if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'utf8'))
      throw fail()
    case 'array': {
      const arr = typeof v === 'string' ? JSON.parse(v) : v
      if (!Array.isArray(arr)) throw fail()
      return arr.map((e, i) => toExternal(type.element, e, () => `${where()}[${i}]`))
    }
    default: {
      const obj = typeof v === 'string' ? JSON.parse(v) : v
      if (typeof obj !== 'object' || obj === null) throw fail()
      return obj
    }
  }
}

export function createSqlSource(dialect: Dialect, name: string, ctx: SourceContext): Source {
  if (!ctx.bounded) throw refuseStreaming(ctx.options.owner, name)
  const target = readTarget(ctx.options, dialect)
  const c = parseConnection(ctx.options, dialect)
  const schema = ctx.schema
  const kind = dialect.name === 'postgres' ? 'PostgresSource' : 'MySQLSource'
  return {
    schema,
    description: `${kind}[${target.isTable ? displayTable(tableOption(ctx.options, '')!.table) : 'query'} @ ${describeEndpoint(c)}]`,
    // A table can change between two reads: the same range does not promise the same rows.
    replayable: false,
    initialOffset: async () => 0,
    latestOffset: async () => 1,
    async getBatch(start, end) {
      if (start === end) return { data: ColumnarBatch.empty(schema) }
      const pool = guarded(openPool(dialect.name, c), dialect.displayName, c)
      let result: Awaited<ReturnType<typeof pool.query>>
      try {
        result = await pool.query(`reading ${target.label}`, target.select)
      } catch (e) {
        throw missingTable(e, dialect, target, c)
      } finally {
        await pool.end()
      }
      const names = result.columns.map((col) => col.name)
      const positions = schema.fields.map((f) => {
        const exact = names.indexOf(f.name)
        const i = exact >= 0 ? exact : names.findIndex((n) => n.toLowerCase() === f.name.toLowerCase())
        if (i < 0) {
          throw new SqlConnectorError(
            `SQL_MISSING_COLUMNS: ${target.label} has no column '${f.name}' (it returns ${names.map((n) => `'${n}'`).join(', ')}). Fix the schema given to .schema(...), or the query.`,
            'SQL_MISSING_COLUMNS',
          )
        }
        return i
      })
      const rows = result.rows.map((row, r) => {
        const out: Record<string, unknown> = {}
        schema.fields.forEach((f, k) => {
          out[f.name] = toExternal(
            f.type,
            row[positions[k]],
            () => `${target.label}, row ${r}, column '${f.name}'`,
          )
        })
        return out
      })
      return { data: ColumnarBatch.fromRows(schema, rows) }
    },
    commit: async () => {},
    stop: async () => {},
  }
}
