/**
 * The functions of `import { functions as F } from '@tributary/core'`, with Spark's names.
 * Each builds an expression; the kernels behind them live in `expr/functions`.
 */
import { call, type Expr, literal } from '../expr/expr.js'
import { parseExpressionText } from '../sql/sql-text.js'
import type { DataType } from '../types/data-types.js'
import type { JsOf, LastSegment } from '../types/row-types.js'
import type { Schema } from '../types/schema.js'
import { parseTypeSpec, type TypeSpec } from '../types/type-spec.js'
import { parseDuration } from '../util/duration.js'
import {
  CaseColumn,
  Column,
  type ColumnOrValue,
  type Condition,
  NamedColumn,
  type TypedColumnLike,
  toExpr,
} from './column.js'
import type { ColumnOf } from './column-of.js'
import type { DataFrame } from './dataframe.js'

/** A column, or a column's name. `T` documents the expected value type; untyped `col()` columns are accepted too. */
type ColumnRef<T = unknown> = TypedColumnLike<T> | TypedColumnLike<unknown> | string

const ref = (c: ColumnRef): Expr => (typeof c === 'string' ? { kind: 'column', path: c } : c.expr)
const fn = <T>(name: string, ...args: (ColumnRef | Expr)[]): Column<T> =>
  new Column<T>(
    call(
      name,
      args.map((a) => (typeof a === 'object' && 'kind' in a ? a : ref(a as ColumnRef))),
    ),
  )
const fnLit = <T>(name: string, c: ColumnRef, ...literals: unknown[]): Column<T> =>
  new Column<T>(call(name, [ref(c), ...literals.map(toExpr)]))

/** A column by name, or a dotted path into a struct (`'a.b'`). */
export function col<N extends string>(name: N): NamedColumn<N, unknown> {
  return new NamedColumn<N, unknown>({ kind: 'column', path: name })
}
export const column = col

/**
 * A column from a Spark SQL expression: `expr("CAST(value AS STRING)")`,
 * `expr("CASE WHEN amount > 100 THEN 'big' ELSE 'small' END")`. It builds the expression the
 * fluent API would; names are checked when the column is used. See docs/sql.md.
 */
export function expr(text: string): Column<unknown> {
  return new Column(parseExpressionText(text))
}

/** A constant column. */
export function lit(value: boolean): Column<boolean>
export function lit(value: number): Column<number>
export function lit(value: string): Column<string>
export function lit(value: Date): Column<Date>
export function lit(value: null): Column<null>
export function lit<T>(value: T): Column<T>
// Overloads for the common literal types keep the type checker from inferring T against the
// context (where(), select()), which sent it into deep instantiations.
export function lit(value: unknown): Column<unknown> {
  return new Column(literal(value))
}

/** Starts a CASE WHEN; chain `.when(...)` and end with `.otherwise(...)`. */
export function when<T>(condition: Condition, value: ColumnOrValue<T>): CaseColumn<T | null> {
  return new CaseColumn({
    kind: 'case',
    branches: [{ when: condition.expr, result: toExpr(value) }],
    otherwise: null,
  })
}

export function expr_not(c: Column<boolean>): Column<boolean> {
  return c.not()
}
export const not = expr_not

export function coalesce<T>(...cols: ColumnRef<T>[]): Column<T> {
  return fn('coalesce', ...cols)
}
export function isnull(c: ColumnRef): Column<boolean> {
  return fn('isNull', c)
}

/** A user function over values; `returnType` says what it returns. */
export function udf<A extends unknown[], S extends TypeSpec>(
  f: (...args: A) => JsOf<S> | null,
  returnType: S,
  name = f.name || 'udf',
): (...cols: ColumnRef[]) => Column<JsOf<S>> {
  const type = parseTypeSpec(returnType, name).type
  return (...cols) =>
    new Column({
      kind: 'udf',
      name,
      fn: f as (...a: never[]) => unknown,
      args: cols.map(ref),
      returnType: type,
    })
}

// Math
export const abs = (c: ColumnRef<number>): Column<number> => fn('abs', c)
export const round = (c: ColumnRef<number>, scale = 0): Column<number> => fnLit('round', c, scale)
export const bround = (c: ColumnRef<number>, scale = 0): Column<number> => fnLit('bround', c, scale)
export const floor = (c: ColumnRef<number>): Column<number> => fn('floor', c)
export const ceil = (c: ColumnRef<number>): Column<number> => fn('ceil', c)
export const sqrt = (c: ColumnRef<number>): Column<number> => fn('sqrt', c)
export const exp = (c: ColumnRef<number>): Column<number> => fn('exp', c)
export const log = (c: ColumnRef<number>): Column<number> => fn('log', c)
export const pow = (c: ColumnRef<number>, p: ColumnOrValue<number>): Column<number> =>
  new Column(call('pow', [ref(c), toExpr(p)]))
export const greatest = (...cols: ColumnRef<number>[]): Column<number> => fn('greatest', ...cols)
export const least = (...cols: ColumnRef<number>[]): Column<number> => fn('least', ...cols)

// Strings
export const lower = (c: ColumnRef<string>): Column<string> => fn('lower', c)
export const upper = (c: ColumnRef<string>): Column<string> => fn('upper', c)
export const trim = (c: ColumnRef<string>): Column<string> => fn('trim', c)
export const ltrim = (c: ColumnRef<string>): Column<string> => fn('ltrim', c)
export const rtrim = (c: ColumnRef<string>): Column<string> => fn('rtrim', c)
export const length = (c: ColumnRef<string>): Column<number> => fn('length', c)
export const concat = (...cols: ColumnRef[]): Column<string> => fn('concat', ...cols)
export const concat_ws = (sep: string, ...cols: ColumnRef[]): Column<string> =>
  new Column(call('concat_ws', [literal(sep), ...cols.map(ref)]))
/** 1-based, as in Spark. */
export const substring = (c: ColumnRef<string>, pos: number, len: number): Column<string> =>
  fnLit('substring', c, pos, len)
export const split = (c: ColumnRef<string>, pattern: string, limit = -1): Column<string[]> =>
  fnLit('split', c, pattern, limit)
/**
 * Part `partNum` of `c` split by `delimiter`, as Spark 3.5's `split_part`. The delimiter is
 * taken literally (not as a regular expression); parts count from 1, and a negative
 * `partNum` counts from the end (-1 is the last part). A part that does not exist gives
 * `''`; an empty delimiter does not split (parts 1 and -1 are the whole string); a null
 * input gives null; `partNum` 0 is an error (INVALID_INDEX_OF_ZERO). Cheaper than
 * `split(c, ...).getItem(i)`: it builds no array.
 *
 * @example F.split_part(col('url'), '/', 4) // 'a' for 'https://host/a/b'
 */
export const split_part = (
  c: ColumnRef<string>,
  delimiter: ColumnOrValue<string>,
  partNum: ColumnOrValue<number>,
): Column<string> => fnLit('split_part', c, delimiter, partNum)
export const regexp_extract = (c: ColumnRef<string>, pattern: string, idx: number): Column<string> =>
  fnLit('regexp_extract', c, pattern, idx)
export const regexp_replace = (c: ColumnRef<string>, pattern: string, replacement: string): Column<string> =>
  fnLit('regexp_replace', c, pattern, replacement)
export const like = (c: ColumnRef<string>, pattern: string): Column<boolean> => fnLit('like', c, pattern)
export const lpad = (c: ColumnRef<string>, len: number, pad: string): Column<string> =>
  fnLit('lpad', c, len, pad)
export const rpad = (c: ColumnRef<string>, len: number, pad: string): Column<string> =>
  fnLit('rpad', c, len, pad)
export const initcap = (c: ColumnRef<string>): Column<string> => fn('initcap', c)
export const reverse = (c: ColumnRef<string>): Column<string> => fn('reverse', c)
export const format_string = (format: string, ...cols: ColumnRef[]): Column<string> =>
  new Column(call('format_string', [literal(format), ...cols.map(ref)]))

// Time
/** Parses a string (Spark pattern, e.g. `yyyy-MM-dd HH:mm:ss`) or a number of seconds into a timestamp. */
export const to_timestamp = (c: ColumnRef, format?: string): Column<Date> =>
  format === undefined ? fn('to_timestamp', c) : fnLit('to_timestamp', c, format)
export const to_date = (c: ColumnRef, format?: string): Column<Date> =>
  format === undefined ? fn('to_date', c) : fnLit('to_date', c, format)
export const date_format = (c: ColumnRef<Date>, format: string): Column<string> =>
  fnLit('date_format', c, format)
export const year = (c: ColumnRef<Date>): Column<number> => fn('year', c)
export const month = (c: ColumnRef<Date>): Column<number> => fn('month', c)
export const dayofmonth = (c: ColumnRef<Date>): Column<number> => fn('dayofmonth', c)
export const dayofweek = (c: ColumnRef<Date>): Column<number> => fn('dayofweek', c)
export const hour = (c: ColumnRef<Date>): Column<number> => fn('hour', c)
export const minute = (c: ColumnRef<Date>): Column<number> => fn('minute', c)
export const second = (c: ColumnRef<Date>): Column<number> => fn('second', c)
/** Seconds since the epoch; with no argument, of the current batch's timestamp. */
export const unix_timestamp = (c?: ColumnRef, format?: string): Column<number> =>
  c === undefined
    ? fn('unix_timestamp')
    : format === undefined
      ? fn('unix_timestamp', c)
      : fnLit('unix_timestamp', c, format)
export const from_unixtime = (c: ColumnRef<number>, format = 'yyyy-MM-dd HH:mm:ss'): Column<string> =>
  fnLit('from_unixtime', c, format)
/** The batch's timestamp: the same for every row of a micro-batch, and again when the batch is replayed. */
export const current_timestamp = (): Column<Date> => fn('current_timestamp')
export const current_date = (): Column<Date> => fn('current_date')
export const date_add = (c: ColumnRef<Date>, days: number): Column<Date> => fnLit('date_add', c, days)
export const datediff = (end: ColumnRef<Date>, start: ColumnRef<Date>): Column<number> =>
  fn('datediff', end, start)
export const date_trunc = (unit: string, c: ColumnRef<Date>): Column<Date> =>
  new Column(call('date_trunc', [literal(unit), ref(c)]))

// JSON
/** Parses a JSON string column into a struct (or array/map) of the schema; malformed JSON gives null. */
export function from_json<R>(c: ColumnRef<string>, schema: Schema<R> | DataType): Column<R> {
  const type = 'fields' in schema && 'asStructType' in schema ? schema.asStructType() : (schema as DataType)
  return new Column<R>(call('from_json', [ref(c)], { type }))
}
export const to_json = (c: ColumnRef): Column<string> => fn('to_json', c)
/** Extracts a value by JSONPath (`$.a.b[0]`) from a JSON string; null when absent. */
export const get_json_object = (c: ColumnRef<string>, path: string): Column<string> =>
  fnLit('get_json_object', c, path)

/** Options of from_avro and to_avro beyond the schema (spark-avro's, plus Confluent's wire format). */
export interface AvroOptions {
  /** from_avro: 'FAILFAST' (default: a record that cannot be decoded stops the query) or 'PERMISSIVE' (null). */
  readonly mode?: 'FAILFAST' | 'PERMISSIVE'
  /** 'avro' (default): the bytes are the Avro body. 'confluent': a magic byte 0 and a 4-byte schema id come first. */
  readonly wireFormat?: 'avro' | 'confluent'
  /** from_avro, Confluent: the writer schema of each schema id, e.g. `{ 1: v1Json, 2: v2Json }`. */
  readonly schemas?: Readonly<Record<number, string | object>>
  /** Confluent: a Schema Registry (`http://host:8081`, credentials as `https://user:secret@host`). */
  readonly schemaRegistryUrl?: string
  /** With the registry: from_avro reads with the subject's latest schema when none is given; to_avro registers its schema under it. */
  readonly subject?: string
  /** to_avro, Confluent: the schema id to write before each body (else registered under `subject`). */
  readonly schemaId?: number
}

const schemaText = (s: string | object): string => (typeof s === 'string' ? s : JSON.stringify(s))

/**
 * Decodes Avro binary with `jsonSchema` (JSON text or an object) into a column of the
 * matching type (records → structs, ...), as spark-avro's from_avro. `T` names the row type
 * the schema gives, e.g. `from_avro<{ id: number; amount: number }>(col('value'), schema)`.
 */
export function from_avro<T = Record<string, unknown>>(
  c: ColumnRef,
  jsonSchema?: string | object | null,
  options: AvroOptions = {},
): Column<T> {
  const { schemas, ...rest } = options
  return new Column<T>(
    call('from_avro', [ref(c)], {
      ...rest,
      ...(jsonSchema == null ? {} : { schema: schemaText(jsonSchema) }),
      ...(schemas
        ? { schemas: Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, schemaText(s)])) }
        : {}),
    }),
  )
}

/** Encodes a column as Avro binary, with `jsonSchema` or one derived from the column's type. */
export function to_avro(
  c: ColumnRef,
  jsonSchema?: string | object | null,
  options: AvroOptions = {},
): Column<Uint8Array> {
  const { schemas: _unused, mode: _mode, ...rest } = options
  return new Column<Uint8Array>(
    call('to_avro', [ref(c)], { ...rest, ...(jsonSchema == null ? {} : { schema: schemaText(jsonSchema) }) }),
  )
}

// Arrays and structs
export const explode = <T>(c: ColumnRef<T[]>): Column<T> => fn('explode', c)
export const explode_outer = <T>(c: ColumnRef<T[]>): Column<T> => fn('explode_outer', c)
export const size = (c: ColumnRef): Column<number> => fn('size', c)
export const array_contains = (c: ColumnRef, value: unknown): Column<boolean> =>
  fnLit('array_contains', c, value)
export const array = (...cols: ColumnRef[]): Column<unknown[]> => fn('array', ...cols)
export const struct = (...cols: ColumnRef[]): Column<Record<string, unknown>> => fn('struct', ...cols)
export const element_at = (c: ColumnRef, index: number | string): Column<unknown> =>
  fnLit('element_at', c, index)
export const array_join = (c: ColumnRef<string[]>, sep: string): Column<string> => fnLit('array_join', c, sep)
export const sort_array = (c: ColumnRef, asc = true): Column<unknown[]> => fnLit('sort_array', c, asc)
export const array_distinct = (c: ColumnRef): Column<unknown[]> => fn('array_distinct', c)

// Hashing
export const hash = (...cols: ColumnRef[]): Column<number> => fn('hash', ...cols)
export const md5 = (c: ColumnRef): Column<string> => fn('md5', c)
export const sha2 = (c: ColumnRef, bits = 256): Column<string> => fnLit('sha2', c, bits)

// Aggregates
/** count(col) counts non-null values; count() or count('*') counts rows. */
export const count = (c?: ColumnRef): Column<number> =>
  c === undefined || c === '*' ? new Column(call('count', [])) : fn('count', c)
export const sum = (c: ColumnRef<number>): Column<number> => fn('sum', c)
export const avg = (c: ColumnRef<number>): Column<number> => fn('avg', c)
export const mean = avg
/**
 * By name (`F.max('speed')`), the value type is the column's, read from the row by `agg()`
 * and `select()`, and the unaliased output name is Spark's (`max(speed)`).
 */
export function min<P extends string>(c: P): ColumnOf<`min(${LastSegment<P>})`, P, 'value'>
export function min<T>(c: ColumnRef<T>): Column<T>
export function min(c: ColumnRef): Column<unknown> {
  return fn('min', c)
}
/** By name, typed from the column as `min` is. */
export function max<P extends string>(c: P): ColumnOf<`max(${LastSegment<P>})`, P, 'value'>
export function max<T>(c: ColumnRef<T>): Column<T>
export function max(c: ColumnRef): Column<unknown> {
  return fn('max', c)
}
/** The value of `c` in the row with the largest `ord` of the group (Spark's max_by). */
export const max_by = <T>(c: ColumnRef<T>, ord: ColumnRef): Column<T> => fn('max_by', c, ord)
/** The value of `c` in the row with the smallest `ord` of the group (Spark's min_by). */
export const min_by = <T>(c: ColumnRef<T>, ord: ColumnRef): Column<T> => fn('min_by', c, ord)
export const countDistinct = (...cols: ColumnRef[]): Column<number> => fn('count_distinct', ...cols)
export const count_distinct = countDistinct
/** The first value of the group (the first non-null one with `ignoreNulls`); by name, typed from the column. */
export function first<P extends string>(
  c: P,
  ignoreNulls?: boolean,
): ColumnOf<`first(${LastSegment<P>})`, P, 'value'>
export function first<T>(c: ColumnRef<T>, ignoreNulls?: boolean): Column<T>
export function first(c: ColumnRef, ignoreNulls = false): Column<unknown> {
  return new Column(call('first', [ref(c)], { ignoreNulls }))
}
/** The last value of the group (the last non-null one with `ignoreNulls`); by name, typed from the column. */
export function last<P extends string>(
  c: P,
  ignoreNulls?: boolean,
): ColumnOf<`last(${LastSegment<P>})`, P, 'value'>
export function last<T>(c: ColumnRef<T>, ignoreNulls?: boolean): Column<T>
export function last(c: ColumnRef, ignoreNulls = false): Column<unknown> {
  return new Column(call('last', [ref(c)], { ignoreNulls }))
}
/** The group's non-null values as a list; by name, a list of the column's type. */
export function collect_list<P extends string>(c: P): ColumnOf<`collect_list(${LastSegment<P>})`, P, 'list'>
export function collect_list<T>(c: ColumnRef<T>): Column<T[]>
export function collect_list(c: ColumnRef): Column<unknown> {
  return fn('collect_list', c)
}
/** The group's distinct non-null values as a list; by name, a list of the column's type. */
export function collect_set<P extends string>(c: P): ColumnOf<`collect_set(${LastSegment<P>})`, P, 'list'>
export function collect_set<T>(c: ColumnRef<T>): Column<T[]>
export function collect_set(c: ColumnRef): Column<unknown> {
  return fn('collect_set', c)
}

// Event time
/**
 * The time window each row falls in, for groupBy: tumbling (`window(col('ts'), '10 minutes')`)
 * or sliding (`window(col('ts'), '10 minutes', '5 minutes')`, a row counts in every window
 * that contains it). The column is `window: { start: Date; end: Date }`; windows are
 * `[start, end)`, aligned to the epoch plus `startTime`.
 */
export function window(
  timeColumn: ColumnRef<Date>,
  windowDuration: string,
  slideDuration?: string,
  startTime?: string,
): NamedColumn<'window', { start: Date; end: Date }> {
  const args: Expr[] = [ref(timeColumn), literal(windowDuration)]
  if (slideDuration !== undefined || startTime !== undefined)
    args.push(literal(slideDuration ?? windowDuration))
  if (startTime !== undefined) args.push(literal(startTime))
  return new NamedColumn({ kind: 'alias', child: call('window', args), name: 'window' })
}

/**
 * The session each row belongs to, for groupBy: events of a key less than `gap` apart
 * form one session `[first event, last event + gap)`. The gap is a duration ('5 minutes')
 * or a column giving a duration string or milliseconds per row (a dynamic gap; rows with
 * a gap of zero or less belong to no session). The column is
 * `session_window: { start: Date; end: Date }`.
 */
export function session_window(
  timeColumn: ColumnRef<Date>,
  gap: string | Column<unknown>,
): NamedColumn<'session_window', { start: Date; end: Date }> {
  return new NamedColumn({
    kind: 'alias',
    child: call('session_window', [ref(timeColumn), typeof gap === 'string' ? literal(gap) : gap.expr]),
    name: 'session_window',
  })
}

// Sorting
export const asc = (c: ColumnRef): Column => new Column(ref(c)).asc()
export const desc = (c: ColumnRef): Column => new Column(ref(c)).desc()

// Approximate aggregates
/**
 * The approximate number of distinct non-null values (HyperLogLog++, hashed as Spark hashes
 * them). `rsd` is the maximum relative standard deviation allowed (default 0.05); the sketch
 * uses 2^ceil(2·log2(1.106 / rsd)) one-byte registers per group, so 0.01 costs 16 KiB per group.
 */
export const approx_count_distinct = (c: ColumnRef, rsd = 0.05): Column<number> =>
  new Column(call('approx_count_distinct', [ref(c)], { rsd }))
export const approxCountDistinct = approx_count_distinct

/** Spark's column name for percentile_approx: `percentile_approx(v, 0.5, 10000)`, `percentile_approx(v, array(0.25, 0.75), 10000)`. */
function percentileColumn(
  name: string,
  c: ColumnRef,
  percentage: number | readonly number[],
  accuracy: number,
): Expr {
  const q = Array.isArray(percentage) ? `array(${percentage.join(', ')})` : String(percentage)
  const value = new Column(ref(c))
  const options = { percentage: Array.isArray(percentage) ? [...percentage] : percentage, accuracy }
  return {
    kind: 'alias',
    child: call(name, [value.expr], options),
    name: `${name}(${value}, ${q}, ${accuracy})`,
  }
}

/**
 * The approximate percentile of a numeric, date or timestamp column: the smallest input
 * value whose rank is within n/accuracy of ceil(percentage·n) (Greenwald-Khanna, as Spark).
 * With an array of percentages the result is an array. Null for a group with no values.
 */
export function percentile_approx<T = number>(
  c: ColumnRef<T>,
  percentage: number,
  accuracy?: number,
): Column<T>
export function percentile_approx<T = number>(
  c: ColumnRef<T>,
  percentage: readonly number[],
  accuracy?: number,
): Column<T[]>
export function percentile_approx<T>(
  c: ColumnRef<T>,
  percentage: number | readonly number[],
  accuracy = 10000,
): Column<T | T[]> {
  return new Column(percentileColumn('percentile_approx', c, percentage, accuracy))
}

/** Spark SQL's other name for percentile_approx; the column is named `approx_percentile(...)`. */
export function approx_percentile<T = number>(
  c: ColumnRef<T>,
  percentage: number,
  accuracy?: number,
): Column<T>
export function approx_percentile<T = number>(
  c: ColumnRef<T>,
  percentage: readonly number[],
  accuracy?: number,
): Column<T[]>
export function approx_percentile<T>(
  c: ColumnRef<T>,
  percentage: number | readonly number[],
  accuracy = 10000,
): Column<T | T[]> {
  return new Column(percentileColumn('approx_percentile', c, percentage, accuracy))
}

// Joins

/** Marks a DataFrame as small, as Spark's broadcast(): a join builds its hash table from it. */
export function broadcast<R>(df: DataFrame<R>): DataFrame<R> {
  return df.hint('broadcast')
}

/** A duration as milliseconds, for time bounds: `col('click').leq(col('shown').plus(interval('1 hour')))`. */
export const interval = (duration: string | number): Column<number> =>
  new Column(literal(parseDuration(duration)))
