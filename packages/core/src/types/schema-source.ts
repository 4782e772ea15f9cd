/**
 * A Schema written back as the TypeScript that declares it: `schema({ id: 'long', ... })`.
 * The codegen step behind `tributary-schema`: infer a file's schema once, commit the
 * output, and read with `.schema(...)` for rows the type checker knows.
 */
import { AnalysisError } from '../util/errors.js'
import type { DataType, StructField } from './data-types.js'
import type { Schema } from './schema.js'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

function typeSource(type: DataType, where: string): string {
  switch (type.kind) {
    case 'array':
      return `{ array: ${typeSource(type.element, `${where}[]`)} }`
    case 'map':
      if (type.key.kind !== 'string') {
        throw new AnalysisError(
          `UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE: column '${where}' is a map with ${type.key.kind} keys, which a schema literal cannot declare (its maps have string keys). Leave the column out of the schema, or cast its keys to strings after reading.`,
          'UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE',
        )
      }
      return `{ map: ${typeSource(type.value, `${where}{}`)} }`
    case 'struct':
      return `{ struct: { ${type.fields.map((f) => fieldSource(f, `${where}.${f.name}`)).join(', ')} } }`
    case 'null':
      throw new AnalysisError(
        `UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE: column '${where}' holds only nulls, so its type cannot be known. Declare it yourself in the generated schema.`,
        'UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE',
      )
    default:
      return `'${type.kind}'`
  }
}

function fieldSource(f: StructField, where: string): string {
  const t = typeSource(f.type, where)
  return `${key(f.name)}: ${f.nullable ? `nullable(${t})` : t}`
}

/**
 * The module text that declares `schema` as `export const <name> = schema({...})`, with
 * its row type as `export type <Name>Row`. Nullable fields are written `nullable(...)`,
 * so their row type admits null.
 */
export function schemaSource(schema: Schema<unknown>, name = 'inputSchema'): string {
  const fields = schema.fields.map((f) => `  ${fieldSource(f, f.name)},`).join('\n')
  const usesNullable = /nullable\(/.test(fields)
  const typeName = `${name[0].toUpperCase()}${name.slice(1).replace(/Schema$/, '')}Row`
  return [
    `import { ${usesNullable ? 'nullable, ' : ''}type RowOfSchema, schema } from '@tributary/core'`,
    '',
    `export const ${name} = schema({`,
    fields,
    '})',
    `export type ${typeName} = RowOfSchema<typeof ${name}>`,
    '',
  ].join('\n')
}
