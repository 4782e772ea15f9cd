import type { Table } from 'apache-arrow'
import type { DataType } from '../types/data-types.js'
import { Schema } from '../types/schema.js'
import { setField } from '../util/objects.js'
import { arrowToBatch, batchToArrow } from './arrow.js'
import { fromExternal } from './values.js'
import {
  concatVectors,
  constantVector,
  externalAt,
  sliceVector,
  take,
  type Vector,
  VectorBuilder,
} from './vector.js'

/**
 * A micro-batch's rows, stored by column. It is what sources produce, operators transform
 * and sinks receive. Columns are shared, never mutated: a projection reuses the vectors it
 * does not change.
 */
export class ColumnarBatch<R = Record<string, unknown>> {
  constructor(
    readonly schema: Schema<R>,
    readonly columns: readonly Vector[],
    readonly numRows: number,
  ) {}

  static empty<R>(schema: Schema<R>): ColumnarBatch<R> {
    return new ColumnarBatch(
      schema,
      schema.fields.map((f) => constantVector(f.type, null, 0)),
      0,
    )
  }

  /** Rows in the user's form (Date for timestamps), checked against the schema. */
  static fromRows<R>(
    schema: Schema<R>,
    rows: readonly R[] | readonly Record<string, unknown>[],
  ): ColumnarBatch<R> {
    const builder = new RowBatchBuilder(schema, rows.length)
    for (let r = 0; r < rows.length; r++) builder.append(rows[r])
    return builder.finish()
  }

  /** An Arrow table or record batch; the schema follows from Arrow's types unless given. */
  static fromArrow<R = Record<string, unknown>>(table: Table, schema?: Schema<R>): ColumnarBatch<R> {
    return arrowToBatch(table, schema) as ColumnarBatch<R>
  }

  static concat<R>(schema: Schema<R>, batches: readonly ColumnarBatch<R>[]): ColumnarBatch<R> {
    const nonEmpty = batches.filter((b) => b.numRows > 0)
    if (nonEmpty.length === 0) return ColumnarBatch.empty(schema)
    if (nonEmpty.length === 1) return new ColumnarBatch(schema, nonEmpty[0].columns, nonEmpty[0].numRows)
    const columns = schema.fields.map((f, i) =>
      concatVectors(
        f.type,
        nonEmpty.map((b) => b.columns[i]),
      ),
    )
    return new ColumnarBatch(
      schema,
      columns,
      nonEmpty.reduce((s, b) => s + b.numRows, 0),
    )
  }

  column(name: string): Vector {
    return this.columns[this.schema.indexOf(name)] ?? (this.schema.field(name) as never)
  }

  /** The batch without the named columns (names that are absent are ignored). */
  withoutColumns(names: readonly string[]): ColumnarBatch<unknown> {
    const keep = this.schema.fields.map((f, i) => [f, i] as const).filter(([f]) => !names.includes(f.name))
    if (keep.length === this.schema.fields.length) return this as ColumnarBatch<unknown>
    return new ColumnarBatch(
      new Schema(keep.map(([f]) => f)),
      keep.map(([, i]) => this.columns[i]),
      this.numRows,
    )
  }

  /** Rows at `indices`, in that order. */
  take(indices: ArrayLike<number>): ColumnarBatch<R> {
    return new ColumnarBatch(
      this.schema,
      this.columns.map((c) => take(c, indices)),
      indices.length,
    )
  }

  slice(start: number, end = this.numRows): ColumnarBatch<R> {
    const e = Math.min(end, this.numRows)
    const s = Math.min(start, e)
    return new ColumnarBatch(
      this.schema,
      this.columns.map((c) => sliceVector(c, s, e)),
      e - s,
    )
  }

  /** One row in the user's form. Builds an object: keep it off hot paths. */
  row(i: number): R {
    const out: Record<string, unknown> = {}
    const fields = this.schema.fields
    for (let c = 0; c < fields.length; c++) setField(out, fields[c].name, externalAt(this.columns[c], i))
    return out as R
  }

  toRows(): R[] {
    const rows = new Array<R>(this.numRows)
    for (let i = 0; i < this.numRows; i++) rows[i] = this.row(i)
    return rows
  }

  *[Symbol.iterator](): IterableIterator<R> {
    for (let i = 0; i < this.numRows; i++) yield this.row(i)
  }

  toArrow(): Table {
    return batchToArrow(this as ColumnarBatch<unknown>)
  }
}

/** How a column takes a user's value without fromExternal: by its JS type ('' = always through it). */
function plainKind(type: DataType): string {
  switch (type.kind) {
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 'number'
    case 'string':
      return 'string'
    case 'boolean':
      return 'boolean'
    case 'timestamp':
      return 'timestamp'
    default:
      return ''
  }
}

/**
 * Rows in the user's form appended one by one into columns, checked against the schema as
 * ColumnarBatch.fromRows does (which uses it). An operator that gets rows from a user
 * function appends them as they come, so that the row objects die young.
 */
export class RowBatchBuilder<R> {
  private readonly builders: VectorBuilder[]
  private readonly kinds: string[]
  private readonly names: string[]
  private n = 0

  constructor(
    readonly schema: Schema<R>,
    capacity = 1024,
  ) {
    this.builders = schema.fields.map((f) => new VectorBuilder(f.type, capacity))
    this.kinds = schema.fields.map((f) => plainKind(f.type))
    this.names = schema.fields.map((f) => f.name)
  }

  get numRows(): number {
    return this.n
  }

  append(row: R | Record<string, unknown>): void {
    const r = row as Record<string, unknown>
    const { builders, kinds, names } = this
    for (let c = 0; c < builders.length; c++) {
      const v = r[names[c]]
      const kind = kinds[c]
      // The values that need no conversion or check beyond their JS type go straight in;
      // the rest (and every mismatch, for its message) through fromExternal.
      if (v == null) builders[c].append(null)
      else if (kind !== '' && typeof v === kind) builders[c].append(v)
      else if (kind === 'timestamp' && v instanceof Date) builders[c].append(v.getTime())
      else if (kind === 'timestamp' && typeof v === 'number') builders[c].append(v)
      else
        builders[c].append(fromExternal(this.schema.fields[c].type, v, `row ${this.n}, column '${names[c]}'`))
    }
    this.n++
  }

  /** The batch; the builder must not be used after. */
  finish(): ColumnarBatch<R> {
    return new ColumnarBatch(
      this.schema,
      this.builders.map((b) => b.finish()),
      this.n,
    )
  }
}

export { Schema }
