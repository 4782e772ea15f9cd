/** `format('kafka')` for writeStream and write. */
import * as path from 'node:path'
import type { SinkProvider } from '@tributary/core'
import type { KafkaConnector } from './adapter.js'
import { KafkaSink } from './kafka-sink.js'
import { platformaticConnector } from './platformatic/connector.js'
import { readSinkOptions } from './sink-options.js'
import { recordLayout } from './sink-rows.js'

export interface KafkaSinkProviderOptions {
  readonly connector?: KafkaConnector
}

export function createKafkaSinkProvider(options: KafkaSinkProviderOptions = {}): SinkProvider {
  const connector = options.connector ?? platformaticConnector
  return {
    name: 'kafka',
    async createSink(ctx) {
      const config = readSinkOptions(ctx.options)
      // Checked before connecting, so that a wrong schema is reported without a broker.
      const layout = recordLayout(ctx.schema, config.topic)
      // An admin client checks the brokers now (start() fails fast) and reads transaction markers.
      const admin = connector.admin({ ...config.producer, isolationLevel: 'read_committed' })
      try {
        await admin.listTopics()
      } catch (e) {
        await admin.close().catch(() => {})
        throw e
      }
      const transactional = config.producer.transactionalId !== undefined
      if (!transactional) await admin.close()
      const producer = connector.producer(config.producer)
      // Recorded in each marker, so that a replay is told apart from another query's batch.
      const root = ctx.session.conf.get('tributary.sql.streaming.checkpointLocation')
      const checkpoint =
        ctx.options.get('checkpointLocation') ??
        (root && ctx.queryName ? path.join(root, ctx.queryName) : undefined)
      return new KafkaSink(
        producer,
        transactional ? admin : undefined,
        config,
        layout,
        ctx.queryName,
        checkpoint === undefined ? undefined : path.resolve(checkpoint),
      )
    },
  }
}

export const kafkaSinkProvider = createKafkaSinkProvider()
