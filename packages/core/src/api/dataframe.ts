/**
 * DataFrame: a query over rows of type R, batch or streaming. Every transformation
 * returns a new DataFrame over a new immutable plan and a new, more precise row type; the
 * plan is analyzed eagerly, so a bad column name fails at the call that names it.
 */
import type { Table } from 'apache-arrow'
import { loadArrow } from '../batch/arrow.js'
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Expr } from '../expr/expr.js'
import { type ExplainMode, explainPlan, parseExplainMode } from '../plan/explain.js'
import { isStreamingPlan, type LogicalPlan } from '../plan/logical-plan.js'
import { schemaOf } from '../plan/planner.js'
import { checkBatchPlan } from '../plan/streaming-rules.js'
import { parseExpressionText, parseSelectExprText } from '../sql/sql-text.js'
import { typeToString } from '../types/data-types.js'
import type {
  ColumnName,
  ColumnPath,
  LastSegment,
  Simplify,
  TypeAtPath,
  WithColumn,
} from '../types/row-types.js'
import type { Schema } from '../types/schema.js'
import type { SelectedRow, SelectItem } from '../types/select-types.js'
import { parseDuration } from '../util/duration.js'
import { AnalysisError } from '../util/errors.js'
import { showOnly } from '../util/redact.js'
import { executeBatch } from './batch-execution.js'
import { Column, type ColumnLike, type Condition, NamedColumn } from './column.js'
import { GroupedData } from './grouped-data.js'
import { type JoinedRow, type JoinHow, type JoinOn, joinPlan } from './join.js'
import { KeyValueGroupedData } from './key-value-grouped.js'
import type { Session } from './session.js'
import * as setOps from './set-operations.js'
import { showString } from './show.js'
import { DataFrameWriter, DataStreamWriter } from './writers.js'

/**
 * A join condition written in SQL: text with an operator or a space in it, so that a bare
 * name (`'id'`) stays a column name checked against both sides' types.
 */
export type SqlConditionText = `${string}${' ' | '=' | '<' | '>' | '('}${string}`

/** A bare column name (not a SQL condition) in join(other, 'id'). */
const isPlainName = (s: string): boolean => /^\s*[A-Za-z_][A-Za-z0-9_]*\s*$/.test(s)

const toExprItem = (c: unknown): Expr =>
  typeof c === 'string' ? (c === '*' ? { kind: 'star' } : { kind: 'column', path: c }) : (c as Column).expr

export class DataFrame<in out R = Record<string, unknown>> {
  declare readonly __row?: R

  constructor(
    readonly session: Session,
    readonly plan: LogicalPlan,
  ) {
    schemaOf(plan)
  }

  /** The session's zone, in which SQL text reads TIMESTAMP literals. */
  private get timeZone(): string {
    return this.session.conf.get('tributary.sql.session.timeZone', 'UTC')
  }

  private derive<T>(plan: LogicalPlan): DataFrame<T> {
    return new DataFrame<T>(this.session, plan)
  }

  get schema(): Schema<R> {
    return schemaOf(this.plan) as Schema<R>
  }

  get columns(): string[] {
    return this.schema.names
  }

  /** True when the DataFrame reads a stream: run it with writeStream, not collect(). */
  get isStreaming(): boolean {
    return isStreamingPlan(this.plan)
  }

  /** Spark's form, `DataFrame[id: bigint, name: string]`: the columns, never the source's options. */
  toString(): string {
    return `DataFrame[${this.schema.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ')}]`
  }

  /** The schema as a tree, like Spark's printSchema(). Prints it, and returns it. */
  printSchema(): string {
    const s = this.schema.treeString()
    console.log(s)
    return s
  }

  /** A column of this DataFrame, checked by the type checker and typed by the schema. */
  col<P extends ColumnPath<R>>(name: P): NamedColumn<LastSegment<P>, TypeAtPath<R, P>> {
    const c = new NamedColumn<LastSegment<P>, TypeAtPath<R, P>>({ kind: 'column', path: name })
    schemaOf({ kind: 'project', child: this.plan, exprs: [c.expr] })
    return c
  }

  /** Columns by name (`'a'`, `'a.b'`, `'*'`) or expressions; alias expressions to type their columns. */
  select<const C extends readonly SelectItem<R>[]>(...cols: C): DataFrame<SelectedRow<R, C>> {
    return this.derive({ kind: 'project', child: this.plan, exprs: cols.map(toExprItem) })
  }

  /**
   * Columns from SQL expressions, one per string: `selectExpr('CAST(key AS STRING)', 'v * 2 AS doubled', '*')`.
   * The names come from the aliases (or Spark's names for the expressions); the row type is
   * only known at run time.
   */
  selectExpr(...exprs: string[]): DataFrame<Record<string, unknown>> {
    return this.derive({
      kind: 'project',
      child: this.plan,
      exprs: exprs.map((e) => parseSelectExprText(e, this.timeZone)),
    })
  }

  /**
   * Keeps the rows where the condition is true: a boolean Column, a SQL condition
   * (`where("address.county = 'Switzerland'")`), or a typed predicate on rows.
   */
  where(condition: Condition | string | ((row: R) => boolean)): DataFrame<R> {
    if (typeof condition === 'string') {
      return this.derive({
        kind: 'filter',
        child: this.plan,
        condition: parseExpressionText(condition, this.timeZone),
      })
    }
    if (typeof condition === 'function') {
      return this.derive({
        kind: 'rowFilter',
        child: this.plan,
        predicate: condition as (row: never) => boolean,
      })
    }
    return this.derive({ kind: 'filter', child: this.plan, condition: condition.expr })
  }

  filter(condition: Condition | string | ((row: R) => boolean)): DataFrame<R> {
    return this.where(condition)
  }

  /** Adds a column, or replaces the one with that name. */
  withColumn<N extends string, T>(name: N, column: Column<T>): DataFrame<WithColumn<R, N, T>> {
    const names = this.schema.names
    const renamed: Expr = { kind: 'alias', child: column.expr, name }
    const exprs: Expr[] = names.includes(name)
      ? names.map((n) => (n === name ? renamed : { kind: 'column', path: n }))
      : [{ kind: 'star' }, renamed]
    return this.derive({ kind: 'project', child: this.plan, exprs })
  }

  withColumnRenamed<O extends ColumnName<R>, N extends string>(
    existing: O,
    name: N,
  ): DataFrame<Simplify<Omit<R, O> & { [K in N]: R[O] }>> {
    const names = this.schema.names
    if (!names.includes(existing)) return this as never
    const exprs: Expr[] = names.map((n) =>
      n === existing
        ? { kind: 'alias', child: { kind: 'column', path: n }, name }
        : { kind: 'column', path: n },
    )
    return this.derive({ kind: 'project', child: this.plan, exprs })
  }

  /** Removes columns; names that do not exist are ignored, as in Spark. */
  drop<C extends ColumnName<R>>(...cols: C[]): DataFrame<Simplify<Omit<R, C>>> {
    const gone = new Set<string>(cols)
    const exprs: Expr[] = this.schema.names
      .filter((n) => !gone.has(n))
      .map((n) => ({ kind: 'column', path: n }))
    return this.derive({ kind: 'project', child: this.plan, exprs })
  }

  /** One output row per input row, of the given schema. */
  map<T>(fn: (row: R) => T, schema: Schema<T>): DataFrame<T> {
    return this.derive({
      kind: 'mapRows',
      child: this.plan,
      fn: fn as (row: never) => unknown,
      flat: false,
      schema: schema as Schema<unknown>,
    })
  }

  /** Zero or more output rows per input row, of the given schema. */
  flatMap<T>(fn: (row: R) => Iterable<T>, schema: Schema<T>): DataFrame<T> {
    return this.derive({
      kind: 'mapRows',
      child: this.plan,
      fn: fn as (row: never) => unknown,
      flat: true,
      schema: schema as Schema<unknown>,
    })
  }

  /** Rows of both, matched by position (SQL UNION ALL). */
  union(other: DataFrame<R>): DataFrame<R> {
    return this.derive({
      kind: 'union',
      children: [this.plan, other.plan],
      byName: false,
      allowMissingColumns: false,
    })
  }

  unionAll(other: DataFrame<R>): DataFrame<R> {
    return this.union(other)
  }

  /** Distinct rows not in `other`, matched by position, nulls equal (Spark's except; batch only). */
  except(other: DataFrame<R>): DataFrame<R> {
    return setOps.except(this, other)
  }

  /** Rows not in `other`, duplicates kept as often as they occur more here (EXCEPT ALL; batch only). */
  exceptAll(other: DataFrame<R>): DataFrame<R> {
    return setOps.exceptAll(this, other)
  }

  /** PySpark's name for exceptAll. */
  subtract(other: DataFrame<R>): DataFrame<R> {
    return setOps.exceptAll(this, other)
  }

  /** Distinct rows in both, matched by position, nulls equal (Spark's intersect; batch only). */
  intersect(other: DataFrame<R>): DataFrame<R> {
    return setOps.intersect(this, other)
  }

  /** Rows in both, each as often as on the side with fewer (INTERSECT ALL; batch only). */
  intersectAll(other: DataFrame<R>): DataFrame<R> {
    return setOps.intersectAll(this, other)
  }

  /** Rows of both, matched by column name; missing columns become null with allowMissingColumns. */
  unionByName<S>(other: DataFrame<S>, allowMissingColumns = false): DataFrame<Simplify<R & Partial<S>>> {
    return this.derive({
      kind: 'union',
      children: [this.plan, other.plan],
      byName: true,
      allowMissingColumns,
    })
  }

  /**
   * Joins with another DataFrame, as Spark's join. `on` is a column name or names both
   * sides have (kept once in the result), or a boolean condition over both sides' columns,
   * where a name both sides have is qualified by a side's alias:
   * `a.alias('i').join(b.alias('c'), col('i.adId').eq(col('c.adId')))`. `how`: 'inner'
   * (default), 'left', 'right', 'full', 'left_semi', 'left_anti', 'cross' (and Spark's
   * other spellings). On streams, see docs/joins.md for what is allowed.
   */
  join<S>(other: DataFrame<S>): DataFrame<JoinedRow<R, S, never, 'inner'>>
  join<S, const K extends ColumnName<R> & ColumnName<S>, H extends JoinHow = 'inner'>(
    other: DataFrame<S>,
    on: K | readonly K[],
    how?: H,
  ): DataFrame<JoinedRow<R, S, K, H>>
  join<S, H extends JoinHow = 'inner'>(
    other: DataFrame<S>,
    on: Condition | readonly Condition[],
    how?: H,
  ): DataFrame<JoinedRow<R, S, never, H>>
  /** A SQL join condition: `a.alias('i').join(b.alias('c'), 'i.adId = c.adId AND c.ts > i.ts', 'left')`. */
  join<S, H extends JoinHow = 'inner'>(
    other: DataFrame<S>,
    on: SqlConditionText,
    how?: H,
  ): DataFrame<JoinedRow<R, S, never, H>>
  join(other: { readonly plan: LogicalPlan }, on?: JoinOn, how: string = 'inner'): never {
    // A string is a column name both sides have, unless it reads as a SQL condition.
    const condition =
      typeof on === 'string' && !isPlainName(on) ? new Column(parseExpressionText(on, this.timeZone)) : on
    return this.derive(joinPlan(this.plan, other.plan, condition, how)) as never
  }

  /** Every row of this DataFrame with every row of the other (Spark's crossJoin). */
  crossJoin<S>(other: DataFrame<S>): DataFrame<JoinedRow<R, S, never, 'cross'>> {
    return this.derive(joinPlan(this.plan, other.plan, undefined, 'cross'))
  }

  /**
   * Registers this DataFrame as a temporary view of its session, for `session.sql(...)`;
   * replaces a view of that name. A streaming DataFrame makes a streaming view; put
   * watermarks on it (withWatermark) before registering, as in Spark.
   */
  createOrReplaceTempView(name: string): void {
    this.session.registerTempView(name, this.plan, true)
  }

  /** As createOrReplaceTempView, but fails when a view of that name exists. */
  createTempView(name: string): void {
    this.session.registerTempView(name, this.plan, false)
  }

  /** Names this DataFrame for join conditions: after `alias('imp')`, `col('imp.ts')` is its ts. */
  alias(name: string): DataFrame<R> {
    return this.derive({ kind: 'subqueryAlias', child: this.plan, name })
  }

  /** A hint to the planner, as Spark's: 'broadcast' builds a join's hash table from this side. */
  hint(name: string): DataFrame<R> {
    return this.derive({ kind: 'hint', child: this.plan, name })
  }

  /** Sorts by columns or `col(x).desc()`; on streams only after an aggregation in complete mode. */
  orderBy(...cols: (ColumnName<R> | Column)[]): DataFrame<R> {
    return this.derive({ kind: 'sort', child: this.plan, orders: cols.map(toExprItem) })
  }

  sort(...cols: (ColumnName<R> | Column)[]): DataFrame<R> {
    return this.orderBy(...cols)
  }

  limit(n: number): DataFrame<R> {
    if (!Number.isInteger(n) || n < 0) {
      throw new AnalysisError(`limit(${n}): the limit must be a non-negative integer.`, 'INVALID_LIMIT')
    }
    return this.derive({ kind: 'limit', child: this.plan, n })
  }

  /** Distinct rows (batch only; on a stream use dropDuplicates). */
  distinct(): DataFrame<R> {
    return this.derive({ kind: 'distinct', child: this.plan, columns: null })
  }

  /**
   * Declares `eventTime` as the event-time column, with a watermark that trails the
   * highest event time seen by `delay` ('10 minutes'). Stateful operators drop rows older
   * than the watermark and evict state the watermark has passed; append mode emits a
   * window once the watermark passes its end.
   */
  withWatermark(eventTime: ColumnName<R>, delay: string): DataFrame<R> {
    let delayMs: number
    try {
      delayMs = parseDuration(delay)
    } catch (e) {
      throw new AnalysisError(
        `withWatermark('${eventTime}', '${delay}'): ${(e as Error).message}`,
        'INVALID_WATERMARK',
      )
    }
    return this.derive({ kind: 'watermark', child: this.plan, column: eventTime, delayMs })
  }

  /**
   * Drops rows whose key columns were seen within the watermark delay: the key's state
   * lives until its first event time plus the delay. Needs withWatermark; the event-time
   * column need not be among the keys.
   */
  dropDuplicatesWithinWatermark(cols?: ColumnName<R>[]): DataFrame<R> {
    return this.derive({
      kind: 'distinct',
      child: this.plan,
      columns: cols ?? this.schema.names,
      withinWatermark: true,
    })
  }

  /** Keeps the first row of each combination of the given columns (all columns if none). */
  dropDuplicates(cols?: ColumnName<R>[]): DataFrame<R> {
    return this.derive({ kind: 'distinct', child: this.plan, columns: cols ?? this.schema.names })
  }

  groupBy<const K extends readonly (ColumnPath<R> | Column<unknown>)[]>(
    ...cols: K
  ): GroupedData<R, SelectedRow<R, K>> {
    return new GroupedData(this.session, this.plan, cols.map(toExprItem))
  }

  /**
   * Groups rows by a key computed by a function, for arbitrary stateful processing with
   * mapGroupsWithState / flatMapGroupsWithState. Keys are compared by their JSON form.
   */
  groupByKey<K>(keyFn: (row: R) => K): KeyValueGroupedData<K, R> {
    return new KeyValueGroupedData<K, R>(this.session, this.plan, keyFn)
  }

  /** Aggregates over all rows: `df.agg(count().alias('n'))`. */
  agg<const A extends readonly ColumnLike[]>(...aggs: A): DataFrame<SelectedRow<R, A>> {
    return new GroupedData<R, Record<never, never>>(this.session, this.plan, []).agg(...aggs) as never
  }

  /**
   * Prints the plan and returns it, as Spark: the physical plan; with `true` or 'extended'
   * the logical plan too; 'cost' adds row-count and size statistics to the logical plan;
   * 'formatted' numbers the operators and details each. 'codegen' is refused (no generated
   * source: expressions compile into closures).
   */
  explain(mode: boolean | ExplainMode = false): string {
    const text = explainPlan(this.plan, parseExplainMode(mode))
    console.log(text)
    return text
  }

  /** Runs the batch query. */
  async collectBatch(): Promise<ColumnarBatch<R>> {
    checkBatchPlan(this.plan, 'collect')
    return (await executeBatch(this.session, this.plan)) as ColumnarBatch<R>
  }

  async collect(): Promise<R[]> {
    return (await this.collectBatch()).toRows()
  }

  async count(): Promise<number> {
    checkBatchPlan(this.plan, 'count')
    return (await executeBatch(this.session, this.plan)).numRows
  }

  async head(n = 1): Promise<R[]> {
    return this.limit(n).collect()
  }

  async first(): Promise<R | undefined> {
    return (await this.head(1))[0]
  }

  async take(n: number): Promise<R[]> {
    return this.head(n)
  }

  /** Prints the first rows as a table, as Spark's show(). Returns the text. */
  async show(numRows = 20, truncate: boolean | number = true): Promise<string> {
    checkBatchPlan(this.plan, 'show')
    const batch = await executeBatch(this.session, this.limit(numRows + 1).plan)
    const timeZone = this.session.conf.get('tributary.sql.session.timeZone', 'UTC')
    const text = showString(batch, numRows, truncate, timeZone)
    process.stdout.write(text)
    return text
  }

  async toArrow(): Promise<Table> {
    await loadArrow()
    return (await this.collectBatch()).toArrow()
  }

  /** Saves a batch DataFrame: `df.write.format('parquet').mode('overwrite').save(path)`. */
  get write(): DataFrameWriter<R> {
    return new DataFrameWriter<R>(this)
  }

  /** Starts a streaming query: `df.writeStream.format('console').start()`. */
  get writeStream(): DataStreamWriter<R> {
    if (!this.isStreaming) {
      throw new AnalysisError(
        'WRITE_STREAM_NOT_ALLOWED: writeStream is only for streaming DataFrames (from session.readStream). Use write for a batch DataFrame.',
        'WRITE_STREAM_NOT_ALLOWED',
      )
    }
    return new DataStreamWriter<R>(this)
  }
}

// A DataFrame's plan holds its sources' options (passwords included): printed, it shows its columns.
showOnly(DataFrame, (df) => ({
  columns: df.toString().slice('DataFrame'.length),
  isStreaming: df.isStreaming,
}))
