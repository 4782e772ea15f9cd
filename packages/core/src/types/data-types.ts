/**
 * Runtime data types. Every column of a schema has one. Numbers of every width travel as
 * float64 inside the engine (exact to 2^53); the declared type decides the Arrow type at the
 * boundary and the checks of the analyzer.
 */
export type PrimitiveTypeName =
  | 'string'
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'timestamp'
  | 'date'
  | 'binary'
  | 'null'

export type DataType =
  | { readonly kind: PrimitiveTypeName }
  | { readonly kind: 'array'; readonly element: DataType }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] }
  | { readonly kind: 'map'; readonly key: DataType; readonly value: DataType }

export interface StructField {
  readonly name: string
  readonly type: DataType
  readonly nullable: boolean
}

const primitives = new Map<PrimitiveTypeName, DataType>()
/** The shared instance of a primitive type. */
export function primitive(kind: PrimitiveTypeName): DataType {
  let t = primitives.get(kind)
  if (!t) {
    t = Object.freeze({ kind })
    primitives.set(kind, t)
  }
  return t
}

export const StringType = primitive('string')
export const BooleanType = primitive('boolean')
export const IntType = primitive('int')
export const LongType = primitive('long')
export const FloatType = primitive('float')
export const DoubleType = primitive('double')
export const TimestampType = primitive('timestamp')
export const DateType = primitive('date')
export const BinaryType = primitive('binary')
export const NullType = primitive('null')

export const arrayOf = (element: DataType): DataType => ({ kind: 'array', element })
export const structOf = (fields: readonly StructField[]): DataType => ({ kind: 'struct', fields })
export const mapOf = (key: DataType, value: DataType): DataType => ({ kind: 'map', key, value })

const numericKinds = new Set(['int', 'long', 'float', 'double'])
export const isNumeric = (t: DataType): boolean => numericKinds.has(t.kind)
export const isIntegral = (t: DataType): boolean => t.kind === 'int' || t.kind === 'long'
export const isTemporal = (t: DataType): boolean => t.kind === 'timestamp' || t.kind === 'date'

/**
 * Types whose values live in a Float64Array inside the engine: numbers, timestamps
 * (epoch milliseconds) and dates (epoch milliseconds at UTC midnight).
 */
export const isFloat64Backed = (t: DataType): boolean => isNumeric(t) || isTemporal(t)

/** Spark's simpleString: `int`, `array<string>`, `struct<a:int,b:string>`. */
export function typeToString(t: DataType): string {
  switch (t.kind) {
    case 'array':
      return `array<${typeToString(t.element)}>`
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${typeToString(f.type)}`).join(',')}>`
    case 'map':
      return `map<${typeToString(t.key)},${typeToString(t.value)}>`
    default:
      return t.kind
  }
}

export function typesEqual(a: DataType, b: DataType): boolean {
  return typeToString(a) === typeToString(b)
}

/** The wider of two numeric types, for arithmetic and union (Spark's numeric precedence). */
export function widerNumeric(a: DataType, b: DataType): DataType {
  const order = ['int', 'long', 'float', 'double']
  return order.indexOf(a.kind) >= order.indexOf(b.kind) ? a : b
}

/** The type both sides can be compared or unioned as, or undefined when there is none. */
export function commonType(a: DataType, b: DataType): DataType | undefined {
  if (typesEqual(a, b)) return a
  if (a.kind === 'null') return b
  if (b.kind === 'null') return a
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b)
  if (isTemporal(a) && isTemporal(b)) return TimestampType
  return undefined
}
