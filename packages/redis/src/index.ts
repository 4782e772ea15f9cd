/**
 * @packageDocumentation
 * `@tributary/redis`: Redis Streams as a source (replayable by entry id, XRANGE) and Redis
 * as a sink (XADD to a stream, or HSET / SET of one key per row). Importing the package
 * registers the format `redis` for `readStream.format(...)` and `writeStream.format(...)`.
 */
import { registerSinkProvider, registerSourceProvider } from '@tributary/core'
import { redisSinkProvider } from './sink.js'
import { redisSourceProvider } from './source.js'

registerSourceProvider(redisSourceProvider)
registerSinkProvider(redisSinkProvider)

export { hostPort } from './client.js'
export { REDIS_SCHEMA } from './fields.js'
export { RedisKeySink } from './key-sink.js'
export {
  type ConnectionOptions,
  DEFAULT_URL,
  type ParseMode,
  type SinkMode,
  type SinkOptions,
  type SourceOptions,
  type StartingPosition,
} from './options.js'
export { redisSinkProvider } from './sink.js'
export { RedisStreamSource, redisSourceProvider } from './source.js'
export { compareIds } from './stream-id.js'
export { RedisStreamSink } from './stream-sink.js'
