/** Helpers for the function tests: evaluate one column over rows through the public API. */
import {
  Column,
  type DataFrame,
  type SchemaSpec,
  type Session,
  schema,
  typeToString,
} from '../../src/index.js'

type AnyFrame = DataFrame<Record<string, unknown>>

/** A batch DataFrame of `rows` with the schema `spec`. */
export function frame<S extends SchemaSpec>(
  session: Session,
  spec: S,
  rows: readonly Record<string, unknown>[],
): AnyFrame {
  return session.createDataFrame(rows as never[], schema(spec)) as unknown as AnyFrame
}

/** The values of `c` over the rows of `df`. */
export async function values(df: AnyFrame, c: Column): Promise<unknown[]> {
  const out = (await df.select(c.alias('x')).collect()) as Record<string, unknown>[]
  return out.map((r) => r.x)
}

/** The value of `c` on a one-row frame (for expressions over literals). */
export async function scalar(session: Session, c: Column): Promise<unknown> {
  const [v] = await values(session.range(1) as unknown as AnyFrame, c)
  return v
}

/** Spark's simpleString of the type `c` has over `df`. */
export function typeOf(df: AnyFrame, c: Column): string {
  return typeToString(df.select(c.alias('x')).schema.fields[0].type)
}

/** The message of the error that analysing or running `c` over `df` raises. */
export async function errorOf(df: AnyFrame, c: Column): Promise<string> {
  try {
    await df.select(c.alias('x')).collect()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error(`expected ${c.toString()} to fail`)
}

/** A call of a registered function by name, for argument forms the typed wrappers do not offer. */
export function call(name: string, ...args: Column[]): Column {
  return new Column({ kind: 'call', name, args: args.map((a) => a.expr) })
}
