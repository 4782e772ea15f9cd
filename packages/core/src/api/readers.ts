/**
 * session.read and session.readStream. Each call returns a new reader; `schema(...)`
 * returns one whose rows have that schema's type.
 */
import { sourceProvider } from '../formats/registry.js'
import type { SourceProvider } from '../sources/source.js'
import type { Schema } from '../types/schema.js'
import { Options, type OptionsInput, type OptionValue } from '../util/options.js'
import { redactOptions, showOnly } from '../util/redact.js'
import { DataFrame } from './dataframe.js'
import type { Session } from './session.js'

interface ReaderState {
  readonly format: string | SourceProvider | undefined
  readonly options: Readonly<Record<string, OptionValue>>
  readonly schema: Schema<unknown> | null
}

abstract class Reader<R, Self> {
  constructor(
    protected readonly session: Session,
    protected readonly state: ReaderState,
  ) {}

  protected abstract readonly streaming: boolean
  protected abstract next(state: ReaderState): Self

  /** The source format: 'json', 'csv', 'parquet', 'text', 'rate', ... or a SourceProvider. */
  format(format: string | SourceProvider): Self {
    return this.next({ ...this.state, format })
  }

  option(key: string, value: OptionValue): Self {
    return this.next({ ...this.state, options: { ...this.state.options, [key]: value } })
  }

  options(options: OptionsInput): Self {
    const merged: Record<string, OptionValue> = { ...this.state.options }
    for (const [k, v] of Object.entries(options)) if (v !== undefined) merged[k] = v
    return this.next({ ...this.state, options: merged })
  }

  /** A DataFrame over the source at `path` (or the `path` option). */
  load(path?: string): DataFrame<R> {
    return this.loadFrame(path)
  }
  json(path: string): DataFrame<R> {
    return this.withFormat('json').loadFrame(path)
  }
  csv(path: string): DataFrame<R> {
    return this.withFormat('csv').loadFrame(path)
  }
  parquet(path: string): DataFrame<R> {
    return this.withFormat('parquet').loadFrame(path)
  }
  /** One row per line in a string column `value` (Spark's default), or the one string column of `.schema(...)`. */
  text(path: string): DataFrame<Record<string, unknown> extends R ? { value: string } : R> {
    return this.withFormat('text').loadFrame(path) as never
  }

  private withFormat(format: string): Reader<R, Self> {
    return this.format(format) as unknown as Reader<R, Self>
  }

  protected loadFrame(path?: string): DataFrame<R> {
    const provider = sourceProvider(this.state.format ?? 'parquet')
    const options = new Options(this.state.options, `source '${provider.name}'`)
    if (provider.knownOptions) options.checkKnown([...provider.knownOptions, 'path'])
    const where = path ?? options.get('path')
    const schema = provider.schemaOf({
      options,
      userSchema: this.state.schema,
      path: where,
      streaming: this.streaming,
    })
    return new DataFrame<R>(this.session, {
      kind: 'source',
      spec: { provider, options, path: where },
      schema,
      streaming: this.streaming,
    })
  }
}

const empty: ReaderState = { format: undefined, options: {}, schema: null }

/** session.read: bounded input, read when an action runs. */
export class DataFrameReader<R = Record<string, unknown>> extends Reader<R, DataFrameReader<R>> {
  protected readonly streaming = false
  constructor(session: Session, state: ReaderState = empty) {
    super(session, state)
  }
  protected next(state: ReaderState): DataFrameReader<R> {
    return new DataFrameReader<R>(this.session, state)
  }
  /** The schema of the rows; without it, formats that can infer one do. */
  schema<T>(schema: Schema<T>): DataFrameReader<T> {
    return new DataFrameReader<T>(this.session, { ...this.state, schema: schema as Schema<unknown> })
  }
}

/** session.readStream: unbounded input, read micro-batch by micro-batch once a query starts. */
export class DataStreamReader<R = Record<string, unknown>> extends Reader<R, DataStreamReader<R>> {
  protected readonly streaming = true
  constructor(session: Session, state: ReaderState = empty) {
    super(session, state)
  }
  protected next(state: ReaderState): DataStreamReader<R> {
    return new DataStreamReader<R>(this.session, state)
  }
  schema<T>(schema: Schema<T>): DataStreamReader<T> {
    return new DataStreamReader<T>(this.session, { ...this.state, schema: schema as Schema<unknown> })
  }
}

const formatName = (f: string | SourceProvider | undefined): string | undefined =>
  typeof f === 'string' ? f : f?.name

// Readers hold their options, passwords included: printed, they show only what is safe.
showOnly(Reader as { readonly prototype: Reader<unknown, unknown> }, (r) => {
  const state = (r as unknown as { state: ReaderState }).state
  return {
    format: formatName(state.format),
    options: redactOptions(state.options),
    ...(state.schema ? { schema: state.schema.simpleString() } : {}),
  }
})
