/**
 * KafkaProducer on @platformatic/kafka's Producer: idempotent by default, transactional when
 * given a transactional id (its first transaction fences older producers with that id).
 */
import { type MessageToProduce, Producer } from '@platformatic/kafka'
import type { KafkaProducer, KafkaProducerConfig, KafkaTransaction, ProducerRecord } from '../adapter.js'
import { baseOptions, intProperty } from './client-options.js'
import { translateError } from './errors.js'
import { hardenClient } from './harden-client.js'

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>

/**
 * A producer that the broker does not know yet asks InitProducerId with id -1 and epoch -1,
 * as the Java client does: the coordinator then gives a new id, or, for a transactional id
 * it knows, bumps the epoch, which fences the producer of a crashed process and aborts its
 * open transaction. The client's own default (0/0) is answered INVALID_PRODUCER_ID_MAPPING.
 */
const NO_PRODUCER_ID = -1n
const NO_PRODUCER_EPOCH = -1

/** Kafka's default transaction.timeout.ms; the client's own default (5 s) would abort big batches. */
const TRANSACTION_TIMEOUT_MS = 60_000

const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

function toMessage(r: ProducerRecord): MessageToProduce {
  const m: MessageToProduce = { topic: r.topic }
  if (r.key !== null) m.key = toBuffer(r.key)
  if (r.value !== null) m.value = toBuffer(r.value)
  if (r.partition !== null) m.partition = r.partition
  if (r.headers.length > 0) {
    // One value per header key: this client takes headers as a map.
    const headers = new Map<Buffer, Buffer>()
    for (const h of r.headers)
      headers.set(Buffer.from(h.key, 'utf8'), h.value === null ? Buffer.alloc(0) : toBuffer(h.value))
    m.headers = headers
  }
  return m
}

export class PlatformaticProducer implements KafkaProducer {
  private readonly producer: Producer

  constructor(private readonly config: KafkaProducerConfig) {
    const p = config.properties
    const transactional = config.transactionalId !== undefined
    this.producer = hardenClient(
      new Producer({
        ...baseOptions(config),
        idempotent: (p['enable.idempotence'] ?? 'true').toLowerCase() === 'true',
        acks: p.acks === undefined || p.acks === 'all' ? -1 : Number(p.acks),
        compression: (p['compression.type'] ?? 'none') as 'none' | 'gzip' | 'snappy' | 'lz4',
        ...(transactional
          ? {
              transactionalId: config.transactionalId,
              timeout: intProperty(config, 'transaction.timeout.ms') ?? TRANSACTION_TIMEOUT_MS,
              producerId: NO_PRODUCER_ID,
              producerEpoch: NO_PRODUCER_EPOCH,
            }
          : {}),
      }),
      config,
    )
  }

  async send(records: readonly ProducerRecord[]): Promise<void> {
    try {
      await this.producer.send({ messages: records.map(toMessage) })
    } catch (e) {
      throw translateError(e, this.config, `writing ${records.length} records`)
    }
  }

  async beginTransaction(): Promise<KafkaTransaction> {
    let tx: Transaction
    try {
      tx = await this.producer.beginTransaction()
    } catch (e) {
      throw translateError(
        e,
        this.config,
        `beginning a transaction (transactional.id '${this.config.transactionalId}')`,
      )
    }
    let sent = false
    const config = this.config
    return {
      async send(records) {
        sent = true
        try {
          await tx.send({ messages: records.map(toMessage) })
        } catch (e) {
          throw translateError(e, config, `writing ${records.length} records in a transaction`)
        }
      },
      async commit() {
        try {
          await tx.commit()
        } catch (e) {
          throw translateError(e, config, 'committing a transaction')
        }
      },
      async abort() {
        // A transaction that sent nothing exists only here: the broker has nothing to abort.
        if (!sent) await tx.cancel()
        else await tx.abort()
      },
    }
  }

  async close(): Promise<void> {
    await this.producer.close()
  }
}
