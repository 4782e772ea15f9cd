/**
 * Dead letters: records a source could not read, sent with where they are and why to a
 * place the user chooses (`writeStream.withDeadLetters(...)`), so that malformed input
 * under DROPMALFORMED is set aside instead of lost. DESIGN.md, "Errors a user can cause".
 *
 * They are delivered before the batch's output reaches the sink and before its commit
 * log entry: a crash after the delivery replays the batch, which delivers the same dead
 * letters again under the same batch id. A file sink target recognizes the id (its log)
 * and writes them once; a function should do the same with `info.batchId`.
 */
import type { Session } from '../api/session.js'
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { sinkProvider } from '../formats/registry.js'
import type { DeadLetter, JsonValue } from '../sources/source.js'
import type { SourcedDeadLetter } from '../streaming/micro-batch-execution.js'
import { type Schema, schema } from '../types/schema.js'
import { Options, type OptionsInput } from '../util/options.js'
import type { Sink } from './sink.js'

/** The rows a Sink target receives: `position` is the source's position object as JSON text. */
export const DEAD_LETTER_SCHEMA = schema({
  batchId: 'long',
  source: 'string',
  position: 'string',
  raw: 'string',
  error: 'string',
})

/** A dead letter as a function target receives it. */
export interface DeadLetterRecord extends DeadLetter {
  /** The source's description, e.g. `FileStreamSource[/data/in]`. */
  readonly source: string
}

/** A sink format by name (json, csv, parquet, a connector's), written like `writeStream.format(...)`. */
export interface DeadLetterSinkSpec {
  readonly format: string
  /** The folder (file sinks) or target; also accepted as option 'path'. */
  readonly path?: string
  readonly options?: OptionsInput
}

/**
 * Where dead letters go: a function (called once per batch that has any, with the batch
 * id: make it idempotent), a Sink (addBatch with rows of DEAD_LETTER_SCHEMA), or a sink
 * format and path, e.g. `{ format: 'json', path: '/data/dead-letters' }`.
 */
export type DeadLetterHandler =
  | ((letters: DeadLetterRecord[], info: { readonly batchId: number }) => void | Promise<void>)
  | Sink
  | DeadLetterSinkSpec

export interface DeadLetterDelivery {
  deliver(batchId: number, letters: readonly SourcedDeadLetter[]): Promise<void>
  stop(): Promise<void>
}

function toBatch(batchId: number, letters: readonly SourcedDeadLetter[]): ColumnarBatch<unknown> {
  return ColumnarBatch.fromRows(
    DEAD_LETTER_SCHEMA as Schema<unknown>,
    letters.map((d) => ({
      batchId,
      source: d.source,
      position: JSON.stringify(d.position as JsonValue),
      raw: d.raw,
      error: d.error,
    })),
  )
}

const isSink = (h: DeadLetterHandler): h is Sink => typeof (h as Sink).addBatch === 'function'

/**
 * Resolves the handler when the query starts (an unknown format fails start()); a sink
 * named by format is opened at the first batch that has dead letters.
 */
export function deadLetterDelivery(
  handler: DeadLetterHandler,
  session: Session,
  queryId: () => string,
): DeadLetterDelivery {
  if (typeof handler === 'function') {
    return {
      deliver: async (batchId, letters) =>
        handler(
          letters.map((d) => ({ ...d })),
          { batchId },
        ),
      stop: async () => {},
    }
  }
  if (isSink(handler)) {
    return {
      deliver: (batchId, letters) => handler.addBatch(batchId, toBatch(batchId, letters)),
      stop: async () => {},
    }
  }
  const provider = sinkProvider(handler.format)
  const options = new Options(
    handler.path === undefined ? { ...handler.options } : { ...handler.options, path: handler.path },
    `dead-letter sink '${provider.name}'`,
  )
  if (provider.knownOptions) options.checkKnown([...provider.knownOptions, 'path', 'checkpointLocation'])
  let sink: Promise<Sink> | undefined
  const open = (): Promise<Sink> => {
    sink ??= Promise.resolve(
      provider.createSink({
        options,
        schema: DEAD_LETTER_SCHEMA as Schema<unknown>,
        outputMode: 'append',
        partitionBy: [],
        queryName: undefined,
        queryId: queryId(),
        path: options.get('path'),
        session,
        bounded: false,
      }),
    )
    return sink
  }
  return {
    deliver: async (batchId, letters) => (await open()).addBatch(batchId, toBatch(batchId, letters)),
    stop: async () => {
      if (sink) await (await sink).stop?.()
    },
  }
}
