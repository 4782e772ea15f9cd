/**
 * Column: a typed handle on an expression. `T` is the JavaScript type of its values; a
 * NamedColumn also carries its output name so that `select` can type the row it makes.
 */
import { call, type Expr, exprName, literal } from '../expr/expr.js'
import type { DataType } from '../types/data-types.js'
import type { JsOf } from '../types/row-types.js'
import { parseTypeSpec, type TypeSpec } from '../types/type-spec.js'

/** A column whose value type is T, matched by that type only (cheap for the type checker). */
export interface TypedColumnLike<T> extends ColumnLike {
  readonly __type?: T
}

/**
 * A condition: a boolean column, or an untyped `col('name')` (checked when the query is
 * analyzed). A column known to hold something else is a compile error.
 */
export type Condition = BooleanColumnLike | NamedColumnLike

/** A column of booleans, matched by its value type only: cheap for the type checker. */
export interface BooleanColumnLike extends ColumnLike {
  readonly __type?: boolean | null
}

/** A named column of any type, matched by its brand only: cheap for the type checker. */
export interface NamedColumnLike extends ColumnLike {
  readonly __name: string
}

/** Anything that can stand where a column is expected: a Column, or a literal value. */
export type ColumnOrValue<T = unknown> = ColumnLike | T

/**
 * What generic API methods (select, groupBy, agg) accept as a column. Deliberately only
 * the expression: matching arguments against the whole Column class sent the type
 * checker into deep instantiations.
 */
export interface ColumnLike {
  readonly expr: Expr
}

export function toExpr(value: unknown): Expr {
  if (value instanceof Column) return value.expr
  return literal(value)
}

export class Column<out T = unknown> {
  declare readonly __type?: T
  constructor(readonly expr: Expr) {}

  /** The name the column gets in a result when it is not aliased. */
  toString(): string {
    return exprName(this.expr)
  }

  alias<N extends string>(name: N): NamedColumn<N, T> {
    return new NamedColumn<N, T>({ kind: 'alias', child: this.expr, name })
  }
  as<N extends string>(name: N): NamedColumn<N, T> {
    return this.alias(name)
  }
  name<N extends string>(name: N): NamedColumn<N, T> {
    return this.alias(name)
  }

  private op<R>(name: string, ...others: unknown[]): Column<R> {
    return new Column<R>(call(name, [this.expr, ...others.map(toExpr)]))
  }

  plus(other: ColumnOrValue<number>): Column<number> {
    return this.op('add', other)
  }
  minus(other: ColumnOrValue<number>): Column<number> {
    return this.op('subtract', other)
  }
  multiply(other: ColumnOrValue<number>): Column<number> {
    return this.op('multiply', other)
  }
  divide(other: ColumnOrValue<number>): Column<number> {
    return this.op('divide', other)
  }
  mod(other: ColumnOrValue<number>): Column<number> {
    return this.op('mod', other)
  }
  negate(): Column<number> {
    return this.op('negate')
  }

  equalTo(other: ColumnOrValue): Column<boolean> {
    return this.op('eq', other)
  }
  eq(other: ColumnOrValue): Column<boolean> {
    return this.op('eq', other)
  }
  notEqual(other: ColumnOrValue): Column<boolean> {
    return this.op('neq', other)
  }
  neq(other: ColumnOrValue): Column<boolean> {
    return this.op('neq', other)
  }
  /** Equality that treats two nulls as equal (Spark's `<=>`). */
  eqNullSafe(other: ColumnOrValue): Column<boolean> {
    return this.op('eqNullSafe', other)
  }
  lt(other: ColumnOrValue): Column<boolean> {
    return this.op('lt', other)
  }
  leq(other: ColumnOrValue): Column<boolean> {
    return this.op('lte', other)
  }
  gt(other: ColumnOrValue): Column<boolean> {
    return this.op('gt', other)
  }
  geq(other: ColumnOrValue): Column<boolean> {
    return this.op('gte', other)
  }
  between(lower: ColumnOrValue, upper: ColumnOrValue): Column<boolean> {
    return this.geq(lower).and(this.leq(upper))
  }
  and(other: ColumnOrValue<boolean>): Column<boolean> {
    return this.op('and', other)
  }
  or(other: ColumnOrValue<boolean>): Column<boolean> {
    return this.op('or', other)
  }
  not(): Column<boolean> {
    return this.op('not')
  }
  isNull(): Column<boolean> {
    return this.op('isNull')
  }
  isNotNull(): Column<boolean> {
    return this.op('isNotNull')
  }
  isNaN(): Column<boolean> {
    return this.op('isNaN')
  }
  isin(...values: ColumnOrValue[]): Column<boolean> {
    return this.op('in', ...values)
  }

  /** SQL LIKE: `%` any run of characters, `_` one character. */
  like(pattern: string): Column<boolean> {
    return this.op('like', pattern)
  }
  /** A regular-expression match anywhere in the string. */
  rlike(pattern: string): Column<boolean> {
    return this.op('rlike', pattern)
  }
  startsWith(prefix: ColumnOrValue<string>): Column<boolean> {
    return this.op('startswith', prefix)
  }
  endsWith(suffix: ColumnOrValue<string>): Column<boolean> {
    return this.op('endswith', suffix)
  }
  contains(part: ColumnOrValue<string>): Column<boolean> {
    return this.op('contains', part)
  }
  substr(pos: number, len: number): Column<string> {
    return this.op('substring', pos, len)
  }

  /** A field of a struct column. */
  getField(name: string): Column<unknown> {
    return this.op('get_field', name)
  }
  /** An element of an array (0-based, as Spark's getItem) or a map value by key. */
  getItem(key: number | string): Column<unknown> {
    return this.op('get_item', key)
  }

  /** Converts to another type; values that do not convert become null (Spark's non-ANSI cast). */
  cast<const S extends TypeSpec>(to: S | DataType): Column<JsOf<S>> {
    const type = isDataType(to) ? to : parseTypeSpec(to as TypeSpec, 'cast').type
    return new Column({ kind: 'cast', child: this.expr, to: type })
  }

  asc(): Column<T> {
    return new Column({ kind: 'sortOrder', child: this.expr, ascending: true, nullsFirst: true })
  }
  desc(): Column<T> {
    return new Column({ kind: 'sortOrder', child: this.expr, ascending: false, nullsFirst: false })
  }
  asc_nulls_last(): Column<T> {
    return new Column({ kind: 'sortOrder', child: this.expr, ascending: true, nullsFirst: false })
  }
  desc_nulls_first(): Column<T> {
    return new Column({ kind: 'sortOrder', child: this.expr, ascending: false, nullsFirst: true })
  }
}

/**
 * A CASE WHEN column, made by the `when()` function: add branches with `.when(...)` and
 * the default with `.otherwise(...)`. Kept apart from Column so that Column's own methods
 * never widen its type, which keeps type checking of column arguments shallow.
 */
export class CaseColumn<out T = unknown> extends Column<T> {
  /** Adds a branch. */
  when<U>(condition: Condition, value: ColumnOrValue<U>): CaseColumn<T | U> {
    if (this.expr.kind !== 'case' || this.expr.otherwise) {
      throw new TypeError('when() can only follow when(); start with the when() function.')
    }
    return new CaseColumn({
      kind: 'case',
      branches: [...this.expr.branches, { when: condition.expr, result: toExpr(value) }],
      otherwise: null,
    })
  }
  /** The value for rows that match no branch (null without it). */
  otherwise<U>(value: ColumnOrValue<U>): Column<T | U> {
    if (this.expr.kind !== 'case' || this.expr.otherwise) {
      throw new TypeError('otherwise() can only follow when().')
    }
    return new Column({ kind: 'case', branches: this.expr.branches, otherwise: toExpr(value) })
  }
}

/** A column whose output name is known to the type checker. */
export class NamedColumn<out N extends string, out T = unknown> extends Column<T> {
  /** Type-level only: the output name. Never set at run time. */
  declare readonly __name: N
}

function isDataType(x: unknown): x is DataType {
  return typeof x === 'object' && x !== null && 'kind' in x
}
