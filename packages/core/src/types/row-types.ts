/**
 * Type-level mapping from schema literals to row types. Only the type checker runs this
 * file; keep it small so that editors stay fast.
 */
import type { SchemaSpec, TypeSpec } from './type-spec.js'

/**
 * The JavaScript value type of one type spec. When S is the whole TypeSpec union (the type
 * checker comparing generic signatures), the answer is unknown: expanding the recursive
 * union would never end.
 */
export type JsOf<S> = [TypeSpec] extends [S]
  ? unknown
  : S extends 'string'
    ? string
    : S extends 'int' | 'long' | 'float' | 'double'
      ? number
      : S extends 'boolean'
        ? boolean
        : S extends 'timestamp' | 'date'
          ? Date
          : S extends 'binary'
            ? Uint8Array
            : S extends { readonly type: infer T; readonly nullable: true }
              ? JsOf<T> | null
              : S extends { readonly array: infer E }
                ? JsOf<E>[]
                : S extends { readonly map: infer V }
                  ? { [key: string]: JsOf<V> }
                  : S extends { readonly struct: infer F extends SchemaSpec }
                    ? RowOf<F>
                    : never

/** The row type of a schema literal. */
export type RowOf<S extends SchemaSpec> = { -readonly [K in keyof S]: JsOf<S[K]> }

/** Flattens intersections so that hovers show plain object types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** A row with some columns replaced or added. */
export type WithColumn<R, N extends string, T> = Simplify<Omit<R, N> & { [K in N]: T }>

/** Column names of R as string literals. */
export type ColumnName<R> = Extract<keyof R, string>

type NestedPaths<T, Depth extends unknown[]> = Depth['length'] extends 3
  ? never
  : T extends Date | Uint8Array | readonly unknown[]
    ? never
    : T extends object
      ? {
          [K in Extract<keyof T, string>]: K | `${K}.${NestedPaths<NonNullable<T[K]>, [...Depth, 1]>}`
        }[Extract<keyof T, string>]
      : never

/** Column names of R, and dotted paths into struct columns (`'a.b'`). */
export type ColumnPath<R> = NestedPaths<R, []>

/** The value type at a dotted path of R. */
export type TypeAtPath<R, P extends string> = P extends keyof R
  ? R[P]
  : P extends `${infer H}.${infer Rest}`
    ? H extends keyof R
      ? TypeAtPath<NonNullable<R[H]>, Rest>
      : unknown
    : unknown

/** The last segment of a dotted path, which names the selected column. */
export type LastSegment<P extends string> = P extends `${string}.${infer Rest}` ? LastSegment<Rest> : P

export type { TypeSpec }
