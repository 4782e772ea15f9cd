/**
 * @packageDocumentation
 * `@tributary/mqtt`: the `mqtt` source and sink. Importing the package registers both, so
 * `session.readStream.format('mqtt')` and `writeStream.format('mqtt')` work after
 * `import '@tributary/mqtt'`.
 */
import { registerSinkProvider, registerSourceProvider } from '@tributary/core'
import { mqttSinkProvider } from './mqtt-sink.js'
import { mqttSourceProvider } from './mqtt-source.js'

registerSourceProvider(mqttSourceProvider)
registerSinkProvider(mqttSinkProvider)

export { DEFAULT_BROKER_URL } from './connection-options.js'
export { MqttSink, mqttSinkProvider } from './mqtt-sink.js'
export { defaultClientId, type MqttDeliveryGuarantee, MqttSource, mqttSourceProvider } from './mqtt-source.js'
export { MQTT_SCHEMA, type MqttRow } from './schema.js'
export { SINK_OPTIONS } from './sink-options.js'
export { SOURCE_OPTIONS } from './source-options.js'
