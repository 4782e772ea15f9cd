/**
 * The Arrow boundary: batches leave the engine as Arrow tables (toArrow, sinks) and
 * arrive from Arrow (sources that produce it). Numeric columns without nulls move as typed
 * arrays; other columns go through Arrow's builders once per batch.
 */
import type * as ArrowModule from 'apache-arrow'
import type {
  DataType as ArrowType,
  Vector as ArrowVector,
  Float32,
  List,
  Map_,
  Struct,
  Table,
} from 'apache-arrow'
// The enum module alone: plain constants, no module code with side effects.
import { Type } from 'apache-arrow/enum'
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
  NullType,
  StringType,
  structOf,
  TimestampType,
  typeToString,
} from '../types/data-types.js'
import { Schema } from '../types/schema.js'
import { TributaryError } from '../util/errors.js'
import { ColumnarBatch } from './columnar-batch.js'
import { externalAt, numberVector, objectVector, type Vector, VectorBuilder } from './vector.js'

let arrowModule: typeof ArrowModule | null = null

/**
 * Loads apache-arrow, which writing Arrow tables needs. Not at start-up: apache-arrow's
 * module code sets `constructor` on objects that inherit from typed-array prototypes and
 * `Symbol.isConcatSpreadable` on its prototypes, which turns V8's fast paths for
 * Array.prototype.slice, concat, map and filter off in the whole process (a slice of a
 * 920 000-element array measured 9× slower per element after the import). Reading Arrow
 * tables needs only its type enum. `DataFrame.toArrow()` loads it by itself; call this once
 * before the synchronous `ColumnarBatch.toArrow()`.
 */
export async function loadArrow(): Promise<void> {
  arrowModule ??= await import('apache-arrow')
}

function arrow(): typeof ArrowModule {
  if (arrowModule === null) {
    throw new TributaryError(
      'ARROW_NOT_LOADED: apache-arrow is loaded on first use, and ColumnarBatch.toArrow() is synchronous. Call `await loadArrow()` (from @tributary/core) once before it, or use `await df.toArrow()`, which loads it.',
      'ARROW_NOT_LOADED',
    )
  }
  return arrowModule
}

export function toArrowType(t: DataType): ArrowType {
  const {
    Binary,
    Bool,
    DateDay,
    Field: ArrowField,
    Float32,
    Float64,
    Int32,
    Int64,
    List,
    Map_,
    Null,
    Struct,
    TimestampMillisecond,
    Utf8,
  } = arrow()
  switch (t.kind) {
    case 'string':
      return new Utf8()
    case 'boolean':
      return new Bool()
    case 'int':
      return new Int32()
    case 'long':
      return new Int64()
    case 'float':
      return new Float32()
    case 'double':
      return new Float64()
    case 'timestamp':
      return new TimestampMillisecond()
    case 'date':
      return new DateDay()
    case 'binary':
      return new Binary()
    case 'null':
      return new Null()
    case 'array':
      return new List(new ArrowField('element', toArrowType(t.element), true))
    case 'struct':
      return new Struct(t.fields.map((f) => new ArrowField(f.name, toArrowType(f.type), f.nullable)))
    case 'map':
      return new Map_(
        new ArrowField(
          'entries',
          new Struct([
            new ArrowField('key', toArrowType(t.key), false) as never,
            new ArrowField('value', toArrowType(t.value), true) as never,
          ]),
        ),
      )
  }
}

export function fromArrowType(t: ArrowType, where: string): DataType {
  switch (t.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
      return StringType
    case Type.Bool:
      return BooleanType
    case Type.Int:
      return (t as unknown as { bitWidth: number }).bitWidth === 64 ? LongType : IntType
    case Type.Float:
      return (t as Float32).precision === 0 || (t as Float32).precision === 1 ? FloatType : DoubleType
    case Type.Decimal:
      return DoubleType
    case Type.Timestamp:
      return TimestampType
    case Type.Date:
      return DateType
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return BinaryType
    case Type.Null:
      return NullType
    case Type.List:
    case Type.FixedSizeList:
      return arrayOf(fromArrowType((t as List).children[0].type, `${where}[]`))
    case Type.Struct:
      return structOf(
        (t as Struct).children.map((f) => ({
          name: f.name,
          type: fromArrowType(f.type, `${where}.${f.name}`),
          nullable: f.nullable,
        })),
      )
    case Type.Map: {
      const entries = (t as Map_).children[0].type as Struct
      return mapOf(
        fromArrowType(entries.children[0].type, where),
        fromArrowType(entries.children[1].type, where),
      )
    }
    case Type.Dictionary:
      return fromArrowType((t as unknown as { valueType: ArrowType }).valueType, where)
    default:
      throw new TributaryError(
        `Arrow type ${String(t)} of column '${where}' is not supported. Cast it to a string, number, timestamp, list or struct before handing it to Tributary.`,
        'UNSUPPORTED_ARROW_TYPE',
      )
  }
}

function packValidity(validity: Uint8Array): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((validity.length + 7) >> 3)
  let nullCount = 0
  for (let i = 0; i < validity.length; i++) {
    if (validity[i]) bitmap[i >> 3] |= 1 << (i & 7)
    else nullCount++
  }
  return { bitmap, nullCount }
}

function vectorToArrow(v: Vector): ArrowVector {
  const { makeData, makeVector, vectorFromArray } = arrow()
  const type = toArrowType(v.type)
  if (v.kind === 'number') {
    const n = v.length
    const { bitmap, nullCount } = v.validity ? packValidity(v.validity) : { bitmap: undefined, nullCount: 0 }
    let data: Float64Array | Float32Array | Int32Array | BigInt64Array
    switch (v.type.kind) {
      case 'double':
        data = v.values
        break
      case 'float':
        data = Float32Array.from(v.values)
        break
      case 'int':
        data = Int32Array.from(v.values)
        break
      case 'date': {
        const days = new Int32Array(n)
        for (let i = 0; i < n; i++) days[i] = Math.floor(v.values[i] / 86_400_000)
        data = days
        break
      }
      default: {
        const big = new BigInt64Array(n)
        for (let i = 0; i < n; i++) {
          const x = v.values[i]
          big[i] = Number.isFinite(x) ? BigInt(Math.trunc(x)) : 0n
        }
        data = big
      }
    }
    return makeVector(makeData({ type, length: n, nullCount, nullBitmap: bitmap, data } as never))
  }
  const values = new Array<unknown>(v.length)
  for (let i = 0; i < v.length; i++) {
    const x = externalAt(v, i)
    values[i] = v.type.kind === 'long' && typeof x === 'number' ? BigInt(x) : x
  }
  return vectorFromArray(values as never[], type as never) as ArrowVector
}

export function batchToArrow(batch: ColumnarBatch<unknown>): Table {
  const { Field: ArrowField, Schema: ArrowSchema, Table } = arrow()
  const fields = batch.schema.fields.map((f) => new ArrowField(f.name, toArrowType(f.type), f.nullable))
  const columns: Record<string, ArrowVector> = {}
  batch.schema.fields.forEach((f, i) => {
    columns[f.name] = vectorToArrow(batch.columns[i])
  })
  if (fields.length === 0) return new Table(new ArrowSchema([]))
  const table = new Table(columns)
  return new Table(new ArrowSchema(fields), table.batches)
}

/** Converts one Arrow value of a nested column to the user's JS form. */
function fromArrowNested(type: DataType, value: unknown): unknown {
  if (value == null) return null
  switch (type.kind) {
    case 'long':
    case 'int':
    case 'double':
    case 'float':
      return typeof value === 'bigint' ? Number(value) : value
    case 'timestamp':
    case 'date':
      return new Date(typeof value === 'bigint' ? Number(value) : (value as number | Date).valueOf())
    case 'array': {
      const arr = value as Iterable<unknown>
      return Array.from(arr, (x) => fromArrowNested(type.element, x))
    }
    case 'struct': {
      const row = value as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const f of type.fields) out[f.name] = fromArrowNested(f.type, row[f.name])
      return out
    }
    case 'map': {
      const out: Record<string, unknown> = {}
      for (const [k, v] of value as Iterable<[string, unknown]>) out[k] = fromArrowNested(type.value, v)
      return out
    }
    default:
      return value
  }
}

function arrowColumnToVector(col: ArrowVector, type: DataType): Vector {
  const n = col.length
  if (type.kind === 'double' && col.nullCount === 0 && col.type.typeId === Type.Float) {
    const arr = col.toArray() as Float64Array | Float32Array
    return numberVector(type, arr instanceof Float64Array ? arr : Float64Array.from(arr))
  }
  if ((type.kind === 'int' || type.kind === 'float') && col.nullCount === 0) {
    return numberVector(type, Float64Array.from(col.toArray() as Int32Array))
  }
  const b = new VectorBuilder(type, n)
  for (const raw of col) {
    if (raw == null) b.append(null)
    else if (type.kind === 'timestamp' || type.kind === 'date') {
      b.append(typeof raw === 'bigint' ? Number(raw) : raw instanceof Date ? raw.getTime() : Number(raw))
    } else if (
      type.kind === 'long' ||
      type.kind === 'int' ||
      type.kind === 'float' ||
      type.kind === 'double'
    ) {
      b.append(Number(raw))
    } else if (type.kind === 'boolean') b.append(Boolean(raw))
    else if (type.kind === 'string' || type.kind === 'binary') b.append(raw)
    else b.append(fromArrowNested(type, raw))
  }
  return b.finish()
}

export function arrowToBatch(table: Table, schema?: Schema<unknown>): ColumnarBatch<unknown> {
  const target =
    schema ??
    new Schema(
      table.schema.fields.map((f) => ({
        name: f.name,
        type: fromArrowType(f.type, f.name),
        nullable: f.nullable,
      })),
    )
  const columns = target.fields.map((f) => {
    const col = table.getChild(f.name)
    if (!col) {
      throw new TributaryError(
        `The Arrow table has no column '${f.name}' (it has ${table.schema.fields.map((x) => `'${x.name}'`).join(', ')}). Give a schema that matches the table.`,
        'ARROW_SCHEMA_MISMATCH',
      )
    }
    const declared = fromArrowType(col.type, f.name)
    if (typeToString(declared) === 'null') return objectVector(f.type, new Array(col.length).fill(null))
    return arrowColumnToVector(col, f.type)
  })
  return new ColumnarBatch(target, columns, table.numRows)
}
