/**
 * The `mqtt` sink: one message per row. With QoS 1 a batch counts as written only when the
 * broker has acknowledged every message of it, so a batch is never marked committed with
 * messages still in doubt. MQTT has no way to recognize a message sent twice, so a batch
 * replayed after a crash is published again: at least once.
 */

import type { ColumnarBatch, Sink, SinkProvider } from '@tributary/core'
import { showOnly } from '@tributary/core'
import type { MqttClient } from 'mqtt'
import { openClient } from './connect.js'
import { type MqttSinkConfig, readSinkOptions, SINK_OPTIONS } from './sink-options.js'
import { outgoingMessages, type RowLayout, rowLayout } from './sink-rows.js'

const RECONNECT_PERIOD_MS = 1000

export class MqttSink implements Sink {
  readonly description: string
  private published = 0
  private stopped = false

  constructor(
    private readonly client: MqttClient,
    private readonly config: MqttSinkConfig,
    private readonly layout: RowLayout,
  ) {
    const target = typeof layout.topic === 'string' ? layout.topic : 'column topic'
    this.description = `MqttSink[${config.connection.brokerUrl} ${target} qos=${config.qos}]`
    client.on('error', (e) => {
      if (!this.stopped) console.warn(`[tributary] mqtt sink (${config.connection.address}): ${e.message}`)
    })
  }

  /** How many publishes may wait for a PUBACK at once: ours, capped by what the broker accepts. */
  private window(): number {
    const brokerMax =
      this.client.options.protocolVersion === 5 ? this.client.serverProperties?.receiveMaximum : undefined
    return Math.max(1, Math.min(this.config.maxInflight, brokerMax ?? 65535))
  }

  async addBatch(_batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    const messages = outgoingMessages(data, this.layout)
    const { qos, retain } = this.config
    let next = 0
    const worker = async () => {
      while (next < messages.length) {
        const m = messages[next++]
        // publishAsync settles on PUBACK for QoS 1, and once written for QoS 0.
        await this.client.publishAsync(m.topic, m.payload, { qos, retain })
        this.published++
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.window(), messages.length) }, worker))
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.client.end(true, () => resolve()), 5000)
      this.client.end(false, () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  metrics(): Record<string, number> {
    return { messagesPublished: this.published }
  }
}

export const mqttSinkProvider: SinkProvider = {
  name: 'mqtt',
  knownOptions: SINK_OPTIONS,
  async createSink(ctx) {
    const config = readSinkOptions(ctx.options)
    // Checked before connecting, so that a wrong schema is reported without a broker.
    const layout = rowLayout(ctx.schema, config.topic)
    const { client } = await openClient('the mqtt sink', config.connection)
    client.options.reconnectPeriod = RECONNECT_PERIOD_MS
    return new MqttSink(client, config, layout)
  },
}

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(MqttSink, (x) => ({ description: x.description }))
