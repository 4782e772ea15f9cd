/**
 * Compiles an expression against a schema once per query: resolves names and types and
 * returns a kernel that evaluates whole columns. Nothing here walks the tree per row.
 */

import { fromExternal } from '../batch/values.js'
import { constantVector, type Vector, VectorBuilder, valueAt } from '../batch/vector.js'
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
import { canCast, castKernel } from './cast.js'
import type { Compiled, Kernel } from './compiled.js'
import { type Expr, exprName } from './expr.js'
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
  const parts = path.split('.')
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

function compileCase(schema: Schema<unknown>, e: Extract<Expr, { kind: 'case' }>): Compiled {
  const conds = e.branches.map((b) => compileExpr(schema, b.when))
  const values = e.branches.map((b) => compileExpr(schema, b.result))
  const otherwise = e.otherwise ? compileExpr(schema, e.otherwise) : null
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
  const castTo = (c: Compiled): Kernel => (c.type === type ? c.evaluate : castKernel(c, type))
  const valueKernels = values.map(castTo)
  const otherwiseKernel = otherwise ? castTo(otherwise) : null
  const evaluate: Kernel = (batch, ctx) => {
    const n = batch.numRows
    const condVecs = conds.map((c) => c.evaluate(batch, ctx))
    const valueVecs = valueKernels.map((k) => k(batch, ctx))
    const elseVec = otherwiseKernel ? otherwiseKernel(batch, ctx) : null
    const b = new VectorBuilder(type, n)
    for (let i = 0; i < n; i++) {
      let chosen: Vector | null = elseVec
      for (let j = 0; j < condVecs.length; j++) {
        if (valueAt(condVecs[j], i) === true) {
          chosen = valueVecs[j]
          break
        }
      }
      b.append(chosen ? valueAt(chosen, i) : null)
    }
    return b.finish()
  }
  return { expr: e, name: exprName(e), type, evaluate }
}

function compileUdf(schema: Schema<unknown>, e: Extract<Expr, { kind: 'udf' }>): Compiled {
  const args = e.args.map((a) => compileExpr(schema, a))
  const fn = e.fn as (...a: unknown[]) => unknown
  const type = e.returnType
  const evaluate: Kernel = (batch, ctx) => {
    const vecs = args.map((a) => a.evaluate(batch, ctx))
    const b = new VectorBuilder(type, batch.numRows)
    const vals = new Array<unknown>(vecs.length)
    for (let i = 0; i < batch.numRows; i++) {
      for (let j = 0; j < vecs.length; j++) {
        const v = valueAt(vecs[j], i)
        const t = vecs[j].type.kind
        vals[j] = (t === 'timestamp' || t === 'date') && typeof v === 'number' ? new Date(v) : v
      }
      b.append(fromExternal(type, fn(...vals), `udf ${e.name}`))
    }
    return b.finish()
  }
  return { expr: e, name: exprName(e), type, evaluate }
}

/** Compiles `expr` against `schema`. Aggregates and generators are refused here; their operators bind them. */
export function compileExpr(schema: Schema<unknown>, expr: Expr): Compiled {
  switch (expr.kind) {
    case 'column':
      return compileColumn(schema, expr.path, expr)
    case 'literal':
      return compileLiteral(expr.value, expr.type, expr)
    case 'alias': {
      const inner = compileExpr(schema, expr.child)
      return { ...inner, expr, name: expr.name }
    }
    case 'cast': {
      const inner = compileExpr(schema, expr.child)
      if (!canCast(inner.type, expr.to)) {
        throw new AnalysisError(
          `CANNOT_CAST: cannot cast ${inner.name} from ${typeToString(inner.type)} to ${typeToString(expr.to)}.`,
          'CANNOT_CAST',
        )
      }
      return { expr, name: inner.name, type: expr.to, evaluate: castKernel(inner, expr.to) }
    }
    case 'case':
      return compileCase(schema, expr)
    case 'udf':
      return compileUdf(schema, expr)
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
      const args = expr.args.map((a) => compileExpr(schema, a))
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
