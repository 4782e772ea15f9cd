import { AnalysisError } from '../util/errors.js'
import { nearMatches } from '../util/near-matches.js'
import { type DataType, type StructField, structOf, typeToString } from './data-types.js'
import type { RowOf } from './row-types.js'
import { parseTypeSpec, type SchemaSpec } from './type-spec.js'

/**
 * An ordered list of named, typed fields. `R` is the row type the schema describes; it
 * exists only for the type checker.
 */
export class Schema<R = Record<string, unknown>> {
  declare readonly __row?: R
  readonly fields: readonly StructField[]
  private readonly index: Map<string, number>

  constructor(fields: readonly StructField[]) {
    this.fields = Object.freeze([...fields])
    this.index = new Map()
    fields.forEach((f, i) => {
      if (!this.index.has(f.name)) this.index.set(f.name, i)
    })
  }

  get names(): string[] {
    return this.fields.map((f) => f.name)
  }

  get length(): number {
    return this.fields.length
  }

  has(name: string): boolean {
    return this.index.has(name)
  }

  indexOf(name: string): number {
    return this.index.get(name) ?? -1
  }

  /** The field called `name`, or an AnalysisError that lists the columns that exist. */
  field(name: string): StructField {
    const i = this.index.get(name)
    if (i === undefined) throw unknownColumn(name, this.names)
    return this.fields[i]
  }

  asStructType(): DataType {
    return structOf(this.fields)
  }

  /** Spark's `struct<a:int,b:string>` form. */
  simpleString(): string {
    return typeToString(this.asStructType())
  }

  /** A tree like Spark's `printSchema()`. */
  treeString(): string {
    const lines = ['root']
    const walk = (fields: readonly StructField[], depth: number) => {
      for (const f of fields) {
        const t = f.type
        const label = t.kind === 'struct' ? 'struct' : t.kind === 'array' ? typeToString(t) : t.kind
        lines.push(`${' |   '.repeat(depth)} |-- ${f.name}: ${label} (nullable = ${f.nullable})`)
        if (t.kind === 'struct') walk(t.fields, depth + 1)
      }
    }
    walk(this.fields, 0)
    return lines.join('\n')
  }

  toJSON(): { fields: { name: string; type: string; nullable: boolean }[] } {
    return {
      fields: this.fields.map((f) => ({ name: f.name, type: typeToString(f.type), nullable: f.nullable })),
    }
  }

  equals(other: Schema<unknown>): boolean {
    return this.simpleString() === other.simpleString()
  }
}

export function unknownColumn(name: string, available: readonly string[]): AnalysisError {
  const near = nearMatches(name, available)
  const hint = near.length > 0 ? ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''
  return new AnalysisError(
    `UNRESOLVED_COLUMN: column '${name}' does not exist.${hint} Available columns: ${available.map((n) => `'${n}'`).join(', ') || '(none)'}.`,
    'UNRESOLVED_COLUMN',
  )
}

/**
 * Builds a schema from a literal, and types its rows:
 * `schema({ ts: 'timestamp', user: 'string', ms: 'double' })` describes rows of type
 * `{ ts: Date; user: string; ms: number }`.
 */
export function schema<const S extends SchemaSpec>(spec: S): Schema<RowOf<S>> {
  return new Schema<RowOf<S>>(
    Object.entries(spec).map(([name, s]) => {
      const { type, nullable } = parseTypeSpec(s, name)
      return { name, type, nullable }
    }),
  )
}

/** The row type of a Schema value: `RowOfSchema<typeof events>`. */
export type RowOfSchema<S> = S extends Schema<infer R> ? R : never
