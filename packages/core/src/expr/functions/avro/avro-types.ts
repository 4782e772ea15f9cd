/**
 * Avro schemas as avsc Types, and the Tributary type each one reads as (spark-avro's
 * mapping): record → struct, enum → string, array → array, map → map<string, V>,
 * bytes/fixed → binary, int/long/float/double/boolean/string as such, a union of null and
 * one type → that type, nullable; logical types timestamp-millis/-micros → timestamp and
 * date → date. Other unions have no column type here and are refused at analysis.
 */
import avro from 'avsc'
import {
  arrayOf,
  BinaryType,
  BooleanType,
  type DataType,
  DateType,
  DoubleType,
  FloatType,
  IntType,
  LongType,
  mapOf,
  StringType,
  type StructField,
  structOf,
  TimestampType,
  typeToString,
} from '../../../types/data-types.js'
import { AnalysisError } from '../../../util/errors.js'

const MS_PER_DAY = 86_400_000

/** Avro's time logical types as JavaScript Dates, so that nested values are what Tributary keeps. */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(v: number): Date {
    return new Date(v)
  }
  override _toValue(v: unknown): unknown {
    return v instanceof Date ? v.getTime() : v
  }
  override _resolve(t: avro.Type): unknown {
    if (avro.Type.isType(t, 'long', 'int', 'logical:timestamp-millis')) return this._fromValue
  }
}
class TimestampMicros extends avro.types.LogicalType {
  override _fromValue(v: number): Date {
    return new Date(Math.floor(v / 1000))
  }
  override _toValue(v: unknown): unknown {
    return v instanceof Date ? v.getTime() * 1000 : v
  }
  override _resolve(t: avro.Type): unknown {
    if (avro.Type.isType(t, 'long', 'logical:timestamp-micros')) return this._fromValue
  }
}
class DateDays extends avro.types.LogicalType {
  override _fromValue(v: number): Date {
    return new Date(v * MS_PER_DAY)
  }
  override _toValue(v: unknown): unknown {
    return v instanceof Date ? Math.floor(v.getTime() / MS_PER_DAY) : v
  }
  override _resolve(t: avro.Type): unknown {
    if (avro.Type.isType(t, 'int', 'logical:date')) return this._fromValue
  }
}

const LOGICAL_TYPES = {
  'timestamp-millis': TimestampMillis,
  'timestamp-micros': TimestampMicros,
  date: DateDays,
}

/** Parses an Avro schema (JSON text or object) into an avsc Type, or says what is wrong with it. */
export function parseAvroSchema(schema: unknown, fn: string): avro.Type {
  let json = schema
  if (typeof schema === 'string') {
    try {
      json = JSON.parse(schema)
    } catch {
      // A bare primitive name ("string") is a schema too.
      json = schema
    }
  }
  try {
    return avro.Type.forSchema(json as avro.Schema, { logicalTypes: LOGICAL_TYPES, wrapUnions: 'auto' })
  } catch (e) {
    throw new AnalysisError(
      `AVRO_INVALID_SCHEMA: ${fn} got a schema avsc cannot read: ${(e as Error).message}. Pass the Avro schema as JSON text or an object, e.g. '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}'.`,
      'AVRO_INVALID_SCHEMA',
    )
  }
}

/** The Tributary type an Avro type reads as, and whether it can be null. */
export function avroToDataType(t: avro.Type, where = 'value'): { type: DataType; nullable: boolean } {
  const name = t.typeName
  switch (name) {
    case 'boolean':
      return { type: BooleanType, nullable: false }
    case 'int':
      return { type: IntType, nullable: false }
    case 'long':
      return { type: LongType, nullable: false }
    case 'float':
      return { type: FloatType, nullable: false }
    case 'double':
      return { type: DoubleType, nullable: false }
    case 'string':
    case 'enum':
      return { type: StringType, nullable: false }
    case 'bytes':
    case 'fixed':
      return { type: BinaryType, nullable: false }
    case 'logical:timestamp-millis':
    case 'logical:timestamp-micros':
      return { type: TimestampType, nullable: false }
    case 'logical:date':
      return { type: DateType, nullable: false }
    case 'array':
      return {
        type: arrayOf(avroToDataType((t as avro.types.ArrayType).itemsType, `${where}[]`).type),
        nullable: false,
      }
    case 'map':
      return {
        type: mapOf(StringType, avroToDataType((t as avro.types.MapType).valuesType, `${where}{}`).type),
        nullable: false,
      }
    case 'record':
    case 'error': {
      const fields: StructField[] = (t as avro.types.RecordType).fields.map((f) => {
        const r = avroToDataType(f.type, `${where}.${f.name}`)
        return { name: f.name, type: r.type, nullable: r.nullable }
      })
      return { type: structOf(fields), nullable: false }
    }
    case 'union:unwrapped': {
      const members = (t as avro.types.UnwrappedUnionType).types
      const others = members.filter((m) => m.typeName !== 'null')
      if (others.length === 1 && members.length === 2)
        return { type: avroToDataType(others[0], where).type, nullable: true }
      break
    }
  }
  if (name.startsWith('logical:')) {
    // An unknown logical type reads as its underlying type, as Avro's spec says.
    return avroToDataType((t as avro.types.LogicalType).underlyingType, where)
  }
  throw new AnalysisError(
    `AVRO_UNSUPPORTED_TYPE: '${where}' has Avro type ${name.replace('union:wrapped', 'union').replace('union:unwrapped', 'union')}, which has no column type here: only unions of null and one type are supported. Split the union into one nullable field per branch in the writer's schema, or give a reader schema that keeps one branch.`,
    'AVRO_UNSUPPORTED_TYPE',
  )
}

/** An Avro schema for a Tributary type, for to_avro without a schema (spark-avro's names: topLevelRecord). */
export function dataTypeToAvro(
  type: DataType,
  nullable: boolean,
  name = 'topLevelRecord',
  namespace = '',
): unknown {
  const inner = ((): unknown => {
    switch (type.kind) {
      case 'boolean':
      case 'int':
      case 'long':
      case 'float':
      case 'double':
      case 'string':
        return type.kind
      case 'binary':
        return 'bytes'
      case 'timestamp':
        return { type: 'long', logicalType: 'timestamp-millis' }
      case 'date':
        return { type: 'int', logicalType: 'date' }
      case 'array':
        return { type: 'array', items: dataTypeToAvro(type.element, true, `${name}_item`, namespace) }
      case 'map':
        if (type.key.kind !== 'string') break
        return { type: 'map', values: dataTypeToAvro(type.value, true, `${name}_value`, namespace) }
      case 'struct':
        return {
          type: 'record',
          name,
          ...(namespace ? { namespace } : {}),
          fields: type.fields.map((f) => ({
            name: f.name,
            type: dataTypeToAvro(f.type, f.nullable, f.name, namespace ? `${namespace}.${name}` : name),
          })),
        }
    }
    throw new AnalysisError(
      `AVRO_UNSUPPORTED_TYPE: to_avro cannot write ${typeToString(type)} without a schema. Pass the Avro schema as the second argument.`,
      'AVRO_UNSUPPORTED_TYPE',
    )
  })()
  return nullable ? ['null', inner] : inner
}
