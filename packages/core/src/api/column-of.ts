/**
 * A column whose value type is the type of another column of the input row, read when the
 * row type is known: `F.max('speed')` cannot know what `speed` holds, but `agg()` and
 * `select()` can. Type-level only: at run time it is a plain Column.
 */
import { Column } from './column.js'

/** How the result relates to the value at the path: the value itself, or a list of the non-null values. */
export type ColumnOfShape = 'value' | 'list'

/**
 * `N` is the output name (`max(speed)` until aliased), `P` the path whose type the values
 * have, `S` the shape. The three brands are matched structurally in `select-types.ts`.
 */
export class ColumnOf<
  out N extends string,
  out P extends string,
  out S extends ColumnOfShape,
> extends Column<unknown> {
  /** Type-level only. */
  declare readonly __name: N
  /** Type-level only: the column path of the input row that gives the value type. */
  declare readonly __from: P
  /** Type-level only. */
  declare readonly __shape: S

  override alias<M extends string>(name: M): ColumnOf<M, P, S> {
    return new ColumnOf<M, P, S>({ kind: 'alias', child: this.expr, name })
  }
  override as<M extends string>(name: M): ColumnOf<M, P, S> {
    return this.alias(name)
  }
  override name<M extends string>(name: M): ColumnOf<M, P, S> {
    return this.alias(name)
  }
}
