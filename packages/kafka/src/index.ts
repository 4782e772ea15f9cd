/**
 * @packageDocumentation
 * `@tributary/kafka`: the `kafka` source and sink with Spark's options and columns. Importing
 * the package registers both formats. Offsets live in Tributary's checkpoint; the client is
 * @platformatic/kafka behind a small adapter (KafkaConnector) that tests and other clients
 * can replace.
 */
import { registerSinkProvider, registerSourceProvider } from '@tributary/core'
import { kafkaSinkProvider } from './sink-provider.js'
import { kafkaSourceProvider } from './source-provider.js'

registerSourceProvider(kafkaSourceProvider)
registerSinkProvider(kafkaSinkProvider)

export type {
  FetchResult,
  KafkaAdmin,
  KafkaClientConfig,
  KafkaConnector,
  KafkaHeader,
  KafkaProducer,
  KafkaProducerConfig,
  KafkaRecord,
  KafkaTransaction,
  OffsetMap,
  ProducerRecord,
  TopicPartition,
} from './adapter.js'
export { SINK_CLIENT_OPTIONS, SOURCE_CLIENT_OPTIONS } from './client-options.js'
export { KafkaDataLossError } from './data-loss.js'
export { KafkaSink } from './kafka-sink.js'
export { KafkaSource, monitoringGroupId } from './kafka-source.js'
export { platformaticConnector } from './platformatic/connector.js'
export {
  HEADERS_TYPE,
  KAFKA_SCHEMA,
  KAFKA_SCHEMA_WITH_HEADERS,
  type KafkaHeaderRow,
  type KafkaRow,
  type KafkaRowWithHeaders,
} from './schema.js'
export { SINK_OPTIONS } from './sink-options.js'
export { createKafkaSinkProvider, type KafkaSinkProviderOptions, kafkaSinkProvider } from './sink-provider.js'
export { SOURCE_OPTIONS } from './source-options.js'
export {
  createKafkaSourceProvider,
  type KafkaProviderOptions,
  kafkaSourceProvider,
} from './source-provider.js'
export { toJson as offsetsToJson, tpKey } from './topic-partition.js'
