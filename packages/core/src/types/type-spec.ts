import { AnalysisError } from '../util/errors.js'
import { arrayOf, type DataType, mapOf, type PrimitiveTypeName, primitive, structOf } from './data-types.js'

/** How a schema literal names a type. */
export type TypeSpec =
  | Exclude<PrimitiveTypeName, 'null'>
  | { readonly array: TypeSpec }
  | { readonly struct: SchemaSpec }
  | { readonly map: TypeSpec }
  | { readonly type: TypeSpec; readonly nullable: true }

/** A schema literal: field name → type. */
export type SchemaSpec = { readonly [name: string]: TypeSpec }

/** Marks a field as nullable in the row type: `{ email: nullable('string') }` → `string | null`. */
export const nullable = <const T extends TypeSpec>(type: T): { type: T; nullable: true } => ({
  type,
  nullable: true,
})

const primitiveNames = new Set<string>([
  'string',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'timestamp',
  'date',
  'binary',
])

export function parseTypeSpec(spec: TypeSpec, where: string): { type: DataType; nullable: boolean } {
  if (typeof spec === 'string') {
    if (!primitiveNames.has(spec)) {
      throw new AnalysisError(
        `INVALID_SCHEMA: field '${where}' has unknown type '${spec}'. Use one of ${[...primitiveNames].join(', ')}, { array: T }, { struct: {...} } or { map: T }.`,
        'INVALID_SCHEMA',
      )
    }
    return { type: primitive(spec as PrimitiveTypeName), nullable: true }
  }
  if ('nullable' in spec) return { type: parseTypeSpec(spec.type, where).type, nullable: true }
  if ('array' in spec) return { type: arrayOf(parseTypeSpec(spec.array, `${where}[]`).type), nullable: true }
  if ('map' in spec)
    return { type: mapOf(primitive('string'), parseTypeSpec(spec.map, `${where}{}`).type), nullable: true }
  if ('struct' in spec) {
    return {
      type: structOf(
        Object.entries(spec.struct).map(([name, s]) => {
          const r = parseTypeSpec(s, `${where}.${name}`)
          return { name, type: r.type, nullable: r.nullable }
        }),
      ),
      nullable: true,
    }
  }
  throw new AnalysisError(`INVALID_SCHEMA: field '${where}' has an unreadable type.`, 'INVALID_SCHEMA')
}
