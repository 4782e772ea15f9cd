/** The `kafka` sink's options. */
import { OptionError, Options } from '@tributary/core'
import type { KafkaProducerConfig } from './adapter.js'
import { readClientConfig, SINK_CLIENT_OPTIONS } from './client-options.js'

export const SINK_OPTIONS = ['topic', 'transactionMarkerTopic'] as const

export interface KafkaSinkConfig {
  readonly topic: string | undefined
  readonly producer: KafkaProducerConfig
  /** Where each transaction records its batch id; set exactly when transactional. */
  readonly markerTopic: string | undefined
}

export function readSinkOptions(options: Options): KafkaSinkConfig {
  const owner = options.owner
  const plain: Record<string, string> = {}
  for (const [k, v] of Object.entries(options.toRecord()))
    if (!k.toLowerCase().startsWith('kafka.')) plain[k] = v
  new Options(plain, owner).checkKnown([
    ...SINK_OPTIONS,
    'checkpointLocation',
    'path',
    ...SINK_CLIENT_OPTIONS.map((k) => `kafka.${k}`),
  ])
  const client = readClientConfig(options, 'sink', 'tributary-kafka-sink')
  const p = client.properties
  const transactionalId = p['transactional.id']
  const idempotent = (p['enable.idempotence'] ?? 'true').toLowerCase()
  if (idempotent !== 'true' && idempotent !== 'false') {
    throw new OptionError(
      `${owner}: option 'kafka.enable.idempotence' must be true or false, got '${p['enable.idempotence']}'.`,
      'INVALID_OPTION',
    )
  }
  const acks = p.acks ?? 'all'
  if (!['all', '-1', '0', '1'].includes(acks)) {
    throw new OptionError(
      `${owner}: option 'kafka.acks' must be all, -1, 0 or 1, got '${acks}'.`,
      'INVALID_OPTION',
    )
  }
  if ((idempotent === 'true' || transactionalId) && acks !== 'all' && acks !== '-1') {
    throw new OptionError(
      `${owner}: option 'kafka.acks' is ${acks}, but an idempotent or transactional producer needs acks=all. Remove 'kafka.acks', or set 'kafka.enable.idempotence' to false (not with 'kafka.transactional.id').`,
      'INVALID_OPTION',
    )
  }
  if (transactionalId && idempotent === 'false') {
    throw new OptionError(
      `${owner}: 'kafka.transactional.id' needs an idempotent producer; remove 'kafka.enable.idempotence' false.`,
      'INVALID_OPTION',
    )
  }
  const compression = (p['compression.type'] ?? 'none').toLowerCase()
  if (!['none', 'gzip', 'snappy', 'lz4'].includes(compression)) {
    throw new OptionError(
      `${owner}: option 'kafka.compression.type' must be none, gzip, snappy or lz4, got '${p['compression.type']}'${compression === 'zstd' ? ' (zstd needs Node 22 in this client)' : ''}.`,
      'INVALID_OPTION',
    )
  }
  const markerTopic = options.get('transactionMarkerTopic')
  if (transactionalId && !markerTopic) {
    throw new OptionError(
      `${owner}: 'kafka.transactional.id' is set, so each batch is one transaction that also records its batch id in a marker topic; name it with .option('transactionMarkerTopic', 'tributary-markers') and create it first (1 partition, cleanup.policy=compact).`,
      'MISSING_OPTION',
    )
  }
  if (markerTopic && !transactionalId) {
    throw new OptionError(
      `${owner}: 'transactionMarkerTopic' is only used with 'kafka.transactional.id'. Remove it, or set a transactional id.`,
      'INVALID_OPTION',
    )
  }
  return { topic: options.get('topic'), producer: { ...client, transactionalId }, markerTopic }
}
