/**
 * SQL type names (`STRING`, `BIGINT`, `DECIMAL(10, 2)`, `ARRAY<INT>`, `STRUCT<a: INT>`,
 * `MAP<STRING, INT>`) as the engine's DataTypes, for CAST, `::` and from_json's DDL schema.
 */
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
} from '../types/data-types.js'
import { TokenStream } from './token-stream.js'

const simple: Record<string, DataType> = {
  STRING: StringType,
  VARCHAR: StringType,
  CHAR: StringType,
  TEXT: StringType,
  BOOLEAN: BooleanType,
  BOOL: BooleanType,
  TINYINT: IntType,
  BYTE: IntType,
  SMALLINT: IntType,
  SHORT: IntType,
  INT: IntType,
  INTEGER: IntType,
  BIGINT: LongType,
  LONG: LongType,
  FLOAT: FloatType,
  REAL: FloatType,
  DOUBLE: DoubleType,
  // No decimal type in the engine: decimals are doubles (docs/sql.md, differences from Spark).
  DECIMAL: DoubleType,
  DEC: DoubleType,
  NUMERIC: DoubleType,
  TIMESTAMP: TimestampType,
  TIMESTAMP_LTZ: TimestampType,
  TIMESTAMP_NTZ: TimestampType,
  DATE: DateType,
  BINARY: BinaryType,
}

const typeNames = [...Object.keys(simple), 'ARRAY<T>', 'MAP<K, V>', 'STRUCT<name: T, ...>']

export function parseType(ts: TokenStream): DataType {
  const t = ts.peek()
  if (t.kind !== 'word') throw ts.unexpected(`a type (${typeNames.join(', ')})`)
  const name = t.text.toUpperCase()
  if (name === 'ARRAY') {
    ts.next()
    ts.expectOp('<')
    const element = parseType(ts)
    ts.expectOp('>')
    return arrayOf(element)
  }
  if (name === 'MAP') {
    ts.next()
    ts.expectOp('<')
    const key = parseType(ts)
    ts.expectOp(',')
    const value = parseType(ts)
    ts.expectOp('>')
    return mapOf(key, value)
  }
  if (name === 'STRUCT') {
    ts.next()
    ts.expectOp('<')
    const fields: StructField[] = []
    if (!ts.isOp('>')) {
      do fields.push(parseField(ts, true))
      while (ts.acceptOp(','))
    }
    ts.expectOp('>')
    return structOf(fields)
  }
  const type = Object.hasOwn(simple, name) ? simple[name] : undefined
  if (!type) throw ts.unexpected(`a type (${typeNames.join(', ')})`)
  ts.next()
  // VARCHAR(10), DECIMAL(10, 2): the sizes do not change the engine's type.
  if (ts.acceptOp('(')) {
    do {
      if (ts.peek().kind !== 'number') throw ts.unexpected('a size')
      ts.next()
    } while (ts.acceptOp(','))
    ts.expectOp(')')
  }
  return type
}

function parseField(ts: TokenStream, colonAllowed: boolean): StructField {
  const name = ts.peek().kind === 'word' || ts.peek().kind === 'quotedName' ? ts.next().text : ''
  if (name === '') throw ts.unexpected('a field name')
  if (colonAllowed) ts.acceptOp(':')
  const type = parseType(ts)
  ts.acceptWord('NOT', 'NULL')
  return { name, type, nullable: true }
}

/** A whole text as one type: `CAST(x AS ...)` pieces, or from_json's `'a INT, b STRING'` / `'struct<...>'`. */
export function parseTypeText(text: string): DataType {
  const ts = new TokenStream(text)
  let type: DataType
  if (ts.isWord('STRUCT') || ts.isWord('ARRAY') || ts.isWord('MAP')) type = parseType(ts)
  else {
    const fields: StructField[] = []
    do fields.push(parseField(ts, true))
    while (ts.acceptOp(','))
    type = structOf(fields)
  }
  if (!ts.atEnd) throw ts.unexpected('the end of the schema')
  return type
}
