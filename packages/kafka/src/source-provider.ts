/**
 * `format('kafka')` for session.read and session.readStream. The connector is a parameter so
 * that tests (and users with another client) can supply their own; the registered provider
 * uses @platformatic/kafka.
 */
import { AnalysisError, type SourceProvider } from '@tributary/core'
import type { KafkaConnector } from './adapter.js'
import { KafkaSource } from './kafka-source.js'
import { platformaticConnector } from './platformatic/connector.js'
import { kafkaSchema } from './schema.js'
import { readSourceOptions } from './source-options.js'

export interface KafkaProviderOptions {
  /** Makes the Kafka clients; defaults to @platformatic/kafka. */
  readonly connector?: KafkaConnector
  /** The clock for maxTriggerDelay; tests pass a manual one. */
  readonly now?: () => number
  /** Where warnings go (data loss with failOnDataLoss false, failed monitoring commits). */
  readonly warn?: (message: string) => void
}

export function createKafkaSourceProvider(options: KafkaProviderOptions = {}): SourceProvider {
  const connector = options.connector ?? platformaticConnector
  return {
    name: 'kafka',
    // No knownOptions: `kafka.*` keys are open-ended, so readSourceOptions checks names itself.
    schemaOf(ctx) {
      const config = readSourceOptions(ctx.options, !ctx.streaming)
      if (ctx.userSchema) {
        throw new AnalysisError(
          `USER_SCHEMA_NOT_SUPPORTED: the kafka source has a fixed schema (${kafkaSchema(config.includeHeaders).simpleString()}). Remove .schema(...), and decode 'value' with cast('string') or from_json.`,
          'USER_SCHEMA_NOT_SUPPORTED',
        )
      }
      return kafkaSchema(config.includeHeaders)
    },
    async createSource(ctx) {
      const config = readSourceOptions(ctx.options, ctx.bounded)
      const admin = connector.admin(config.client)
      const source = new KafkaSource(admin, config, {
        bounded: ctx.bounded,
        metadataDir: ctx.metadataDir,
        now: options.now ?? Date.now,
        warn: options.warn ?? ((m) => console.warn(m)),
        onProgress: ctx.onProgress,
      })
      try {
        await source.check()
      } catch (e) {
        await admin.close().catch(() => {})
        throw e
      }
      return source
    },
  }
}

export const kafkaSourceProvider = createKafkaSourceProvider()
