/**
 * The row types that select, groupBy and agg produce. Type-level only; DESIGN.md asks to
 * keep this cheap for the editor, so it stays one level of mapping per call.
 */
import type { ColumnLike } from '../api/column.js'
import type { ColumnPath, LastSegment, Simplify, TypeAtPath } from './row-types.js'

/** What select() takes: a column name or path of R, '*', or a Column. */
export type SelectItem<R> = ColumnPath<R> | '*' | ColumnLike

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never

/** The row fragment one select item contributes. Unnamed expressions contribute nothing the type checker knows. */
export type ItemRow<R, I> = I extends '*'
  ? R
  : I extends string
    ? { [K in LastSegment<I>]: TypeAtPath<R, I> }
    : // Matching on the brands, not on the classes, keeps inference shallow. A ColumnOf
      // (F.max('speed')) takes its type from the row at its path.
      I extends {
          readonly __name: infer N extends string
          readonly __from: infer P extends string
          readonly __shape: infer S
        }
      ? { [K in N]: S extends 'list' ? NonNullable<TypeAtPath<R, P>>[] : TypeAtPath<R, P> }
      : I extends { readonly __name: infer N extends string; readonly __type?: infer T }
        ? { [K in N]: unknown extends T ? (N extends keyof R ? R[N] : unknown) : T }
        : Record<never, never>

export type SelectedRow<R, Items extends readonly unknown[]> = Simplify<
  UnionToIntersection<{ [I in keyof Items]: ItemRow<R, Items[I]> }[number]>
>
