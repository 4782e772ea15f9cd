/**
 * The `mqtt` source: messages of the subscribed topic filters, buffered in memory until the
 * batch that read them is committed. Offsets count messages received; MQTT brokers keep no
 * history to read again, so the source is not replayable.
 *
 * Delivery: with QoS 1, a persistent session (cleanSession false) and acknowledgements held
 * until the commit (see deferred-acks.ts), a message the query has not committed is sent
 * again by the broker after a stop, crash or reconnection: at least once. Anything else
 * (QoS 0, a clean session) is at most once.
 */
import { createHash } from 'node:crypto'
import * as path from 'node:path'
import {
  AnalysisError,
  BinaryType,
  BooleanType,
  ColumnarBatch,
  IntType,
  type Offset,
  type ReadLimit,
  ReceiveBuffer,
  type Schema,
  type Source,
  type SourceBatch,
  type SourceProvider,
  StringType,
  showOnly,
  TimestampType,
  TributaryError,
  type Vector,
} from '@tributary/core'
import type { IPublishPacket, ISubscriptionGrant, MqttClient } from 'mqtt'
import { openClient } from './connect.js'
import { type AckTicket, DeferredAcks } from './deferred-acks.js'
import { MQTT_SCHEMA } from './schema.js'
import { type MqttSourceConfig, readSourceOptions, SOURCE_OPTIONS } from './source-options.js'

interface Received {
  readonly topic: string
  readonly payload: Uint8Array
  readonly qos: number
  readonly retained: boolean
  readonly receivedMs: number
  readonly ack: AckTicket | null
}

/** Once connected, a dropped connection is retried at this pace (brokers restart; queries should not). */
const RECONNECT_PERIOD_MS = 1000

/** A persistent session needs the same client id on every run: derive it from the checkpoint. */
export function defaultClientId(metadataDir: string): string {
  return `tributary-${createHash('sha256').update(path.resolve(metadataDir)).digest('hex').slice(0, 13)}`
}

export type MqttDeliveryGuarantee = 'at-least-once' | 'at-most-once'

export class MqttSource implements Source {
  readonly replayable = false
  readonly schema = MQTT_SCHEMA as Schema<unknown>
  readonly description: string
  private readonly buffer: ReceiveBuffer<Received>
  private duplicates = 0
  private droppedBufferFull = 0
  private overflow: TributaryError | undefined
  private reconnects = 0
  private stopped = false
  // Both are set by open(), before the first message can arrive.
  private client!: MqttClient
  private acks!: DeferredAcks

  private constructor(private readonly config: MqttSourceConfig) {
    this.description = `MqttSource[${config.connection.brokerUrl} topics=${config.topics.join(',')}]`
    this.buffer = new ReceiveBuffer<Received>(config.buffer)
  }

  get guarantee(): MqttDeliveryGuarantee {
    return this.config.qos === 1 && !this.config.cleanSession && this.acks.active
      ? 'at-least-once'
      : 'at-most-once'
  }

  static async open(config: MqttSourceConfig): Promise<MqttSource> {
    const source = new MqttSource(config)
    const { client } = await openClient('the mqtt source', config.connection, (c) => {
      source.acks = DeferredAcks.install(c)
      // A resumed session delivers queued messages right after CONNACK, before any SUBSCRIBE;
      // each must be held (or not) at the moment it arrives, since its PUBACK follows at once.
      c.on('message', (topic, payload, packet) => source.receive(topic, payload, packet))
    })
    source.client = client
    source.watchConnection()
    try {
      // A resumed session already has the subscriptions; subscribing again is harmless and
      // covers a session the broker lost.
      const grants = await client.subscribeAsync([...config.topics], { qos: config.qos })
      source.checkGrants(grants)
    } catch (e) {
      await source.stop()
      throw e instanceof TributaryError
        ? e
        : new TributaryError(
            `MQTT_SUBSCRIBE_FAILED: the mqtt source could not subscribe to ${config.topics.join(', ')} at ${config.connection.address}: ${(e as Error).message}. Check the filters and the broker's access rules.`,
            'MQTT_SUBSCRIBE_FAILED',
            { cause: e },
          )
    }
    client.options.reconnectPeriod = RECONNECT_PERIOD_MS
    if (!source.acks.active && config.qos === 1) {
      console.warn(
        '[tributary] mqtt source: this mqtt.js version has no hook to hold acknowledgements, so messages are acknowledged on receipt (at most once). Install mqtt 5.16.0, which @tributary/mqtt pins.',
      )
    }
    return source
  }

  private checkGrants(grants: ISubscriptionGrant[]): void {
    const refused = grants.filter((g) => g.qos >= 0x80)
    if (refused.length > 0) {
      throw new TributaryError(
        `MQTT_SUBSCRIBE_REFUSED: the MQTT broker at ${this.config.connection.address} refused the subscription to ${refused.map((g) => `'${g.topic}' (reason code ${g.qos})`).join(', ')}. The user may not be allowed to read these topics, or the broker does not support the filter; fix the broker's access rules or the 'topics' option.`,
        'MQTT_SUBSCRIBE_REFUSED',
      )
    }
    const downgraded = grants.filter((g) => g.qos < this.config.qos)
    if (downgraded.length > 0) {
      console.warn(
        `[tributary] mqtt source: the broker granted QoS 0 for ${downgraded.map((g) => `'${g.topic}'`).join(', ')} instead of QoS ${this.config.qos}; messages of these filters are delivered at most once.`,
      )
    }
  }

  private watchConnection(): void {
    const { address } = this.config.connection
    this.client.on('error', (e) => {
      if (!this.stopped) console.warn(`[tributary] mqtt source (${address}): ${e.message}`)
    })
    this.client.on('offline', () => {
      if (!this.stopped)
        console.warn(`[tributary] mqtt source: lost the connection to ${address}; reconnecting.`)
    })
    // Registered after the first CONNACK: counts reconnections only.
    this.client.on('connect', () => {
      this.reconnects++
    })
  }

  private receive(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.overflow || this.buffer.isFull) {
      this.bufferFull(packet)
      return
    }
    let ack: AckTicket | null = null
    if (packet.qos > 0 && packet.messageId !== undefined) {
      const held = this.acks.hold(packet.messageId)
      if (held === 'duplicate') {
        this.duplicates++
        return
      }
      ack = held
    }
    this.buffer.push(
      {
        topic,
        payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
        qos: packet.qos,
        retained: packet.retain,
        receivedMs: Date.now(),
        ack,
      },
      2 * topic.length + payload.byteLength + 96,
    )
  }

  /**
   * 'drop' acknowledges and counts the message. 'fail' holds its acknowledgement (QoS 1: the
   * broker keeps it for the next run) and stops the query once the buffered ones are processed.
   */
  private bufferFull(packet: IPublishPacket): void {
    const { maxRows, maxBytes, onFull } = this.config.buffer
    if (onFull === 'drop') {
      this.droppedBufferFull++
      return
    }
    if (packet.qos > 0 && packet.messageId !== undefined) this.acks.hold(packet.messageId)
    this.overflow ??= new TributaryError(
      `SOURCE_BUFFER_FULL: ${this.description} buffered ${this.buffer.bufferedCount} messages (${this.buffer.bufferedBytes} bytes; limits maxBufferedRows=${maxRows}, maxBufferedBytes=${maxBytes}) because the query is slower than the messages arrive. The buffered messages were processed${this.guarantee === 'at-least-once' ? '; later ones stay unacknowledged for the next run' : ''}. Make the sink faster, use QoS 1 with a persistent session (the broker then holds messages back), raise the limits, or set onBufferFull 'drop' to drop and count messages instead.`,
      'SOURCE_BUFFER_FULL',
    )
  }

  async initialOffset(): Promise<Offset> {
    return 0
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.buffer.capAtReceived()
  }

  async latestOffset(start: Offset, limit: ReadLimit): Promise<Offset> {
    const max = limit === 'all' ? undefined : this.config.maxMessagesPerTrigger
    const latest = this.buffer.latest(start as number, max)
    if (latest === start && this.overflow) throw this.overflow
    return latest
  }

  async getBatch(start: Offset, end: Offset): Promise<SourceBatch> {
    const msgs = this.buffer.range(start as number, end as number)
    const n = msgs.length
    const qos = new Float64Array(n)
    const retained = new Uint8Array(n)
    const ts = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      qos[i] = msgs[i].qos
      retained[i] = msgs[i].retained ? 1 : 0
      ts[i] = msgs[i].receivedMs
    }
    const columns: Vector[] = [
      { kind: 'object', type: StringType, length: n, values: msgs.map((m) => m.topic) },
      { kind: 'object', type: BinaryType, length: n, values: msgs.map((m) => m.payload) },
      { kind: 'number', type: IntType, length: n, values: qos, validity: null },
      { kind: 'bool', type: BooleanType, length: n, values: retained, validity: null },
      { kind: 'number', type: TimestampType, length: n, values: ts, validity: null },
    ]
    return { data: new ColumnarBatch(this.schema, columns, n) }
  }

  async commit(end: Offset): Promise<void> {
    const gone = this.buffer.commit(end as number)
    const tickets: AckTicket[] = []
    for (const m of gone) if (m.ack) tickets.push(m.ack)
    this.acks.release(tickets)
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    // Held acknowledgements are not sent: the broker keeps those messages for the next run.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.client.end(true, () => resolve()), 2000)
      this.client.end(false, () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  metrics(): Record<string, number | string> {
    return {
      deliveryGuarantee: this.guarantee,
      connected: this.client.connected ? 1 : 0,
      reconnections: this.reconnects,
      messagesReceived: this.buffer.receivedCount,
      messagesBuffered: this.buffer.bufferedCount,
      bytesBuffered: this.buffer.bufferedBytes,
      messagesDroppedBufferFull: this.droppedBufferFull,
      messagesAwaitingAck: this.acks.heldCount,
      acksSent: this.acks.sentCount,
      duplicatesDropped: this.duplicates,
      replayedFromEarlierRun: this.buffer.lost,
    }
  }
}

export const mqttSourceProvider: SourceProvider = {
  name: 'mqtt',
  knownOptions: SOURCE_OPTIONS,
  schemaOf(ctx) {
    readSourceOptions(ctx.options)
    if (ctx.userSchema) {
      throw new AnalysisError(
        `USER_SCHEMA_NOT_SUPPORTED: the mqtt source has a fixed schema (${MQTT_SCHEMA.simpleString()}). Remove .schema(...), and decode the payload with cast('string') or from_json.`,
        'USER_SCHEMA_NOT_SUPPORTED',
      )
    }
    if (!ctx.streaming) {
      throw new AnalysisError(
        "UNSUPPORTED_BATCH_SOURCE: the mqtt source is streaming only (a broker keeps no history to read as a table): use session.readStream.format('mqtt').",
        'UNSUPPORTED_BATCH_SOURCE',
      )
    }
    return MQTT_SCHEMA as Schema<unknown>
  },
  async createSource(ctx) {
    return MqttSource.open(readSourceOptions(ctx.options, defaultClientId(ctx.metadataDir)))
  },
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(MqttSource, (x) => ({ description: x.description }))
