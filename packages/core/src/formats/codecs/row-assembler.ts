/**
 * Building a file's columns one record at a time. A record's values wait in a reused
 * scratch array until the record is known to be good (or kept anyway under PERMISSIVE),
 * so a dropped record never reaches the column builders.
 */
import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { constantVector, VectorBuilder } from '../../batch/vector.js'
import type { DeadLetter } from '../../sources/source.js'
import type { Schema } from '../../types/schema.js'
import type { FileReadResult } from '../file-format.js'
import { type MalformedPolicy, malformedRecordError, type RecordLocation } from './parse-mode.js'

/**
 * Thrown by value converters when a value does not fit its column's type; the reader turns
 * it into a malformed record. It never leaves the codecs.
 */
export class BadValue extends Error {}

/**
 * Longs travel as doubles inside the engine (epoch ms and ids stay exact to 2^53), so a
 * long beyond ±(2^53 − 1) cannot be kept exactly: it is malformed (a dead letter, or the
 * query stops under FAILFAST), never rounded in silence. docs/sources-and-sinks.md says so.
 */
export const MAX_EXACT_LONG = Number.MAX_SAFE_INTEGER

export function inexactLong(shown: string): BadValue {
  return new BadValue(
    `expected long but found ${shown}, outside ±${MAX_EXACT_LONG} (2^53 − 1), the range Tributary keeps exactly; read the column as string or double to keep such values`,
  )
}

export class RowAssembler {
  /** The current record's engine values by schema column; null where absent. */
  readonly values: unknown[]
  /**
   * Numbers of the current record kept unboxed by the schema-directed scanners; a column
   * whose `numberSet` is 1 takes its value from here instead of `values`.
   */
  readonly numbers: Float64Array
  readonly numberSet: Uint8Array
  /** null for a column the query does not read (column pruning): it ends as nulls. */
  private readonly builders: (VectorBuilder | null)[]
  private rows = 0
  private dropped = 0
  /** Malformed records met, for a dead-letter sink; only malformed ones, so this stays small for good data. */
  private readonly deadLetters: DeadLetter[] = []

  constructor(
    private readonly schema: Schema<unknown>,
    private readonly policy: MalformedPolicy,
    private readonly file: string,
    expectedRows = 1024,
    /** Per schema column, whether to build it; absent: all. */
    built?: readonly boolean[],
  ) {
    this.values = new Array<unknown>(schema.length).fill(null)
    this.numbers = new Float64Array(schema.length)
    this.numberSet = new Uint8Array(schema.length)
    this.builders = schema.fields.map((f, i) =>
      built === undefined || built[i] ? new VectorBuilder(f.type, expectedRows) : null,
    )
  }

  /** Appends the current record and clears the scratch values. */
  commit(): void {
    const values = this.values
    const set = this.numberSet
    const builders = this.builders
    for (let c = 0; c < values.length; c++) {
      const b = builders[c]
      if (b === null) {
        // A pruned column: the scanners write nothing there, the corrupt-record text may be.
        set[c] = 0
      } else if (set[c] === 1) {
        b.appendNumber(this.numbers[c])
        set[c] = 0
      } else b.append(values[c])
      values[c] = null
    }
    this.rows++
  }

  /** Forgets the current record's values (a scanner giving a line up to the general path). */
  clear(): void {
    this.values.fill(null)
    this.numberSet.fill(0)
  }

  /**
   * A record that could not be read fully: FAILFAST throws, DROPMALFORMED counts it,
   * PERMISSIVE keeps the values read so far with the raw text in the corrupt-record column.
   */
  malformed(at: RecordLocation, cause: string, raw: string): void {
    const { mode, corruptIndex } = this.policy
    if (mode === 'FAILFAST') throw malformedRecordError(this.file, at, cause, raw, this.policy)
    this.deadLetters.push({
      position: at.detail
        ? { file: this.file, line: at.line, detail: at.detail }
        : { file: this.file, line: at.line },
      raw,
      error: cause,
    })
    if (mode === 'DROPMALFORMED') {
      this.clear()
      this.dropped++
      return
    }
    if (corruptIndex >= 0) this.values[corruptIndex] = raw
    this.commit()
  }

  get rowCount(): number {
    return this.rows
  }

  finish(): FileReadResult {
    const batch = new ColumnarBatch(
      this.schema,
      this.builders.map((b, i) => b?.finish() ?? constantVector(this.schema.fields[i].type, null, this.rows)),
      this.rows,
    )
    return this.deadLetters.length > 0
      ? { batch, droppedMalformed: this.dropped, deadLetters: this.deadLetters }
      : { batch, droppedMalformed: this.dropped }
  }
}
