/** The default KafkaConnector: @platformatic/kafka (pure JavaScript, Kafka 3.5 to 4.1). */
import type { KafkaConnector } from '../adapter.js'
import { PlatformaticAdmin } from './admin.js'
import { PlatformaticProducer } from './producer.js'

export const platformaticConnector: KafkaConnector = {
  admin: (config) => new PlatformaticAdmin(config),
  producer: (config) => new PlatformaticProducer(config),
}
