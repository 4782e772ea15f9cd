/**
 * The `nats` sink: publishes each row to JetStream and waits for the stream's acks. Each
 * message carries the id `<sinkId>:<batchId>:<row>` (header Nats-Msg-Id), so when a batch
 * is written again after a restart, the stream drops the copies it has already stored,
 * as long as they are within its duplicate window (2 minutes unless configured).
 */
import { headers as natsHeaders } from '@nats-io/nats-core'
import { type ColumnarBatch, type Sink, type SinkProvider, showOnly, TributaryError } from '@tributary/core'
import { closeConnection, type JetStreamConnection, openConnection } from './connection.js'
import { ensureStreamOn, streamSpecFromOptions } from './ensure-stream.js'
import { readSinkOptions, SINK_OPTIONS } from './options.js'
import { type MessagePlan, planMessages } from './payload.js'
import { resolveSinkId } from './sink-id.js'

/** Publishes in flight at once: enough to hide the round trip, bounded so a big batch does not flood the client. */
const IN_FLIGHT = 256

export class JetStreamSink implements Sink {
  readonly description: string
  private published = 0
  private duplicates = 0

  constructor(
    private readonly conn: JetStreamConnection,
    private readonly plan: MessagePlan,
    readonly sinkId: string,
    target: string,
  ) {
    this.description = `JetStreamSink[${target}, payload=${plan.payloadFrom}, servers=${conn.where}]`
  }

  async addBatch(batchId: number, data: ColumnarBatch<unknown>): Promise<void> {
    const { js } = this.conn
    const publishRow = async (i: number) => {
      const subject = this.plan.subjectOf(data, i)
      if (subject == null || subject === '') {
        throw new TributaryError(
          `NATS_SUBJECT_REQUIRED: row ${i} of batch ${batchId} has no subject (its 'subject' column is null or empty). Filter such rows out, or set option 'subject'.`,
          'NATS_SUBJECT_REQUIRED',
        )
      }
      try {
        const h = natsHeaders()
        const rowHeaders = this.plan.headersOf(data, i)
        if (rowHeaders) for (const [k, v] of Object.entries(rowHeaders)) if (v != null) h.append(k, String(v))
        const ack = await js.publish(subject, this.plan.payloadOf(data, i), {
          msgID: `${this.sinkId}:${batchId}:${i}`,
          headers: h,
        })
        if (ack.duplicate) this.duplicates++
        else this.published++
      } catch (e) {
        throw publishError(e, subject, this.conn.where)
      }
    }
    for (let from = 0; from < data.numRows; from += IN_FLIGHT) {
      const to = Math.min(from + IN_FLIGHT, data.numRows)
      const acks: Promise<void>[] = []
      for (let i = from; i < to; i++) acks.push(publishRow(i))
      await Promise.all(acks)
    }
  }

  async stop(): Promise<void> {
    await closeConnection(this.conn)
  }

  metrics(): Record<string, number | string> {
    return { messagesPublished: this.published, duplicatesDropped: this.duplicates, sinkId: this.sinkId }
  }
}

function publishError(e: unknown, subject: string, where: string): TributaryError {
  const err = e as Error
  // The client reports "no responders" (no stream listens) as "jetstream is not enabled".
  if (err.name === 'JetStreamNotEnabled' || /no responders|not enabled/i.test(err.message)) {
    return new TributaryError(
      `NATS_NO_STREAM: no JetStream stream on ${where} stores subject '${subject}', so nothing acknowledged the message. Create a stream whose subjects include it (nats stream add --subjects '${subject}'), or publish to a subject of an existing stream.`,
      'NATS_NO_STREAM',
      { cause: e },
    )
  }
  return new TributaryError(
    `NATS_PUBLISH_FAILED: publishing to '${subject}' on ${where} failed (${err.message}). The batch is written again when the query restarts; copies within the stream's duplicate window are dropped.`,
    'NATS_PUBLISH_FAILED',
    { cause: e },
  )
}

export const natsSinkProvider: SinkProvider = {
  name: 'nats',
  knownOptions: SINK_OPTIONS,
  async createSink(ctx) {
    const options = readSinkOptions(ctx.options)
    const plan = planMessages(ctx.schema, options.subject, options.valueColumn)
    const streamSpec = streamSpecFromOptions(ctx.options, options.subject)
    const sinkId = await resolveSinkId(ctx, options.sinkId)
    const conn = await openConnection(options, ctx.options.owner)
    if (streamSpec) {
      try {
        await ensureStreamOn(conn, streamSpec, ctx.options.owner)
      } catch (e) {
        await closeConnection(conn)
        throw e
      }
    }
    return new JetStreamSink(
      conn,
      plan,
      sinkId,
      options.subject ? `subject=${options.subject}` : 'subject column',
    )
  },
}

export const jetstreamSinkProvider: SinkProvider = { ...natsSinkProvider, name: 'jetstream' }

// Holds clients and connection settings (passwords): printed, it shows its description only.
showOnly(JetStreamSink, (x) => ({ description: x.description }))
