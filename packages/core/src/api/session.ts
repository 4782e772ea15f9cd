/**
 * The entry point: `Session.builder().appName('etl').getOrCreate()`. A session holds the
 * settings, the running queries and the memory sink's tables.
 */
import type { Table } from 'apache-arrow'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { MASTER_CONF, threadsOfMaster } from '../executor/threads.js'
import { closeIdlePools } from '../executor/worker-pool.js'
import { LogSettings } from '../observe/log-settings.js'
import type { Logger, PinoLike } from '../observe/logger.js'
import { SessionMonitor } from '../observe/monitor.js'
import type { BarStream } from '../observe/progress-bar.js'
import { SessionMetrics } from '../observe/session-metrics.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import { MemoryTable } from '../sinks/memory-sink.js'
import { sqlToPlan } from '../sql/sql-text.js'
import { StreamingQueryManager } from '../streaming/query-manager.js'
import { schema as makeSchema, type Schema } from '../types/schema.js'
import { AnalysisError } from '../util/errors.js'
import { nearMatches } from '../util/near-matches.js'
import { showOnly } from '../util/redact.js'
import { DataFrame } from './dataframe.js'
import { DataFrameReader, DataStreamReader } from './readers.js'
import { RuntimeConfig } from './runtime-config.js'
import '../formats/builtins.js'

let activeSession: Session | undefined

export class SessionBuilder {
  private name = 'tributary'
  private readonly settings: Record<string, string> = {}

  appName(name: string): this {
    this.name = name
    return this
  }

  /**
   * Spark's master URL, for one machine: 'local' (one thread), 'local[N]' (N worker
   * threads) or 'local[*]' (one per core, the default). Same as
   * config('tributary.executor.threads', N); see docs/parallelism.md.
   */
  master(url: string): this {
    threadsOfMaster(url)
    this.settings[MASTER_CONF] = url
    return this
  }

  config(key: string, value: string | number | boolean): this {
    this.settings[key] = String(value)
    return this
  }

  /** The active session (with these settings applied), or a new one. */
  getOrCreate(): Session {
    if (activeSession && !activeSession.isStopped) {
      for (const [k, v] of Object.entries(this.settings)) activeSession.conf.set(k, v)
      return activeSession
    }
    activeSession = new Session(this.name, new RuntimeConfig(this.settings))
    return activeSession
  }

  /** Always a new session, not shared through getOrCreate (for tests that need isolation). */
  create(): Session {
    return new Session(this.name, new RuntimeConfig(this.settings))
  }
}

export class Session {
  readonly streams = new StreamingQueryManager()
  /** @internal where log lines go; set with useLogger, filtered by tributary.log.level. */
  readonly logSettings = new LogSettings()
  /** @internal running totals per query, fed by the listener bus. */
  readonly monitor = new SessionMonitor()
  /** Metrics for operators: `serve({ port })` (Prometheus /metrics and the dashboard), `useOpenTelemetry(meter)`. */
  readonly metrics: SessionMetrics = new SessionMetrics(this)
  /** @internal where availableNow progress bars draw (only when it is a terminal). */
  progressBarStream: BarStream = process.stderr
  private readonly tables = new Map<string, MemoryTable>()
  /** Temporary views by lower-case name (view names are case-insensitive, as in Spark). */
  private readonly views = new Map<string, { readonly name: string; readonly plan: LogicalPlan }>()
  private stopped = false

  /** @internal use Session.builder() */
  constructor(
    readonly appName: string,
    readonly conf: RuntimeConfig,
  ) {
    this.streams.addListener(this.monitor)
    this.streams.onListenerError = (kind, e) =>
      this.logSettings
        .logger((k) => this.conf.get(k))
        .log(
          'warn',
          `a StreamingQueryListener's ${kind} threw: ${e instanceof Error ? e.message : String(e)}; the query goes on`,
        )
  }

  /**
   * Sends this session's log lines (query started, batch summaries, failures...) to your
   * logger: winston's shape `info(message, fields)` or pino's `info(fields, message)`.
   * `null` goes back to the default, concise lines on stderr. See docs/operations.md.
   */
  useLogger(logger: Logger | PinoLike | null): this {
    this.logSettings.use(logger)
    return this
  }

  static builder(): SessionBuilder {
    return new SessionBuilder()
  }

  static active(): Session | undefined {
    return activeSession
  }

  get isStopped(): boolean {
    return this.stopped
  }

  get read(): DataFrameReader {
    return new DataFrameReader(this)
  }

  get readStream(): DataStreamReader {
    return new DataStreamReader(this)
  }

  /** A batch DataFrame of rows (checked against the schema), a ColumnarBatch, or an Arrow table. */
  createDataFrame<R>(rows: readonly R[], schema: Schema<R>): DataFrame<R>
  createDataFrame<R>(batch: ColumnarBatch<R>): DataFrame<R>
  createDataFrame(table: Table): DataFrame<Record<string, unknown>>
  createDataFrame<R>(data: readonly R[] | ColumnarBatch<R> | Table, schema?: Schema<R>): DataFrame<R> {
    let batch: ColumnarBatch<unknown>
    if (data instanceof ColumnarBatch) batch = data as ColumnarBatch<unknown>
    else if (Array.isArray(data)) {
      if (!schema) {
        throw new AnalysisError(
          'createDataFrame(rows) needs a schema: createDataFrame(rows, schema({ ... })).',
          'SCHEMA_REQUIRED',
        )
      }
      batch = ColumnarBatch.fromRows(schema, data as R[]) as ColumnarBatch<unknown>
    } else batch = ColumnarBatch.fromArrow(data as Table)
    return new DataFrame<R>(this, { kind: 'localRelation', batch })
  }

  /** Rows id = start, start+step, ... below end, as Spark's range(). */
  range(start: number, end?: number, step = 1): DataFrame<{ id: number }> {
    const [from, to] = end === undefined ? [0, start] : [start, end]
    const rows: { id: number }[] = []
    for (let i = from; step > 0 ? i < to : i > to; i += step) rows.push({ id: i })
    return this.createDataFrame(rows, makeSchema({ id: 'long' }))
  }

  /**
   * A temporary view (from createOrReplaceTempView) or a memory sink's table (by the query
   * name that wrote it), as a DataFrame. A view is its query: streaming if the query is.
   */
  table(name: string): DataFrame<Record<string, unknown>> {
    return new DataFrame(this, this.lookupRelation(name))
  }

  /**
   * Runs a Spark SQL query over the temporary views (and memory tables) and returns its
   * DataFrame, streaming when a view it reads is: `session.sql('SELECT user, count(*) AS n
   * FROM clicks GROUP BY user')`. The result is the same plan the DataFrame API builds;
   * see docs/sql.md for the grammar and the functions. Values go in `args`, named by
   * `:name` markers, never into the text: `session.sql('SELECT * FROM t WHERE user = :user',
   * { user })` (Spark's parameterized queries).
   */
  sql(query: string, args?: Readonly<Record<string, unknown>>): DataFrame<Record<string, unknown>>
  /**
   * As a tagged template: each \${value} is a parameter, never SQL text.
   * `` session.sql`SELECT * FROM orders WHERE customer = ${customer}` ``. Values only:
   * names of views or columns cannot be interpolated.
   */
  sql(strings: TemplateStringsArray, ...values: unknown[]): DataFrame<Record<string, unknown>>
  sql(query: string | TemplateStringsArray, ...rest: unknown[]): DataFrame<Record<string, unknown>> {
    let text: string
    let args: Readonly<Record<string, unknown>>
    if (typeof query === 'string') {
      text = query
      args = (rest[0] as Readonly<Record<string, unknown>> | undefined) ?? {}
    } else {
      // Each interpolation becomes a marker whose name no query can write unquoted by accident.
      text = query.reduce((acc, part, i) => `${acc}:__value${i - 1}${part}`)
      args = Object.fromEntries(rest.map((v, i) => [`__value${i}`, v]))
    }
    const timeZone = this.conf.get('tributary.sql.session.timeZone', 'UTC')
    const catalog = { lookup: (name: string) => this.lookupRelation(name) }
    return new DataFrame(this, sqlToPlan(text, catalog, timeZone, args))
  }

  /** @internal registers a view; DataFrame.createOrReplaceTempView / createTempView call it. */
  registerTempView(name: string, plan: LogicalPlan, replace: boolean): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new AnalysisError(
        `INVALID_VIEW_NAME: '${name}' cannot name a view: use letters, digits and underscores, starting with a letter or underscore.`,
        'INVALID_VIEW_NAME',
      )
    }
    const key = name.toLowerCase()
    if (!replace && this.views.has(key)) {
      throw new AnalysisError(
        `TEMP_TABLE_OR_VIEW_ALREADY_EXISTS: a view '${name}' exists already. Use createOrReplaceTempView('${name}') to replace it.`,
        'TEMP_TABLE_OR_VIEW_ALREADY_EXISTS',
      )
    }
    this.views.set(key, { name, plan })
  }

  /** Removes a temporary view; true when there was one (Spark's catalog.dropTempView). */
  dropTempView(name: string): boolean {
    return this.views.delete(name.toLowerCase())
  }

  /** The names of the temporary views. */
  tempViewNames(): string[] {
    return [...this.views.values()].map((v) => v.name)
  }

  private lookupRelation(name: string): LogicalPlan {
    const view = this.views.get(name.toLowerCase())
    if (view) return view.plan
    const t = this.tables.get(name)
    if (!t) {
      const known = [...this.tempViewNames(), ...this.tables.keys()]
      const near = nearMatches(name, known)
      throw new AnalysisError(
        `TABLE_NOT_FOUND: no view or table '${name}'.${near.length ? ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''} Views are made by df.createOrReplaceTempView('${name}'), tables by writeStream.format('memory').queryName('${name}').`,
        'TABLE_NOT_FOUND',
      )
    }
    return { kind: 'localRelation', batch: t.snapshot() }
  }

  /** @internal the memory sink's table for a query name; kept across restarts within the session. */
  memoryTable(name: string, schema: Schema<unknown>): MemoryTable {
    let t = this.tables.get(name)
    if (!t?.schema.equals(schema)) {
      t = new MemoryTable(name, schema)
      this.tables.set(name, t)
    }
    return t
  }

  /** Stops every active query and releases the session. */
  async stop(): Promise<void> {
    await this.streams.stopAll()
    await closeIdlePools()
    await this.metrics.close()
    this.stopped = true
    if (activeSession === this) activeSession = undefined
  }
}

// A session prints its name and its queries, not its fields: the metrics server and the
// monitor point back at it (JSON.stringify would loop), and settings may hold secrets.
showOnly(Session, (s) => ({
  appName: s.appName,
  activeQueries: s.streams.active.map((q) => q.name ?? q.id),
}))
