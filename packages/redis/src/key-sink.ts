/**
 * The `redis` sink in modes `hash` and `key-value`, for serving the latest value of each
 * key (e.g. an aggregate in update mode): one key per row, `<keyPrefix><key columns joined
 * by ':'>`. `hash` writes the other columns as hash fields (HSET; a null value removes its
 * field, so an old value does not linger); `key-value` writes one value (SET), from
 * `valueColumn` or the other columns as JSON. A batch goes in one MULTI/EXEC.
 *
 * Writing a key sets it to the row's values, so writing a batch again (a replay after a
 * restart) leaves the same state: idempotent, hence exactly once for the stored state.
 */
import {
  AnalysisError,
  type ColumnarBatch,
  type Schema,
  type Sink,
  showOnly,
  TributaryError,
  typeToString,
} from '@tributary/core'
import { type Connection, closeConnection, commandError } from './client.js'
import type { SinkOptions } from './options.js'
import { rowJson, toRedis, valueAt } from './sink-values.js'

interface Layout {
  readonly keyIndexes: readonly number[]
  /** hash: the columns written as fields; key-value: unused. */
  readonly fieldIndexes: readonly number[]
  /** key-value: the value column, or -1 for the row as JSON. */
  readonly valueIndex: number
}

export function planKeySink(schema: Schema<unknown>, o: SinkOptions): Layout {
  const keyIndexes = o.keyColumns.map((k) => {
    schema.field(k) // the unknown-column error, with near matches
    const i = schema.indexOf(k)
    const kind = schema.fields[i].type.kind
    if (['array', 'struct', 'map', 'binary'].includes(kind)) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: key column '${k}' is ${typeToString(schema.fields[i].type)}; keys are built from strings, numbers, booleans and times. Choose other key columns.`,
        'DATATYPE_MISMATCH',
      )
    }
    return i
  })
  const rest = schema.fields.map((_, i) => i).filter((i) => !keyIndexes.includes(i))
  let valueIndex = -1
  if (o.valueColumn !== undefined) {
    schema.field(o.valueColumn)
    valueIndex = schema.indexOf(o.valueColumn)
  }
  if (rest.length === 0) {
    throw new AnalysisError(
      `REDIS_NO_FIELDS: every column is a key column (${o.keyColumns.join(', ')}), so there is no value to write. Select at least one more column.`,
      'REDIS_NO_FIELDS',
    )
  }
  return { keyIndexes, fieldIndexes: rest, valueIndex }
}

export class RedisKeySink implements Sink {
  readonly description: string
  private written = 0

  constructor(
    private readonly conn: Connection,
    private readonly o: SinkOptions,
    private readonly layout: Layout,
  ) {
    this.description = `RedisKeySink[mode=${o.mode}, key=${o.keyPrefix}{${o.keyColumns.join(':')}}${o.ttlMs ? `, ttl=${o.ttlMs} ms` : ''}, url=${conn.where}]`
  }

  private keyOf(batch: ColumnarBatch<unknown>, i: number, batchId: number): string {
    const parts: string[] = []
    for (const c of this.layout.keyIndexes) {
      const col = batch.columns[c]
      const v = toRedis(col.type, valueAt(col, i))
      if (v === null) {
        throw new TributaryError(
          `REDIS_NULL_KEY: row ${i} of batch ${batchId} has null in key column '${batch.schema.fields[c].name}'. Filter such rows out, or fill a default (coalesce).`,
          'REDIS_NULL_KEY',
        )
      }
      parts.push(String(v))
    }
    return this.o.keyPrefix + parts.join(':')
  }

  async addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    if (data.numRows === 0) return
    const multi = this.conn.client.multi()
    const names = data.schema.names
    const keyColumns = new Set(this.layout.keyIndexes)
    const ttl = this.o.ttlMs
    for (let i = 0; i < data.numRows; i++) {
      const key = this.keyOf(data, i, batchId)
      if (this.o.mode === 'hash') {
        const set: (string | Buffer)[] = ['HSET', key]
        const unset: string[] = ['HDEL', key]
        for (const c of this.layout.fieldIndexes) {
          const col = data.columns[c]
          const v = toRedis(col.type, valueAt(col, i))
          if (v === null) unset.push(names[c])
          else set.push(names[c], v)
        }
        if (set.length > 2) multi.addCommand(set)
        if (unset.length > 2) multi.addCommand(unset)
        if (ttl !== undefined) multi.addCommand(['PEXPIRE', key, String(ttl)])
      } else {
        const value =
          this.layout.valueIndex >= 0
            ? toRedis(
                data.columns[this.layout.valueIndex].type,
                valueAt(data.columns[this.layout.valueIndex], i),
              )
            : rowJson(data.columns, names, keyColumns, i)
        // A null value means no value: the key goes, rather than holding a stale one.
        if (value === null) multi.addCommand(['DEL', key])
        else
          multi.addCommand(ttl !== undefined ? ['SET', key, value, 'PX', String(ttl)] : ['SET', key, value])
      }
    }
    try {
      await multi.exec()
    } catch (e) {
      throw commandError(e, `MULTI/EXEC writing ${data.numRows} keys for batch ${batchId}`, this.conn.where)
    }
    this.written += data.numRows
  }

  async stop(): Promise<void> {
    await closeConnection(this.conn)
  }

  metrics(): Record<string, number> {
    return { keysWritten: this.written }
  }
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(RedisKeySink, (x) => ({ description: x.description }))
