/**
 * Holding each QoS 1 PUBACK until the micro-batch that read the message is committed, so a
 * broker with a persistent session sends the message again if the query stops or crashes
 * first: at least once instead of at most once.
 *
 * Why a private hook: mqtt.js 5.16 has no manual-acknowledgement API. Its two public hooks,
 * `customHandleAcks` (MQTT 5 only) and `handleMessage`, stop the client from reading any
 * further packet until they call back, so deferring them until a commit lets one message per
 * batch through and stalls keep-alive answers. The PUBACK itself leaves through the client's
 * `_sendPacket`; holding it there delays the acknowledgement without stalling the reader.
 * The package pins mqtt 5.16.0 exactly, and `install` checks that the hook exists: without
 * it, acknowledgements go out on receipt (at most once) and the source reports so.
 *
 * Packet ids belong to the session. A reconnection that resumes the session (sessionPresent)
 * keeps held ids valid, and the broker resends their messages, which `hold` recognizes as
 * duplicates. A reconnection to a new session makes every held id meaningless: they are
 * dropped, and `epoch` keeps an old ticket from acknowledging a new message that reuses its id.
 */
import type { IConnackPacket, MqttClient, Packet } from 'mqtt'

type SendPacket = (packet: Packet, cb?: (error?: Error) => void, ...rest: unknown[]) => void

/** What `release` needs to acknowledge one message later. */
export interface AckTicket {
  readonly messageId: number
  readonly epoch: number
}

export class DeferredAcks {
  private readonly held = new Set<number>()
  /** Released while disconnected; sent when the same session resumes. */
  private releasedOffline: number[] = []
  private epoch = 0
  private sent = 0

  private constructor(
    private readonly client: MqttClient,
    private readonly send: SendPacket | null,
  ) {
    client.on('connect', (connack: IConnackPacket) => this.onConnect(connack))
  }

  /** Takes over the client's PUBACKs; call before the client connects. */
  static install(client: MqttClient): DeferredAcks {
    const internals = client as unknown as { _sendPacket?: SendPacket }
    const original = internals._sendPacket
    if (typeof original !== 'function') return new DeferredAcks(client, null)
    const acks = new DeferredAcks(client, original.bind(client))
    internals._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && acks.held.has(packet.messageId)) {
        // The client waits for this callback before it reads the next packet.
        cb?.()
        return
      }
      original.call(client, packet, cb, ...rest)
    }
    return acks
  }

  /** False when this mqtt.js has no hook to hold acknowledgements: they go out on receipt. */
  get active(): boolean {
    return this.send !== null
  }

  get heldCount(): number {
    return this.held.size
  }

  get sentCount(): number {
    return this.sent
  }

  /**
   * Holds the PUBACK of a QoS 1 message. 'duplicate' when its id is already held: the broker
   * resent a message this run has (after a reconnection), so it must not be read twice.
   */
  hold(messageId: number): AckTicket | 'duplicate' | null {
    if (!this.send) return null
    if (this.held.has(messageId)) return 'duplicate'
    this.held.add(messageId)
    return { messageId, epoch: this.epoch }
  }

  /** Acknowledges the messages of a committed batch. */
  release(tickets: readonly AckTicket[]): void {
    for (const t of tickets) {
      if (t.epoch !== this.epoch || !this.held.has(t.messageId)) continue
      if (this.client.connected) this.sendAck(t.messageId)
      else this.releasedOffline.push(t.messageId)
    }
  }

  private sendAck(messageId: number): void {
    this.held.delete(messageId)
    this.sent++
    this.send!({ cmd: 'puback', messageId, reasonCode: 0 } as Packet)
  }

  private onConnect(connack: IConnackPacket): void {
    if (connack.sessionPresent) {
      const ids = this.releasedOffline
      this.releasedOffline = []
      for (const id of ids) if (this.held.has(id)) this.sendAck(id)
      return
    }
    this.held.clear()
    this.releasedOffline = []
    this.epoch++
  }
}
