/**
 * Compiles an expression against a schema once per query: resolves names and types and
 * returns a kernel that evaluates whole columns. Nothing here walks the tree per row.
 */

import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { fromExternal } from '../batch/values.js'
import {
  boolVector,
  constantVector,
  numberVector,
  type ObjectVector,
  objectVector,
  storageOf,
  type Vector,
  VectorBuilder,
  valueAt,
} from '../batch/vector.js'
import {
  arrayOf,
  BinaryType,
  BooleanType,
  commonType,
  type DataType,
  DoubleType,
  IntType,
  LongType,
  NullType,
  StringType,
  TimestampType,
  typeToString,
} from '../types/data-types.js'
import { type Schema, unknownColumn } from '../types/schema.js'
import { AnalysisError } from '../util/errors.js'
import { canCast, castKernel, castVector } from './cast.js'
import type { Compiled, EvalContext, Kernel } from './compiled.js'
import { type Expr, exprName, walkExpr } from './expr.js'
import { lookupFunction } from './registry.js'
import './functions/index.js'

/** Infers a literal's type the way Spark's `lit` does. */
export function literalType(value: unknown): DataType {
  if (value === null || value === undefined) return NullType
  if (typeof value === 'string') return StringType
  if (typeof value === 'boolean') return BooleanType
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) <= 2147483647 ? IntType : DoubleType
  if (typeof value === 'bigint') return LongType
  if (value instanceof Date) return TimestampType
  if (value instanceof Uint8Array) return BinaryType
  if (Array.isArray(value)) {
    const elementType = value.length ? literalType(value[0]) : NullType
    return arrayOf(elementType)
  }
  throw new AnalysisError(
    `UNSUPPORTED_LITERAL: cannot make a literal from ${typeof value}. Use a string, number, boolean, Date, array, or build a struct with struct().`,
    'UNSUPPORTED_LITERAL',
  )
}

/** Resolves a column name or dotted path to its index and nested field chain. */
export function resolvePath(
  schema: Schema<unknown>,
  path: string,
): { index: number; type: DataType; fields: string[]; name: string } {
  const direct = schema.indexOf(path)
  if (direct >= 0) return { index: direct, type: schema.fields[direct].type, fields: [], name: path }
  const split = path.split('.')
  // The longest leading run of segments that names a column: a name may hold dots itself
  // (SQL names a self-join's shared columns `a.address`), and `a.address.county` is its field.
  let head = Math.max(1, split.length - 1)
  while (head > 1 && schema.indexOf(split.slice(0, head).join('.')) < 0) head--
  const parts = [split.slice(0, head).join('.'), ...split.slice(head)]
  const top = schema.indexOf(parts[0])
  if (top < 0 || parts.length === 1) throw unknownColumn(path, schema.names)
  let type = schema.fields[top].type
  for (let i = 1; i < parts.length; i++) {
    if (type.kind !== 'struct') {
      throw new AnalysisError(
        `INVALID_EXTRACT: cannot read field '${parts[i]}' of '${parts.slice(0, i).join('.')}', which is ${typeToString(type)}, not a struct.`,
        'INVALID_EXTRACT',
      )
    }
    const f = type.fields.find((x) => x.name === parts[i])
    if (!f)
      throw unknownColumn(
        parts.slice(0, i + 1).join('.'),
        type.fields.map((x) => `${parts.slice(0, i).join('.')}.${x.name}`),
      )
    type = f.type
  }
  return { index: top, type, fields: parts.slice(1), name: parts[parts.length - 1] }
}

function compileColumn(schema: Schema<unknown>, path: string, expr: Expr): Compiled {
  const { index, type, fields, name } = resolvePath(schema, path)
  if (fields.length === 0) {
    return { expr, name, type, evaluate: (batch) => batch.columns[index] }
  }
  const evaluate: Kernel = (batch) => {
    const src = batch.columns[index].values as readonly unknown[]
    const b = new VectorBuilder(type, batch.numRows)
    for (let i = 0; i < batch.numRows; i++) {
      let v: unknown = src[i]
      for (const f of fields) {
        if (v == null) break
        v = (v as Record<string, unknown>)[f]
      }
      b.append(v == null ? null : fromExternal(type, v, path))
    }
    return b.finish()
  }
  return { expr, name, type, evaluate }
}

function compileLiteral(value: unknown, declared: DataType | undefined, expr: Expr): Compiled {
  const type = declared ?? literalType(value)
  const engineValue =
    value === null || value === undefined
      ? null
      : typeof value === 'bigint'
        ? Number(value)
        : fromExternal(type, value, 'literal')
  return {
    expr,
    name: exprName(expr),
    type,
    evaluate: (batch) => constantVector(type, engineValue, batch.numRows),
    constant: { value: engineValue },
  }
}

function compileCase(
  schema: Schema<unknown>,
  e: Extract<Expr, { kind: 'case' }>,
  scope: CseScope | null,
): Compiled {
  const conds = e.branches.map((b) => compileNode(schema, b.when, scope))
  const values = e.branches.map((b) => compileNode(schema, b.result, scope))
  const otherwise = e.otherwise ? compileNode(schema, e.otherwise, scope) : null
  for (const c of conds) {
    if (c.type.kind !== 'boolean' && c.type.kind !== 'null') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the condition of when(${c.name}) is ${typeToString(c.type)}, not boolean.`,
        'DATATYPE_MISMATCH',
      )
    }
  }
  let type: DataType = NullType
  for (const v of [...values, ...(otherwise ? [otherwise] : [])]) {
    const t = commonType(type, v.type)
    if (!t) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the branches of CASE WHEN have different types (${typeToString(type)} and ${typeToString(v.type)}). Cast them to one type.`,
        'DATATYPE_MISMATCH',
      )
    }
    type = t
  }
  const castTo = (c: Compiled): Compiled => {
    if (c.type === type) return c
    const constant = c.constant
      ? { value: valueAt(castVector(constantVector(c.type, c.constant.value, 1), type), 0) }
      : undefined
    return { ...c, type, evaluate: castKernel(c, type), constant }
  }
  const branchValues = values.map(castTo)
  if (otherwise) branchValues.push(castTo(otherwise))
  const evaluate: Kernel = (batch, ctx) => caseWhen(type, conds, branchValues, otherwise !== null, batch, ctx)
  return { expr: e, name: exprName(e), type, evaluate }
}

/**
 * CASE WHEN over whole columns: picks the branch of every row first (the first condition
 * that is true; -1 for none), then evaluates only the values some row takes, and copies each
 * into the result where it was chosen. A literal value is written as it is, not made into a
 * column first. `values` holds the branches' values, then the ELSE value when `hasElse`.
 */
function caseWhen(
  type: DataType,
  conds: readonly Compiled[],
  values: readonly Compiled[],
  hasElse: boolean,
  batch: ColumnarBatch<unknown>,
  ctx: EvalContext,
): Vector {
  const n = batch.numRows
  const chosen = new Int32Array(n).fill(-1)
  let undecided = n
  for (let j = 0; j < conds.length && undecided > 0; j++) {
    const c = conds[j].evaluate(batch, ctx)
    // A null condition is never true.
    if (c.kind === 'bool') undecided -= chooseWhere(chosen, j, c.values, c.validity)
  }
  // How many rows take each value; the last slot counts the rows left null.
  const counts = countBranches(chosen, hasElse ? conds.length : -1, values.length)
  const storage = storageOf(type)
  // Each chosen value's column (null for a literal, or a value no row takes).
  const columns: (Vector | null)[] = values.map((v, j) =>
    counts[j] === 0 || v.constant ? null : v.evaluate(batch, ctx),
  )
  const literals = values.map((v) => (v.constant ? (v.constant.value ?? null) : null))
  if (storage === 'object') {
    return objectVector(
      type,
      assembleObjects(
        chosen,
        columns.map((c) => (c ? (c as ObjectVector).values : null)),
        literals,
      ),
    )
  }
  const out = storage === 'number' ? new Float64Array(n) : new Uint8Array(n)
  let validity: Uint8Array | null = null
  const markNull = (i: number) => {
    validity ??= new Uint8Array(n).fill(1)
    validity[i] = 0
    if (storage === 'number') out[i] = Number.NaN
  }
  if (counts[values.length] > 0) for (let i = 0; i < n; i++) if (chosen[i] < 0) markNull(i)
  for (let j = 0; j < values.length; j++) {
    if (counts[j] === 0) continue
    const v = columns[j]
    if (v === null) {
      const k = literals[j]
      if (k === null) {
        for (let i = 0; i < n; i++) if (chosen[i] === j) markNull(i)
      } else {
        const x = storage === 'number' ? (k as number) : k ? 1 : 0
        for (let i = 0; i < n; i++) if (chosen[i] === j) out[i] = x
      }
      continue
    }
    if (v.kind === 'object') {
      // A null-typed value: null wherever it is chosen.
      for (let i = 0; i < n; i++) if (chosen[i] === j) markNull(i)
      continue
    }
    const src = v.values
    const valid = v.validity
    for (let i = 0; i < n; i++) {
      if (chosen[i] !== j) continue
      if (valid !== null && valid[i] === 0) markNull(i)
      else out[i] = src[i]
    }
  }
  return storage === 'number'
    ? numberVector(type, out as Float64Array, validity)
    : boolVector(type, out as Uint8Array, validity)
}

/** Sets chosen[i] = j where no branch is chosen yet and the condition is true; returns how many. */
function chooseWhere(chosen: Int32Array, j: number, cond: Uint8Array, valid: Uint8Array | null): number {
  const n = chosen.length
  let taken = 0
  for (let i = 0; i < n; i++) {
    if (chosen[i] === -1 && cond[i] === 1 && (valid === null || valid[i] === 1)) {
      chosen[i] = j
      taken++
    }
  }
  return taken
}

/** Gives the rows no condition chose the ELSE value (index `elseIndex`, -1 for none) and counts each value's rows. */
function countBranches(chosen: Int32Array, elseIndex: number, slots: number): Int32Array {
  const counts = new Int32Array(slots + 1)
  const n = chosen.length
  for (let i = 0; i < n; i++) {
    let j = chosen[i]
    if (j === -1) {
      j = elseIndex
      chosen[i] = j
    }
    counts[j < 0 ? slots : j]++
  }
  return counts
}

/** The result of a CASE over objects: each row's chosen column's value, or literal, or null. */
function assembleObjects(
  chosen: Int32Array,
  columns: readonly (readonly unknown[] | null)[],
  literals: readonly unknown[],
): unknown[] {
  const n = chosen.length
  const out = new Array<unknown>(n)
  for (let i = 0; i < n; i++) {
    const j = chosen[i]
    if (j < 0) out[i] = null
    else {
      const c = columns[j]
      out[i] = c === null ? literals[j] : (c[i] ?? null)
    }
  }
  return out
}

function compileUdf(
  schema: Schema<unknown>,
  e: Extract<Expr, { kind: 'udf' }>,
  scope: CseScope | null,
): Compiled {
  const args = e.args.map((a) => compileNode(schema, a, scope))
  const fn = e.fn as (...a: unknown[]) => unknown
  const type = e.returnType
  const where = `udf ${e.name}`
  const storage = storageOf(type)
  // Time reaches the function as a Date, as a user sees it.
  const temporal = args.map((a) => a.type.kind === 'timestamp' || a.type.kind === 'date')
  const evaluate: Kernel = (batch, ctx) => {
    const n = batch.numRows
    const readers = args.map((a, j) => argReader(a, temporal[j], batch, ctx))
    const k = readers.length
    const r0 = readers[0]
    const r1 = readers[1]
    const r2 = readers[2]
    const vals = new Array<unknown>(k)
    // Calls without a spread for up to three arguments.
    const call = (i: number): unknown => {
      switch (k) {
        case 0:
          return fn()
        case 1:
          return fn(r0(i))
        case 2:
          return fn(r0(i), r1(i))
        case 3:
          return fn(r0(i), r1(i), r2(i))
        default:
          for (let j = 0; j < k; j++) vals[j] = readers[j](i)
          return fn(...vals)
      }
    }
    if (storage === 'number') {
      const out = new Float64Array(n)
      let validity: Uint8Array | null = null
      for (let i = 0; i < n; i++) {
        const r = fromExternal(type, call(i), where)
        if (r === null) {
          validity ??= new Uint8Array(n).fill(1)
          validity[i] = 0
          out[i] = Number.NaN
        } else out[i] = r as number
      }
      return numberVector(type, out, validity)
    }
    if (storage === 'object') {
      const out = new Array<unknown>(n)
      for (let i = 0; i < n; i++) out[i] = fromExternal(type, call(i), where)
      return objectVector(type, out)
    }
    const b = new VectorBuilder(type, n)
    for (let i = 0; i < n; i++) b.append(fromExternal(type, call(i), where))
    return b.finish()
  }
  return { expr: e, name: exprName(e), type, evaluate }
}

/** Reads a udf argument's value at row i as the user sees it: a literal once, time as a Date, null for null. */
function argReader(
  a: Compiled,
  temporal: boolean,
  batch: ColumnarBatch<unknown>,
  ctx: EvalContext,
): (i: number) => unknown {
  if (a.constant && !temporal) {
    const value = a.constant.value ?? null
    return () => value
  }
  const v = a.evaluate(batch, ctx)
  if (temporal) {
    return (i) => {
      const x = valueAt(v, i)
      return typeof x === 'number' ? new Date(x) : x
    }
  }
  if (v.kind === 'object') {
    const src = v.values
    return (i) => src[i] ?? null
  }
  if (v.kind === 'number') {
    const src = v.values
    const valid = v.validity
    return valid === null ? (i) => src[i] : (i) => (valid[i] === 0 ? null : src[i])
  }
  return (i) => valueAt(v, i)
}

/**
 * Compiles `expr` against `schema`. Aggregates and generators are refused here; their
 * operators bind them. A subexpression that occurs more than once in `expr` (the same
 * `lower(channel)` in every branch of a CASE, `price * 0.908` on both sides of a range test)
 * is compiled once and evaluated once per batch: common-subexpression elimination, as
 * Spark's within one expression.
 */
export function compileExpr(schema: Schema<unknown>, expr: Expr): Compiled {
  const repeated = repeatedSubexpressions(expr)
  if (repeated.size === 0) return compileNode(schema, expr, null)
  const scope: CseScope = { repeated, compiled: new Map(), shared: [] }
  const c = compileNode(schema, expr, scope)
  if (scope.shared.length === 0) return c
  const { shared } = scope
  const inner = c.evaluate
  // The shared results live for one evaluation of the whole expression: nothing is kept
  // between batches, and no result can be taken for another batch's.
  const evaluate: Kernel = (batch, ctx) => {
    try {
      return inner(batch, ctx)
    } finally {
      for (const s of shared) {
        s.last = null
        s.batch = null
        s.ctx = null
      }
    }
  }
  return { ...c, evaluate }
}

/** The subexpressions of one expression that are evaluated once however often they occur. */
interface CseScope {
  /** Keys (see cseKey) of the subexpressions that occur more than once. */
  readonly repeated: ReadonlySet<string>
  readonly compiled: Map<string, Compiled>
  /** The result slot of each shared subexpression, emptied after each evaluation. */
  readonly shared: SharedSlot[]
}

interface SharedSlot {
  last: Vector | null
  batch: ColumnarBatch<unknown> | null
  ctx: EvalContext | null
}

function compileNode(schema: Schema<unknown>, expr: Expr, scope: CseScope | null): Compiled {
  if (scope && (expr.kind === 'call' || expr.kind === 'cast' || expr.kind === 'case')) {
    const key = cseKey(expr)
    if (key !== null && scope.repeated.has(key)) {
      const done = scope.compiled.get(key)
      if (done) return { ...done, expr, name: exprName(expr) }
      const c = compileOne(schema, expr, scope)
      // Kernels are pure functions of (batch, context) and never modify their inputs, so
      // every occurrence can take the same vector.
      const slot: SharedSlot = { last: null, batch: null, ctx: null }
      scope.shared.push(slot)
      const kernel = c.evaluate
      const evaluate: Kernel = (batch, ctx) => {
        if (slot.last !== null && slot.batch === batch && slot.ctx === ctx) return slot.last
        const v = kernel(batch, ctx)
        slot.last = v
        slot.batch = batch
        slot.ctx = ctx
        return v
      }
      const shared: Compiled = { ...c, evaluate }
      scope.compiled.set(key, shared)
      return shared
    }
  }
  return compileOne(schema, expr, scope)
}

const cseKeys = new WeakMap<Expr, string | null>()

/**
 * A structural key of an expression: equal keys mean the same value over the same row.
 * Null for what must not be shared or cannot be told apart by structure: udfs (a user
 * function may keep state), literals other than plain values, calls with options.
 */
function cseKey(e: Expr): string | null {
  const known = cseKeys.get(e)
  if (known !== undefined) return known
  let key: string | null = null
  switch (e.kind) {
    case 'column':
      key = `c${JSON.stringify(e.path)}`
      break
    case 'literal': {
      const v = e.value
      const t = typeof v
      if (v === null || v === undefined) key = `l:null:${e.type ? typeToString(e.type) : ''}`
      else if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint')
        key = `l:${t}:${JSON.stringify(Object.is(v, -0) ? '-0' : String(v))}:${e.type ? typeToString(e.type) : ''}`
      break
    }
    case 'alias':
      key = cseKey(e.child)
      break
    case 'cast': {
      const c = cseKey(e.child)
      key = c === null ? null : `cast(${c} as ${typeToString(e.to)})`
      break
    }
    case 'call': {
      if (e.options && Object.keys(e.options).length > 0) break
      const args = e.args.map(cseKey)
      key = args.includes(null) ? null : `${JSON.stringify(e.name)}(${args.join(',')})`
      break
    }
    case 'case': {
      const parts: (string | null)[] = []
      for (const b of e.branches) parts.push(cseKey(b.when), cseKey(b.result))
      parts.push(e.otherwise ? cseKey(e.otherwise) : 'none')
      key = parts.includes(null) ? null : `case(${parts.join(',')})`
      break
    }
    default:
      key = null
  }
  cseKeys.set(e, key)
  return key
}

/** Keys of the calls, casts and CASEs that occur more than once in `expr`. */
function repeatedSubexpressions(expr: Expr): Set<string> {
  const seen = new Set<string>()
  const repeated = new Set<string>()
  walkExpr(expr, (e) => {
    if (e.kind !== 'call' && e.kind !== 'cast' && e.kind !== 'case') return
    const key = cseKey(e)
    if (key === null) return
    if (seen.has(key)) repeated.add(key)
    else seen.add(key)
  })
  return repeated
}

function compileOne(schema: Schema<unknown>, expr: Expr, scope: CseScope | null): Compiled {
  switch (expr.kind) {
    case 'column':
      return compileColumn(schema, expr.path, expr)
    case 'literal':
      return compileLiteral(expr.value, expr.type, expr)
    case 'alias': {
      const inner = compileNode(schema, expr.child, scope)
      return { ...inner, expr, name: expr.name }
    }
    case 'cast': {
      const inner = compileNode(schema, expr.child, scope)
      if (!canCast(inner.type, expr.to)) {
        throw new AnalysisError(
          `CANNOT_CAST: cannot cast ${inner.name} from ${typeToString(inner.type)} to ${typeToString(expr.to)}.`,
          'CANNOT_CAST',
        )
      }
      return { expr, name: inner.name, type: expr.to, evaluate: castKernel(inner, expr.to) }
    }
    case 'case':
      return compileCase(schema, expr, scope)
    case 'udf':
      return compileUdf(schema, expr, scope)
    case 'call': {
      const def = lookupFunction(expr.name)
      if (def.kind === 'aggregate') {
        throw new AnalysisError(
          `MISPLACED_AGGREGATE: the aggregate ${exprName(expr)} can only be used in groupBy(...).agg(...) or agg(...).`,
          'MISPLACED_AGGREGATE',
        )
      }
      if (def.kind === 'generator') {
        throw new AnalysisError(
          `MISPLACED_GENERATOR: ${exprName(expr)} can only stand alone in select(...) or withColumn(...), not inside another expression.`,
          'MISPLACED_GENERATOR',
        )
      }
      const args = expr.args.map((a) => compileNode(schema, a, scope))
      const bound = def.bind(args, expr.options ?? {}, expr)
      return { expr, name: exprName(expr), type: bound.type, evaluate: bound.evaluate }
    }
    case 'star':
      throw new AnalysisError(`'*' can only be used in select().`, 'MISPLACED_STAR')
    case 'sortOrder':
      throw new AnalysisError(`asc()/desc() can only be used in orderBy().`, 'MISPLACED_SORT_ORDER')
  }
}

/** A kernel returning a Float64 vector of the epoch milliseconds of a timestamp column. */
export function asNumberVector(v: Vector): Float64Array {
  if (v.kind === 'number') return v.values
  const out = new Float64Array(v.length)
  for (let i = 0; i < v.length; i++) out[i] = Number(valueAt(v, i))
  return out
}
