/**
 * Function calls in SQL build the very expression the fluent API builds: a call by Spark
 * name goes through the `functions` module's builder of that name when there is one (so
 * defaults, options and column names match `F.round(x)`, `F.window(...)`), else it becomes
 * a plain call that the analyzer resolves against the function registry (with its
 * near-match errors).
 */
import { Column } from '../api/column.js'
import * as F from '../api/functions.js'
import { call, type Expr } from '../expr/expr.js'
import { AnalysisError } from '../util/errors.js'
import { parseTypeText } from './sql-types.js'

/** Builders that are not SQL functions (they make columns from JS values or wrap DataFrames). */
const notSqlFunctions = new Set([
  'col',
  'column',
  'lit',
  'when',
  'udf',
  'broadcast',
  'expr',
  'interval',
  'asc',
  'desc',
])

type Builder = (...args: unknown[]) => Column

let byName: Map<string, Builder> | undefined
function builders(): Map<string, Builder> {
  if (!byName) {
    byName = new Map()
    for (const [name, value] of Object.entries(F)) {
      if (typeof value === 'function' && !notSqlFunctions.has(name))
        byName.set(name.toLowerCase(), value as Builder)
    }
  }
  return byName
}

/** Thrown for a call that cannot be built; the parser adds the position. */
export class FunctionCallError extends Error {}

const isLiteral = (e: Expr): e is Extract<Expr, { kind: 'literal' }> => e.kind === 'literal'

function literalArg(name: string, e: Expr | undefined, position: string, example: string): unknown {
  if (e === undefined) return undefined
  if (!isLiteral(e)) {
    throw new FunctionCallError(
      `the ${position} argument of ${name}() must be a literal, such as ${example}.`,
    )
  }
  return e.value
}

/** `array(0.25, 0.75)` as a JS array of numbers, for percentile_approx's percentages. */
function numbersArg(name: string, e: Expr): number | number[] {
  if (e.kind === 'literal' && typeof e.value === 'number') return e.value
  if (
    e.kind === 'call' &&
    e.name === 'array' &&
    e.args.every((a) => isLiteral(a) && typeof a.value === 'number')
  ) {
    return e.args.map((a) => (a as { value: number }).value)
  }
  throw new FunctionCallError(
    `the percentage of ${name}() must be a number or array(numbers), such as 0.5 or array(0.25, 0.75).`,
  )
}

const columns = (args: readonly Expr[]): Column[] => args.map((a) => new Column(a))

/** Functions whose builders take JS values (durations, separators, options), not columns. */
const special: Record<string, (name: string, args: readonly Expr[], distinct: boolean) => Expr> = {
  count: (_, args, distinct) => {
    if (distinct) return F.countDistinct(...columns(args)).expr
    // count(1) and count('x') count rows, as count(*) does: build what count() builds.
    if (args.length === 1 && isLiteral(args[0]) && args[0].value !== null) return F.count().expr
    if (args.length > 1)
      throw new FunctionCallError('count() takes one argument; count(DISTINCT a, b) counts combinations.')
    return (args.length === 0 ? F.count() : F.count(new Column(args[0]))).expr
  },
  window: (name, args) => {
    if (args.length < 2 || args.length > 4) {
      throw new FunctionCallError(
        `window() takes a time column and 1 to 3 durations, as window(ts, '10 minutes'), but was given ${args.length} argument(s).`,
      )
    }
    const [time, size, slide, startTime] = args
    const d = (e: Expr | undefined, which: string) =>
      literalArg(name, e, which, "'5 minutes'") as string | undefined
    return F.window(new Column(time), d(size, 'second') as string, d(slide, 'third'), d(startTime, 'fourth'))
      .expr
  },
  session_window: (_, args) => {
    if (args.length !== 2)
      throw new FunctionCallError(
        `session_window() takes a time column and a gap, as session_window(ts, '5 minutes'), but was given ${args.length} argument(s).`,
      )
    const gap = args[1]
    return F.session_window(
      new Column(args[0]),
      isLiteral(gap) && typeof gap.value === 'string' ? gap.value : new Column(gap),
    ).expr
  },
  concat_ws: (name, args) => {
    const sep = literalArg(name, args[0], 'first', "','")
    if (typeof sep !== 'string')
      throw new FunctionCallError("the separator of concat_ws() must be a string, such as ','.")
    return F.concat_ws(sep, ...columns(args.slice(1))).expr
  },
  format_string: (name, args) => {
    const format = literalArg(name, args[0], 'first', "'%s: %d'")
    if (typeof format !== 'string')
      throw new FunctionCallError("the format of format_string() must be a string, such as '%s: %d'.")
    return F.format_string(format, ...columns(args.slice(1))).expr
  },
  date_trunc: (name, args) => {
    if (args.length !== 2)
      throw new FunctionCallError(
        `date_trunc() takes a unit and a timestamp, as date_trunc('hour', ts), but was given ${args.length} argument(s).`,
      )
    return F.date_trunc(literalArg(name, args[0], 'first', "'hour'") as string, new Column(args[1])).expr
  },
  from_json: (name, args) => {
    if (args.length !== 2)
      throw new FunctionCallError(
        `from_json() takes a JSON string column and a schema, as from_json(value, 'a INT, b STRING'), but was given ${args.length} argument(s).`,
      )
    const ddl = literalArg(name, args[1], 'second', "'a INT, b STRING'")
    if (typeof ddl !== 'string')
      throw new FunctionCallError("the schema of from_json() must be a string, such as 'a INT, b STRING'.")
    return F.from_json(new Column(args[0]), parseTypeText(ddl)).expr
  },
  first: (name, args) =>
    F.first(new Column(args[0]), literalArg(name, args[1], 'second', 'true') === true).expr,
  last: (name, args) =>
    F.last(new Column(args[0]), literalArg(name, args[1], 'second', 'true') === true).expr,
  approx_count_distinct: (name, args) =>
    F.approx_count_distinct(
      new Column(args[0]),
      (literalArg(name, args[1], 'second', '0.05') as number | undefined) ?? 0.05,
    ).expr,
  // from_avro(data, 'json schema') and to_avro(data[, 'json schema']), as spark-avro's SQL functions.
  from_avro: (name, args) => {
    if (args.length !== 2)
      throw new FunctionCallError(
        `from_avro() takes a binary column and a JSON Avro schema, but was given ${args.length} argument(s).`,
      )
    return F.from_avro(
      new Column(args[0]),
      literalArg(name, args[1], 'second', `'{"type": "record", ...}'`) as string,
    ).expr
  },
  to_avro: (name, args) => {
    if (args.length < 1 || args.length > 2)
      throw new FunctionCallError(
        `to_avro() takes a column and an optional JSON Avro schema, but was given ${args.length} argument(s).`,
      )
    return F.to_avro(
      new Column(args[0]),
      literalArg(name, args[1], 'second', `'{"type": "record", ...}'`) as string | undefined,
    ).expr
  },
  percentile_approx: (name, args) => percentile(name, args, F.percentile_approx),
  approx_percentile: (name, args) => percentile(name, args, F.approx_percentile),
}

function percentile(name: string, args: readonly Expr[], builder: typeof F.percentile_approx): Expr {
  if (args.length < 2 || args.length > 3) {
    throw new FunctionCallError(
      `${name}() takes a column, a percentage and an optional accuracy, but was given ${args.length} argument(s).`,
    )
  }
  const accuracy = literalArg(name, args[2], 'third', '10000') as number | undefined
  const p = numbersArg(name, args[1])
  return (
    typeof p === 'number'
      ? builder(new Column(args[0]), p, accuracy)
      : builder(new Column(args[0]), p, accuracy)
  ).expr
}

/** Spark SQL's other names for functions the `functions` module has. */
const synonyms = new Map([
  ['power', 'pow'],
  ['ceiling', 'ceil'],
  ['lcase', 'lower'],
  ['ucase', 'upper'],
  ['char_length', 'length'],
  ['character_length', 'length'],
  ['substr', 'substring'],
  ['nvl', 'coalesce'],
  ['ifnull', 'coalesce'],
  ['mean', 'avg'],
])

/** The expression for `name(args)` (`distinct` for `count(DISTINCT ...)`). */
export function functionCall(written: string, args: readonly Expr[], distinct: boolean): Expr {
  const name = synonyms.get(written.toLowerCase()) ?? written.toLowerCase()
  if (distinct && name !== 'count') {
    throw new FunctionCallError(
      `DISTINCT is supported in count(DISTINCT ...) only, not in ${written}(). Deduplicate first, or use collect_set.`,
    )
  }
  // Own properties only: a name such as 'constructor' must not reach Object.prototype.
  const make = Object.hasOwn(special, name) ? special[name] : undefined
  if (make) return make(name, args, distinct)
  const builder = builders().get(name)
  if (!builder) return call(name, args)
  let built: Column
  try {
    built = builder(...columns(args))
  } catch (e) {
    if (e instanceof TypeError)
      throw new FunctionCallError(`${written}() was given too few arguments (${args.length}).`)
    throw e
  }
  // A builder ignores arguments beyond its parameters; SQL must not drop them silently.
  const used =
    built.expr.kind === 'call'
      ? built.expr.args.length
      : built.expr.kind === 'alias'
        ? Number.POSITIVE_INFINITY
        : args.length
  if (args.length > used) {
    throw new AnalysisError(
      `WRONG_NUM_ARGS: ${name} takes at most ${used} argument(s) but was given ${args.length}.`,
      'WRONG_NUM_ARGS',
    )
  }
  return built.expr
}
