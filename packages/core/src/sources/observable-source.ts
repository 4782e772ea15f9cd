/**
 * An rxjs Observable as a streaming DataFrame: `fromObservable(session, rows$, schema)`.
 * Each query start subscribes; emitted rows are checked against the schema and wait in
 * memory until a batch that read them is committed. The offset is the number of rows
 * received. When the Observable completes there is no more data, so availableNow and once
 * queries end; when it errors, or emits a row that does not fit the schema, the query
 * fails once the rows before it are processed (at once under Trigger.Once, whose single
 * batch would otherwise hide the failure).
 *
 * Not replayable, so at most once: rows received but not committed when the query stops
 * are lost. A restarted query subscribes again and numbers what it receives after the
 * checkpoint's offset: a hot Observable's rows emitted while no query ran are lost, and a
 * cold one that starts over is read again from its beginning.
 *
 * availableNow and once wait for the Observable to end; stopping the query interrupts
 * that wait (the query then ends with the rows it has).
 *
 * Bounded: at most `maxBufferedRows` rows (1 000 000 by default) and about
 * `maxBufferedBytes` (256 MiB) wait in memory. An Observable cannot be paused (rows it emits
 * must be taken or lost), so when the buffer is full the query fails with
 * SOURCE_BUFFER_FULL after processing the rows it has (`onBufferFull: 'fail'`, the default),
 * or drops new rows and counts them (`'drop'`, `rowsDroppedBufferFull` in progress). Slow the
 * producer upstream (sampleTime, bufferCount, a pull-based source) where that matters.
 */
import type { Observable, Subscription } from 'rxjs'
import { DataFrame } from '../api/dataframe.js'
import type { Session } from '../api/session.js'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { fromExternal } from '../batch/values.js'
import { VectorBuilder } from '../batch/vector.js'
import type { Schema } from '../types/schema.js'
import { AnalysisError, MalformedRecordError, TributaryError } from '../util/errors.js'
import { Options } from '../util/options.js'
import { type BufferFullPolicy, type BufferLimits, ReceiveBuffer } from './receive-buffer.js'
import type { Offset, ReadLimit, Source, SourceBatch, SourceProvider } from './source.js'

let counter = 0

/** Options of fromObservable. */
export interface ObservableSourceOptions {
  /** Shown in progress and errors; `ObservableSource[n]` by default. */
  readonly name?: string
  /** Rows buffered at most (received, not committed); 1 000 000 by default. */
  readonly maxBufferedRows?: number
  /** Bytes buffered at most, estimated from the rows' values; 256 MiB by default. */
  readonly maxBufferedBytes?: number
  /** What happens to rows emitted while the buffer is full; 'fail' by default. */
  readonly onBufferFull?: Exclude<BufferFullPolicy, 'pause'>
}

const DEFAULT_LIMITS: BufferLimits = { maxRows: 1_000_000, maxBytes: 256 * 1024 * 1024, onFull: 'fail' }

function limitsOf(options: ObservableSourceOptions): BufferLimits {
  const limits = {
    maxRows: options.maxBufferedRows ?? DEFAULT_LIMITS.maxRows,
    maxBytes: options.maxBufferedBytes ?? DEFAULT_LIMITS.maxBytes,
    onFull: options.onBufferFull ?? DEFAULT_LIMITS.onFull,
  }
  for (const key of ['maxRows', 'maxBytes'] as const) {
    if (!Number.isInteger(limits[key]) || limits[key] <= 0) {
      throw new AnalysisError(
        `INVALID_OPTION: fromObservable: ${key === 'maxRows' ? 'maxBufferedRows' : 'maxBufferedBytes'} must be a positive integer, got ${limits[key]}.`,
        'INVALID_OPTION',
      )
    }
  }
  if (limits.onFull !== 'fail' && limits.onFull !== 'drop') {
    throw new AnalysisError(
      `INVALID_OPTION: fromObservable: onBufferFull is '${String(limits.onFull)}'; an Observable cannot be paused, so use 'fail' or 'drop'.`,
      'INVALID_OPTION',
    )
  }
  return limits
}

/** About what a row costs in memory: a cheap estimate, not a measurement. */
function rowBytes(row: readonly unknown[]): number {
  let n = 32 + 8 * row.length
  for (const v of row) {
    if (typeof v === 'string') n += 2 * v.length
    else if (v !== null && typeof v === 'object') n += v instanceof Uint8Array ? v.byteLength : 64
  }
  return n
}

function preview(row: unknown): string {
  try {
    const text = JSON.stringify(row) ?? String(row)
    return text.length > 120 ? `${text.slice(0, 117)}...` : text
  } catch {
    return String(row)
  }
}

/** A row in engine form (one value per field), or the reason it does not fit the schema. */
function toEngineRow(schema: Schema<unknown>, row: unknown, where: string): unknown[] {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new Error(
      `${where}: expected an object with fields ${schema.names.join(', ')}. Map the Observable's values to such objects before fromObservable.`,
    )
  }
  const record = row as Record<string, unknown>
  return schema.fields.map((f) => {
    const v = fromExternal(f.type, record[f.name], `${where}, column '${f.name}'`)
    if (v === null && !f.nullable) {
      throw new Error(
        `${where}, column '${f.name}': the column is not nullable but the value is missing. Fill it in, or declare the column nullable.`,
      )
    }
    return v
  })
}

export class ObservableSource implements Source {
  readonly replayable = false
  private readonly buffer: ReceiveBuffer<unknown[]>
  private readonly subscription: Subscription
  private droppedRows = 0
  /** Set when the query stops: waits for more rows end at once. */
  private interrupted = false
  private completed = false
  private failure: { readonly error: unknown } | undefined
  private availableNow = false
  private wake: (() => void)[] = []

  constructor(
    readonly schema: Schema<unknown>,
    readonly description: string,
    observable: Observable<unknown>,
    private readonly limits: BufferLimits = DEFAULT_LIMITS,
  ) {
    this.buffer = new ReceiveBuffer<unknown[]>(limits)
    this.subscription = observable.subscribe({
      next: (row) => {
        if (this.failure || this.completed) return
        if (this.buffer.isFull) {
          this.bufferFull()
          return
        }
        const n = this.buffer.receivedCount + 1
        try {
          const engineRow = toEngineRow(schema, row, `row ${n} (counting from 1 since the query started)`)
          this.buffer.push(engineRow, rowBytes(engineRow))
        } catch (e) {
          this.fail(
            new MalformedRecordError(
              `MALFORMED_RECORD: ${description} emitted a row that does not fit its schema ${schema.simpleString()}: ${preview(row)}. ${(e as Error).message} The query stops at this row.`,
              'MALFORMED_RECORD',
              { cause: e },
            ),
          )
          // Undefined while subscribe() is still running; the check after it unsubscribes then.
          this.subscription?.unsubscribe()
          return
        }
        this.notify()
      },
      error: (e: unknown) => this.fail(e),
      complete: () => {
        this.completed = true
        this.notify()
      },
    })
    if (this.failure) this.subscription.unsubscribe()
  }

  private bufferFull(): void {
    if (this.limits.onFull === 'drop') {
      this.droppedRows++
      return
    }
    this.fail(
      new TributaryError(
        `SOURCE_BUFFER_FULL: ${this.description} buffered ${this.buffer.bufferedCount} rows (about ${this.buffer.bufferedBytes} bytes; limits maxBufferedRows=${this.limits.maxRows}, maxBufferedBytes=${this.limits.maxBytes}) because the query is slower than the Observable emits. The rows buffered before were processed. Make the sink faster, slow the Observable down upstream (sampleTime, bufferCount), raise the limits, or pass onBufferFull: 'drop' to drop and count rows instead.`,
        'SOURCE_BUFFER_FULL',
      ),
    )
    // Undefined while subscribe() is still running; the check after it unsubscribes then.
    this.subscription?.unsubscribe()
  }

  private fail(error: unknown): void {
    this.failure ??= { error }
    this.notify()
  }

  private notify(): void {
    const wake = this.wake
    this.wake = []
    for (const w of wake) w()
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.wake.push(resolve))
  }

  private get ended(): boolean {
    return this.completed || this.failure !== undefined
  }

  private throwFailure(): never {
    const { error } = this.failure!
    // The user's own error becomes the cause of the query's failure, unchanged.
    if (error instanceof Error) throw error
    throw new TributaryError(
      `OBSERVABLE_ERROR: ${this.description} failed with ${preview(error)}. Handle the error in the Observable (catchError, retry) if the query should go on.`,
      'OBSERVABLE_ERROR',
      { cause: error },
    )
  }

  async initialOffset(): Promise<Offset> {
    return 0
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.availableNow = true
  }

  async latestOffset(start: Offset, limit: ReadLimit): Promise<Offset> {
    if (limit === 'all') {
      // Trigger.Once: the whole Observable, up to its end, in one batch.
      while (!this.ended && !this.interrupted) await this.changed()
      if (this.failure) this.throwFailure()
      return this.buffer.latest(start as number)
    }
    let latest = this.buffer.latest(start as number)
    // availableNow reads until the Observable ends, so it waits for rows still to come.
    while (this.availableNow && latest === start && !this.ended && !this.interrupted) {
      await this.changed()
      latest = this.buffer.latest(start as number)
    }
    if (latest === start && this.failure) this.throwFailure()
    return latest
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const rows = this.buffer.range(start as number, end as number)
    const builders = this.schema.fields.map((f) => new VectorBuilder(f.type, rows.length))
    for (const row of rows) for (let c = 0; c < builders.length; c++) builders[c].append(row[c])
    return {
      data: new ColumnarBatch(
        this.schema,
        builders.map((b) => b.finish()),
        rows.length,
      ),
    }
  }

  async commit(end: Offset): Promise<void> {
    this.buffer.commit(end as number)
  }

  /** The query is stopping: a wait for rows (availableNow, once) ends now, with what is there. */
  interrupt(): void {
    this.interrupted = true
    this.notify()
  }

  async stop(): Promise<void> {
    this.interrupt()
    this.subscription.unsubscribe()
  }

  metrics(): Record<string, number | string> {
    return {
      rowsReceived: this.buffer.receivedCount,
      rowsBuffered: this.buffer.bufferedCount,
      bytesBuffered: this.buffer.bufferedBytes,
      rowsLostOnRestart: this.buffer.lost,
      rowsDroppedBufferFull: this.droppedRows,
      state: this.failure ? 'failed' : this.completed ? 'completed' : 'open',
    }
  }
}

/** The provider behind a fromObservable DataFrame; each query start subscribes anew. */
export function observableSourceProvider<R>(
  observable: Observable<R>,
  schema: Schema<R>,
  name: string,
  limits: BufferLimits = DEFAULT_LIMITS,
): SourceProvider {
  return {
    name: 'observable',
    schemaOf: () => schema as Schema<unknown>,
    createSource: () => new ObservableSource(schema as Schema<unknown>, name, observable, limits),
  }
}

/**
 * A streaming DataFrame over the rows an Observable emits, like MemoryStream.toDF(). Rows
 * are checked against `schema`. At most once across restarts (see the module notes); use
 * a replayable source (files, Kafka) where every row must survive a crash.
 *
 * ```ts
 * const clicks = fromObservable(session, clicks$, schema({ user: 'string', ts: 'timestamp' }))
 * ```
 */
export function fromObservable<R>(
  session: Session,
  observable: Observable<R>,
  schema: Schema<R>,
  options: ObservableSourceOptions = {},
): DataFrame<R> {
  const name = options.name ?? `ObservableSource[${counter++}]`
  const limits = limitsOf(options)
  return new DataFrame<R>(session, {
    kind: 'source',
    spec: {
      provider: observableSourceProvider(observable, schema, name, limits),
      options: new Options({}, name),
      path: undefined,
    },
    schema: schema as Schema<unknown>,
    streaming: true,
  })
}

/** format('observable') cannot carry an Observable in string options: it points to fromObservable. */
export const observableFormatProvider: SourceProvider = {
  name: 'observable',
  schemaOf() {
    throw new AnalysisError(
      "OBSERVABLE_NEEDS_FUNCTION: format('observable') cannot receive an Observable through options. Use fromObservable(session, rows$, schema({ ... })) from '@tributary/core' instead.",
      'OBSERVABLE_NEEDS_FUNCTION',
    )
  },
  createSource() {
    throw new AnalysisError(
      "OBSERVABLE_NEEDS_FUNCTION: use fromObservable(session, rows$, schema({ ... })) from '@tributary/core'.",
      'OBSERVABLE_NEEDS_FUNCTION',
    )
  },
}
