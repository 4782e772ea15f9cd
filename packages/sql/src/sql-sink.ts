/**
 * The sink for writeStream and df.write. Each addBatch runs in one transaction that writes
 * the rows and moves the batch log to the batch id; a batch id the log already holds is
 * skipped whole (see batch-log.ts). A crash anywhere leaves either the whole batch and its
 * log row, or neither: exactly once per micro-batch.
 */
import type { ColumnarBatch, Sink, SinkContext } from '@tributary/core'
import { OptionError, type Options, showOnly } from '@tributary/core'
import { BatchLog, DEFAULT_BATCH_TABLE } from './batch-log.js'
import { CONNECTION_OPTIONS, describeEndpoint, parseConnection } from './connection-options.js'
import type { ColumnDef, Dialect } from './dialect.js'
import { type GuardedPool, guarded } from './driver.js'
import { displayTable, parseTableName, type TableName } from './identifiers.js'
import { openPool } from './pools.js'
import { type WriteColumn, type WriteMode, type WriteSpec, writeRows } from './row-writer.js'
import { prepareTable } from './table-setup.js'

export const SINK_OPTIONS = [
  ...CONNECTION_OPTIONS,
  'table',
  'dbtable',
  'mode',
  'keyColumns',
  'deleteFlagColumn',
  'autoCreate',
  'autoEvolve',
  'batchSize',
  'batchTable',
  'truncate',
] as const

/** The table option (Spark's JDBC name `dbtable` too). */
export function tableOption(
  options: Options,
  what: string,
): { table: TableName; option: string } | undefined {
  const option = options.has('table') ? 'table' : options.has('dbtable') ? 'dbtable' : undefined
  if (!option) return undefined
  const text = options.require(option, what)
  return { table: parseTableName(text, option), option }
}

interface SinkSettings {
  readonly table: TableName
  readonly mode: WriteMode
  readonly keys: readonly string[]
  readonly flag: string | undefined
  readonly autoCreate: boolean
  readonly autoEvolve: boolean
  readonly batchSize: number
  readonly batchTable: TableName
  readonly truncate: boolean
}

function parseSettings(ctx: SinkContext): SinkSettings {
  const o = ctx.options
  const owner = o.owner
  const target = tableOption(o, '')
  if (!target) {
    throw new OptionError(
      `${owner}: option 'table' is required: the table to write, e.g. .option('table', 'public.events').`,
      'MISSING_OPTION',
    )
  }
  const mode = o.oneOf<WriteMode>('mode', ['insert', 'upsert', 'delete'], 'insert')
  const keys = (o.get('keyColumns') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
  const flag = o.get('deleteFlagColumn')?.trim() || undefined
  const fields = ctx.schema.fields
  for (const k of keys) ctx.schema.field(k)
  if (new Set(keys).size !== keys.length) {
    throw new OptionError(
      `${owner}: option 'keyColumns' names a column twice: '${keys.join(',')}'.`,
      'INVALID_OPTION',
    )
  }
  if ((mode !== 'insert' || flag) && keys.length === 0) {
    throw new OptionError(
      `${owner}: ${mode !== 'insert' ? `mode '${mode}'` : `option 'deleteFlagColumn'`} needs option 'keyColumns' (comma-separated), the columns that identify a row, e.g. .option('keyColumns', 'id').`,
      'MISSING_OPTION',
    )
  }
  if (flag !== undefined) {
    const f = ctx.schema.field(flag)
    if (f.type.kind !== 'boolean') {
      throw new OptionError(
        `${owner}: option 'deleteFlagColumn' names '${flag}', which is ${f.type.kind}; it must be a boolean column (true deletes the row's key). Derive one, e.g. withColumn('deleted', col('op').equalTo('d')).`,
        'INVALID_OPTION',
      )
    }
    if (keys.includes(flag)) {
      throw new OptionError(
        `${owner}: the delete flag column '${flag}' cannot also be a key column.`,
        'INVALID_OPTION',
      )
    }
  }
  if (fields.filter((f) => f.name !== flag).length === 0) {
    throw new OptionError(`${owner}: the DataFrame has no column to write.`, 'INVALID_OPTION')
  }
  const batchTableText = o.get('batchTable')
  const batchTable = batchTableText
    ? parseTableName(batchTableText, 'batchTable')
    : { schema: target.table.schema, name: DEFAULT_BATCH_TABLE }
  return {
    table: target.table,
    mode,
    keys,
    flag,
    autoCreate: o.getBoolean('autoCreate', false),
    autoEvolve: o.getBoolean('autoEvolve', false),
    batchSize: o.getPositiveInt('batchSize', 1000)!,
    batchTable,
    truncate: o.getBoolean('truncate', false),
  }
}

export interface SqlSinkMetrics {
  rowsInserted: number
  rowsUpdated: number
  rowsDeleted: number
  batchesCommitted: number
  /** Batches whose id the batch log already held (a replay after a crash): nothing written. */
  batchesSkipped: number
  /** The newest batch id this sink committed or found committed; -1 before any. */
  lastBatchId: number
}

export class SqlSink implements Sink {
  readonly description: string
  private readonly counts: SqlSinkMetrics = {
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsDeleted: 0,
    batchesCommitted: 0,
    batchesSkipped: 0,
    lastBatchId: -1,
  }
  private prelude: readonly string[]

  private constructor(
    private readonly pool: GuardedPool,
    private readonly spec: WriteSpec,
    private readonly log: BatchLog | undefined,
    prelude: readonly string[],
    private readonly skipAll: boolean,
    description: string,
  ) {
    this.prelude = prelude
    this.description = description
  }

  /** Checks the options, connects, and prepares the table (and the batch log for a stream). */
  static async open(dialect: Dialect, ctx: SinkContext): Promise<SqlSink> {
    const settings = parseSettings(ctx)
    const connection = parseConnection(ctx.options, dialect)
    if (!ctx.bounded && !ctx.queryId) {
      throw new OptionError(
        `${ctx.options.owner}: a streaming write needs the query id to recognize replayed batches; start it with writeStream...start(), which provides it.`,
        'MISSING_QUERY_ID',
      )
    }
    const pool = guarded(openPool(dialect.name, connection), dialect.displayName, connection)
    try {
      const fields = ctx.schema.fields.filter((f) => f.name !== settings.flag)
      const defs: ColumnDef[] = fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable }))
      // Quote every name now: a name that cannot be quoted fails at start, not mid-stream.
      for (const f of fields) dialect.quote(f.name)
      dialect.qualified(settings.table)
      const prepared = await prepareTable(pool, dialect, {
        table: settings.table,
        columns: defs,
        keys: settings.keys,
        autoCreate: settings.autoCreate,
        autoEvolve: settings.autoEvolve,
        needsUniqueKey: settings.mode === 'upsert',
        saveMode: ctx.bounded ? (ctx.saveMode ?? 'errorifexists') : undefined,
        truncate: settings.truncate,
      })
      const column = (name: string): WriteColumn => {
        const index = ctx.schema.indexOf(name)
        return { name, index, type: ctx.schema.fields[index].type, target: prepared.targets.get(name) }
      }
      const spec: WriteSpec = {
        dialect,
        table: settings.table,
        mode: settings.mode,
        columns: fields.map((f) => column(f.name)),
        keys: settings.keys.map(column),
        flagIndex: settings.flag ? ctx.schema.indexOf(settings.flag) : -1,
        batchSize: settings.batchSize,
      }
      let log: BatchLog | undefined
      if (!ctx.bounded) {
        log = new BatchLog(dialect, settings.batchTable, settings.table, ctx.queryId!)
        await log.prepare(pool)
      }
      const kind = dialect.name === 'postgres' ? 'PostgresSink' : 'MySQLSink'
      const description = `${kind}[${displayTable(settings.table)} @ ${describeEndpoint(connection)}]`
      return new SqlSink(pool, spec, log, prepared.prelude, prepared.skip, description)
    } catch (e) {
      await pool.end()
      throw e
    }
  }

  async addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    if (this.skipAll) return
    const log = this.log
    // An empty stream batch changes nothing; the log needs no entry for it, since a replay
    // of it would write nothing either.
    if (log && data.numRows === 0) return
    const table = displayTable(this.spec.table)
    const outcome = await this.pool.transaction(`writing batch ${batchId} to ${table}`, async (s) => {
      if (log && (await log.lastCommitted(s)) >= batchId) return undefined
      for (const sql of this.prelude) await s.query(sql)
      const counts = await writeRows(s, data, this.spec)
      if (log) await log.record(s, batchId)
      return counts
    })
    this.prelude = []
    const m = this.counts
    m.lastBatchId = Math.max(m.lastBatchId, batchId)
    if (!outcome) {
      m.batchesSkipped++
      return
    }
    m.rowsInserted += outcome.inserted
    m.rowsUpdated += outcome.updated
    m.rowsDeleted += outcome.deleted
    m.batchesCommitted++
  }

  metrics(): Record<string, number> {
    return { ...this.counts }
  }

  async stop(): Promise<void> {
    await this.pool.end()
  }
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(SqlSink, (x) => ({ description: x.description }))
