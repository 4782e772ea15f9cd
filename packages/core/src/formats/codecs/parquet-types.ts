/**
 * Parquet's types as Tributary's, both ways. Reading follows Spark's mapping (INT64
 * timestamps of any unit and INT96 as timestamp, DECIMAL as double since Tributary has no
 * decimal, plain BYTE_ARRAY as binary); writing follows what Spark writes, except that
 * timestamps are TIMESTAMP(MILLIS), the engine's resolution.
 */
import type { SchemaElement, SchemaTree } from 'hyparquet'
import {
  arrayOf,
  BinaryType,
  BooleanType,
  type DataType,
  DateType,
  DoubleType,
  FloatType,
  IntType,
  isNumeric,
  LongType,
  mapOf,
  StringType,
  type StructField,
  structOf,
  TimestampType,
  typeToString,
  widerNumeric,
} from '../../types/data-types.js'
import { AnalysisError, TributaryError } from '../../util/errors.js'

function unsupported(element: SchemaElement, where: string, file: string): TributaryError {
  const kind = element.logical_type?.type ?? element.converted_type ?? element.type ?? 'group'
  return new TributaryError(
    `PARQUET_UNSUPPORTED_TYPE: column '${where}' of ${file} has parquet type ${element.type ?? 'group'} (${kind}), which Tributary cannot read. Give a schema with .schema(...) that leaves this column out.`,
    'PARQUET_UNSUPPORTED_TYPE',
  )
}

/** Same test as hyparquet's assembly, so the type says what the values will look like. */
function isList(node: SchemaTree): boolean {
  return (
    node.element.converted_type === 'LIST' &&
    node.children.length === 1 &&
    node.children[0].children.length <= 1 &&
    node.children[0].element.repetition_type === 'REPEATED'
  )
}

function isMap(node: SchemaTree): boolean {
  const kv = node.children[0]
  return (
    node.element.converted_type === 'MAP' &&
    node.children.length === 1 &&
    kv.children.length === 2 &&
    kv.element.repetition_type === 'REPEATED'
  )
}

function primitiveType(e: SchemaElement, where: string, file: string): DataType {
  const converted = e.converted_type
  const logical = e.logical_type
  if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return DoubleType
  switch (e.type) {
    case 'BOOLEAN':
      return BooleanType
    case 'INT32':
      if (converted === 'DATE' || logical?.type === 'DATE') return DateType
      if (converted === 'TIME_MILLIS' || logical?.type === 'TIME') throw unsupported(e, where, file)
      if (
        converted === 'UINT_32' ||
        (logical?.type === 'INTEGER' && !logical.isSigned && logical.bitWidth === 32)
      ) {
        return LongType
      }
      return IntType
    case 'INT64':
      if (
        converted === 'TIMESTAMP_MILLIS' ||
        converted === 'TIMESTAMP_MICROS' ||
        logical?.type === 'TIMESTAMP'
      ) {
        return TimestampType
      }
      if (converted === 'TIME_MICROS' || logical?.type === 'TIME') throw unsupported(e, where, file)
      return LongType
    case 'INT96':
      return TimestampType
    case 'FLOAT':
      return FloatType
    case 'DOUBLE':
      return DoubleType
    case 'BYTE_ARRAY':
      if (converted === 'UTF8' || converted === 'ENUM' || converted === 'JSON') return StringType
      if (logical?.type === 'STRING' || logical?.type === 'ENUM' || logical?.type === 'JSON')
        return StringType
      if (converted === 'BSON' || logical?.type === 'BSON' || converted === 'INTERVAL')
        throw unsupported(e, where, file)
      return BinaryType
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical?.type === 'UUID') return StringType
      if (logical?.type === 'FLOAT16') return FloatType
      if (converted === 'INTERVAL') throw unsupported(e, where, file)
      return BinaryType
    default:
      throw unsupported(e, where, file)
  }
}

/** The node's type, leaving aside that it may itself be repeated. */
function nodeType(node: SchemaTree, where: string, file: string): DataType {
  const e = node.element
  if (e.logical_type?.type === 'VARIANT') throw unsupported(e, where, file)
  if (node.children.length === 0) return primitiveType(e, where, file)
  if (isList(node)) {
    const repeated = node.children[0]
    // Three levels (list / element), or the legacy two where the repeated node is the element.
    const element = repeated.children.length === 1 ? repeated.children[0] : repeated
    return arrayOf(nodeType(element, `${where}[]`, file))
  }
  if (isMap(node)) {
    const kv = node.children[0]
    const key = kv.children.find((c) => c.element.name === 'key') ?? kv.children[0]
    const value = kv.children.find((c) => c.element.name === 'value') ?? kv.children[1]
    return mapOf(fieldType(key, `${where}.key`, file), fieldType(value, `${where}.value`, file))
  }
  return structOf(
    node.children.map((c) => ({
      name: c.element.name,
      type: fieldType(c, `${where}.${c.element.name}`, file),
      nullable: true,
    })),
  )
}

/** A repeated field outside a LIST annotation is an array too. */
export function fieldType(node: SchemaTree, where: string, file: string): DataType {
  const t = nodeType(node, where, file)
  return node.element.repetition_type === 'REPEATED' ? arrayOf(t) : t
}

export function fieldsOfFile(root: SchemaTree, file: string): StructField[] {
  return root.children.map((c) => ({
    name: c.element.name,
    type: fieldType(c, c.element.name, file),
    nullable: true,
  }))
}

/**
 * Whether values stored as `stored` can be read as `declared`: the same type, a wider
 * number, a date as a timestamp, or nested types whose parts fit (struct fields by name;
 * a declared field the file lacks reads as null).
 */
export function readableAs(stored: DataType, declared: DataType): boolean {
  if (typeToString(stored) === typeToString(declared)) return true
  if (isNumeric(stored) && isNumeric(declared)) return widerNumeric(stored, declared) === declared
  if (stored.kind === 'date' && declared.kind === 'timestamp') return true
  if (stored.kind === 'array' && declared.kind === 'array')
    return readableAs(stored.element, declared.element)
  if (stored.kind === 'map' && declared.kind === 'map') {
    return readableAs(stored.key, declared.key) && readableAs(stored.value, declared.value)
  }
  if (stored.kind === 'struct' && declared.kind === 'struct') {
    return declared.fields.every((d) => {
      const s = stored.fields.find((f) => f.name === d.name)
      return s === undefined || readableAs(s.type, d.type)
    })
  }
  return false
}

const OPTIONAL = 'OPTIONAL' as const

/**
 * The schema elements of one column, in the writer's preorder. Every column is OPTIONAL:
 * Spark writes all columns as nullable, for compatibility.
 */
export function elementsOf(name: string, type: DataType): SchemaElement[] {
  switch (type.kind) {
    case 'string':
      return [
        {
          name,
          type: 'BYTE_ARRAY',
          converted_type: 'UTF8',
          logical_type: { type: 'STRING' },
          repetition_type: OPTIONAL,
        },
      ]
    case 'boolean':
      return [{ name, type: 'BOOLEAN', repetition_type: OPTIONAL }]
    case 'int':
      return [{ name, type: 'INT32', repetition_type: OPTIONAL }]
    case 'long':
      return [{ name, type: 'INT64', repetition_type: OPTIONAL }]
    case 'float':
      return [{ name, type: 'FLOAT', repetition_type: OPTIONAL }]
    case 'double':
      return [{ name, type: 'DOUBLE', repetition_type: OPTIONAL }]
    case 'timestamp':
      return [
        {
          name,
          type: 'INT64',
          converted_type: 'TIMESTAMP_MILLIS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
          repetition_type: OPTIONAL,
        },
      ]
    case 'date':
      return [
        {
          name,
          type: 'INT32',
          converted_type: 'DATE',
          logical_type: { type: 'DATE' },
          repetition_type: OPTIONAL,
        },
      ]
    case 'binary':
      return [{ name, type: 'BYTE_ARRAY', repetition_type: OPTIONAL }]
    case 'array':
      return [
        {
          name,
          repetition_type: OPTIONAL,
          converted_type: 'LIST',
          logical_type: { type: 'LIST' },
          num_children: 1,
        },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...elementsOf('element', type.element),
      ]
    case 'struct':
      if (type.fields.length === 0) {
        throw new AnalysisError(
          `PARQUET_EMPTY_STRUCT: column '${name}' is a struct without fields, which parquet cannot store. Drop the column or give the struct a field.`,
          'PARQUET_EMPTY_STRUCT',
        )
      }
      return [
        { name, repetition_type: OPTIONAL, num_children: type.fields.length },
        ...type.fields.flatMap((f) => elementsOf(f.name, f.type)),
      ]
    case 'map': {
      const [key, ...keyChildren] = elementsOf('key', type.key)
      return [
        {
          name,
          repetition_type: OPTIONAL,
          converted_type: 'MAP',
          logical_type: { type: 'MAP' },
          num_children: 1,
        },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        { ...key, repetition_type: 'REQUIRED' },
        ...keyChildren,
        ...elementsOf('value', type.value),
      ]
    }
    case 'null':
      throw new AnalysisError(
        `UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE: the parquet data source does not support column '${name}' of type void (only nulls). Cast it to the type it should have, for example lit(null).cast('string').`,
        'UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE',
      )
  }
}
