/** The `redis` sink: mode `stream` (XADD), `hash` (HSET) or `key-value` (SET). */
import type { SinkProvider } from '@tributary/core'
import { openConnection } from './client.js'
import { planKeySink, RedisKeySink } from './key-sink.js'
import { readSinkOptions, SINK_OPTIONS } from './options.js'
import { planStreamSink, RedisStreamSink } from './stream-sink.js'

export const redisSinkProvider: SinkProvider = {
  name: 'redis',
  knownOptions: SINK_OPTIONS,
  async createSink(ctx) {
    const options = readSinkOptions(ctx.options)
    // Layout errors (missing columns, wrong types) come before connecting: they need no server.
    if (options.mode === 'stream') {
      const layout = planStreamSink(ctx.schema, options)
      return new RedisStreamSink(
        await openConnection(options),
        options,
        layout,
        ctx.bounded ? undefined : ctx.queryId,
      )
    }
    const layout = planKeySink(ctx.schema, options)
    return new RedisKeySink(await openConnection(options), options, layout)
  },
}
