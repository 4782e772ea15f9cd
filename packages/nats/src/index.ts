/**
 * @packageDocumentation
 * `@tributary/nats`: NATS JetStream as a source (replayable by stream sequence) and a sink
 * (deduplicated by message id). Importing the package registers the formats `nats` and
 * `jetstream` for `readStream.format(...)` and `writeStream.format(...)`.
 */
import { registerSinkProvider, registerSourceProvider } from '@tributary/core'
import { jetstreamSinkProvider, natsSinkProvider } from './sink.js'
import { jetstreamSourceProvider, natsSourceProvider } from './source.js'

registerSourceProvider(natsSourceProvider)
registerSourceProvider(jetstreamSourceProvider)
registerSinkProvider(natsSinkProvider)
registerSinkProvider(jetstreamSinkProvider)

export { hostPort } from './connection.js'
export { ensureStream, RETENTIONS, type Retention, type StreamSpec } from './ensure-stream.js'
export {
  type ConnectionOptions,
  DEFAULT_SERVERS,
  type SinkOptions,
  type SourceOptions,
  type StartingPosition,
} from './options.js'
export { NATS_SCHEMA, NATS_SCHEMA_WITH_HEADERS } from './rows.js'
export { JetStreamSink, jetstreamSinkProvider, natsSinkProvider } from './sink.js'
export { JetStreamSource, jetstreamSourceProvider, natsSourceProvider } from './source.js'
