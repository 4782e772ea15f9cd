/**
 * A tiny Kafka-protocol broker on a local TCP port, for what the simulated cluster
 * (sim-cluster.ts) cannot show: the requests the real client (@platformatic/kafka) puts on
 * the wire. It speaks only the flexible versions of the few APIs a transactional producer
 * needs (ApiVersions, Metadata, FindCoordinator, InitProducerId, AddPartitionsToTxn,
 * Produce, EndTxn), keeps Kafka's producer-id/epoch rules for transactional ids, and records
 * every request. Not a Kafka: no logs, no fetch.
 */
import { createServer, type Server, type Socket } from 'node:net'

export const API = {
  Produce: 0,
  Metadata: 3,
  FindCoordinator: 10,
  ApiVersions: 18,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  EndTxn: 26,
} as const

/** Kafka's error codes used here. */
const INVALID_PRODUCER_ID_MAPPING = 49
const PRODUCER_FENCED = 90
const UNKNOWN_TOPIC_OR_PARTITION = 3

export interface WireRequest {
  readonly apiKey: number
  readonly apiVersion: number
  /** Decoded fields of the requests the tests look at. */
  readonly fields: Record<string, unknown>
}

class Out {
  private readonly parts: Buffer[] = []
  int8(v: number): this {
    const b = Buffer.alloc(1)
    b.writeInt8(v)
    return this.push(b)
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0)
  }
  int16(v: number): this {
    const b = Buffer.alloc(2)
    b.writeInt16BE(v)
    return this.push(b)
  }
  int32(v: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(v)
    return this.push(b)
  }
  int64(v: bigint): this {
    const b = Buffer.alloc(8)
    b.writeBigInt64BE(v)
    return this.push(b)
  }
  uvarint(v: number): this {
    const bytes: number[] = []
    do {
      let byte = v & 0x7f
      v >>>= 7
      if (v !== 0) byte |= 0x80
      bytes.push(byte)
    } while (v !== 0)
    return this.push(Buffer.from(bytes))
  }
  string(s: string | null): this {
    if (s === null) return this.uvarint(0)
    const b = Buffer.from(s, 'utf8')
    return this.uvarint(b.length + 1).push(b)
  }
  array<T>(items: readonly T[], each: (o: Out, item: T) => void): this {
    this.uvarint(items.length + 1)
    for (const item of items) each(this, item)
    return this
  }
  tags(): this {
    return this.uvarint(0)
  }
  raw(b: Buffer): this {
    return this.push(b)
  }
  private push(b: Buffer): this {
    this.parts.push(b)
    return this
  }
  done(): Buffer {
    return Buffer.concat(this.parts)
  }
}

class In {
  constructor(
    private readonly b: Buffer,
    public pos = 0,
  ) {}
  int8(): number {
    return this.b.readInt8(this.pos++)
  }
  int16(): number {
    const v = this.b.readInt16BE(this.pos)
    this.pos += 2
    return v
  }
  int32(): number {
    const v = this.b.readInt32BE(this.pos)
    this.pos += 4
    return v
  }
  int64(): bigint {
    const v = this.b.readBigInt64BE(this.pos)
    this.pos += 8
    return v
  }
  uvarint(): number {
    let v = 0
    let shift = 0
    for (;;) {
      const byte = this.b[this.pos++]
      v |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return v >>> 0
      shift += 7
    }
  }
  string(): string | null {
    const n = this.uvarint()
    if (n === 0) return null
    const s = this.b.toString('utf8', this.pos, this.pos + n - 1)
    this.pos += n - 1
    return s
  }
  array<T>(each: (i: In) => T): T[] | null {
    const n = this.uvarint()
    if (n === 0) return null
    return Array.from({ length: n - 1 }, () => each(this))
  }
  skipTags(): void {
    const n = this.uvarint()
    for (let i = 0; i < n; i++) {
      this.uvarint()
      this.pos += this.uvarint()
    }
  }
}

interface TxnState {
  producerId: bigint
  epoch: number
}

export interface WireBrokerOptions {
  /** Topics and their partition counts. */
  readonly topics?: Record<string, number>
  /** Highest AddPartitionsToTxn version offered (Kafka 3.6+ offers 4 and 5). */
  readonly addPartitionsMaxVersion?: number
  /** Replaces the whole answer frame (after its size) to an API, e.g. with garbage. */
  readonly rawAnswer?: (apiKey: number, correlationId: number) => Buffer | undefined
}

export class WireBroker {
  readonly requests: WireRequest[] = []
  private readonly txns = new Map<string, TxnState>()
  private nextProducerId = 1000n
  private readonly sockets = new Set<Socket>()
  private server: Server | undefined
  port = 0

  constructor(private readonly options: WireBrokerOptions = {}) {}

  async start(): Promise<this> {
    this.server = createServer((socket) => this.serve(socket))
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.port = (this.server.address() as { port: number }).port
    return this
  }

  get address(): string {
    return `127.0.0.1:${this.port}`
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()))
  }

  /** The producer id and epoch the coordinator holds for a transactional id. */
  txn(id: string): TxnState | undefined {
    return this.txns.get(id)
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => {})
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0)
        if (pending.length < 4 + size) return
        const frame = pending.subarray(4, 4 + size)
        pending = pending.subarray(4 + size)
        this.handle(socket, frame)
      }
    })
  }

  private handle(socket: Socket, frame: Buffer): void {
    const r = new In(frame)
    const apiKey = r.int16()
    const apiVersion = r.int16()
    const correlationId = r.int32()
    const clientIdLength = r.int16()
    if (clientIdLength > 0) r.pos += clientIdLength
    // Every request here is flexible except ApiVersions below v3; the client sends v3.
    r.skipTags()
    const fields: Record<string, unknown> = {}
    const raw = this.options.rawAnswer?.(apiKey, correlationId)
    if (raw) {
      this.requests.push({ apiKey, apiVersion, fields })
      socket.write(Buffer.concat([new Out().int32(raw.length).done(), raw]))
      return
    }
    const body = this.answer(apiKey, apiVersion, r, fields)
    this.requests.push({ apiKey, apiVersion, fields })
    // ApiVersions answers with the v0 response header (no tags), as Kafka does.
    const header = new Out().int32(correlationId)
    if (apiKey !== API.ApiVersions) header.tags()
    const payload = Buffer.concat([header.done(), body])
    socket.write(Buffer.concat([new Out().int32(payload.length).done(), payload]))
  }

  private answer(apiKey: number, version: number, r: In, fields: Record<string, unknown>): Buffer {
    switch (apiKey) {
      case API.ApiVersions: {
        const offered: [number, number, number][] = [
          [API.Produce, 9, 9],
          [API.Metadata, 12, 12],
          [API.FindCoordinator, 4, 4],
          [API.ApiVersions, 3, 3],
          [API.InitProducerId, 3, 5],
          [API.AddPartitionsToTxn, 0, this.options.addPartitionsMaxVersion ?? 5],
          [API.EndTxn, 3, 3],
        ]
        return new Out()
          .int16(0)
          .array(offered, (o, [key, min, max]) => o.int16(key).int16(min).int16(max).tags())
          .int32(0)
          .tags()
          .done()
      }
      case API.Metadata: {
        const asked = r.array((i) => {
          i.pos += 16
          const name = i.string()
          i.skipTags()
          return name ?? ''
        })
        const known = this.options.topics ?? {}
        const names = asked ?? Object.keys(known)
        fields.topics = names
        return new Out()
          .int32(0)
          .array([0], (o) => o.int32(1).string('127.0.0.1').int32(this.port).string(null).tags())
          .string('wire-broker')
          .int32(1)
          .array(names, (o, name) => {
            const n = known[name]
            o.int16(n === undefined ? UNKNOWN_TOPIC_OR_PARTITION : 0)
              .string(name)
              .raw(Buffer.alloc(16, 1))
              .bool(false)
              .array(
                Array.from({ length: n ?? 0 }, (_, p) => p),
                (o, p) =>
                  o
                    .int16(0)
                    .int32(p)
                    .int32(1)
                    .int32(0)
                    .array([1], (o, id) => o.int32(id))
                    .array([1], (o, id) => o.int32(id))
                    .array([] as number[], (o, id) => o.int32(id))
                    .tags(),
              )
              .int32(0)
              .tags()
          })
          .tags()
          .done()
      }
      case API.FindCoordinator: {
        r.int8()
        const keys = r.array((i) => i.string() ?? '') ?? []
        return new Out()
          .int32(0)
          .array(keys, (o, key) =>
            o.string(key).int32(1).string('127.0.0.1').int32(this.port).int16(0).string(null).tags(),
          )
          .tags()
          .done()
      }
      case API.InitProducerId: {
        const transactionalId = r.string()
        const timeoutMs = r.int32()
        const producerId = r.int64()
        const producerEpoch = r.int16()
        Object.assign(fields, { transactionalId, timeoutMs, producerId, producerEpoch })
        const error = (code: number) => new Out().int32(0).int16(code).int64(-1n).int16(-1).tags().done()
        if (transactionalId === null) {
          return new Out()
            .int32(0)
            .int16(0)
            .int64(this.nextProducerId++)
            .int16(0)
            .tags()
            .done()
        }
        const state = this.txns.get(transactionalId)
        // Kafka's rule: a producer id given by the client must be the one the coordinator has.
        if (producerId !== -1n && (!state || state.producerId !== producerId)) {
          return error(INVALID_PRODUCER_ID_MAPPING)
        }
        if (producerId !== -1n && state && producerEpoch !== state.epoch) return error(PRODUCER_FENCED)
        const next = state
          ? { producerId: state.producerId, epoch: state.epoch + 1 }
          : { producerId: this.nextProducerId++, epoch: 0 }
        this.txns.set(transactionalId, next)
        return new Out().int32(0).int16(0).int64(next.producerId).int16(next.epoch).tags().done()
      }
      case API.AddPartitionsToTxn: {
        let transactionalId: string | null
        let producerId: bigint
        let epoch: number
        let topics: { name: string; partitions: number[] }[]
        const readTopics = (i: In) =>
          i.array((t) => {
            const name = t.string() ?? ''
            const partitions = t.array((p) => p.int32()) ?? []
            t.skipTags()
            return { name, partitions }
          }) ?? []
        if (version <= 3) {
          transactionalId = r.string()
          producerId = r.int64()
          epoch = r.int16()
          topics = readTopics(r)
        } else {
          const txns = r.array((t) => {
            const id = t.string()
            const pid = t.int64()
            const e = t.int16()
            t.int8()
            return { id, pid, e, topics: readTopics(t) }
          })!
          transactionalId = txns[0].id
          producerId = txns[0].pid
          epoch = txns[0].e
          topics = txns[0].topics
        }
        Object.assign(fields, { transactionalId, producerId, epoch, topics })
        const state = this.txns.get(transactionalId ?? '')
        const code = state && state.producerId === producerId && state.epoch === epoch ? 0 : PRODUCER_FENCED
        const results = (o: Out) =>
          o.array(topics, (o, t) =>
            o
              .string(t.name)
              .array(t.partitions, (o, p) => o.int32(p).int16(code).tags())
              .tags(),
          )
        if (version <= 3) return results(new Out().int32(0)).tags().done()
        // The v4+ (broker-to-broker) form: one result per transaction.
        return new Out()
          .int32(0)
          .int16(0)
          .array([transactionalId], (o, id) => {
            o.string(id)
            results(o)
            o.tags()
          })
          .tags()
          .done()
      }
      case API.Produce: {
        r.string()
        r.int16()
        r.int32()
        const topics =
          r.array((t) => {
            const name = t.string() ?? ''
            const partitions =
              t.array((p) => {
                const index = p.int32()
                const n = p.uvarint()
                if (n > 0) p.pos += n - 1
                p.skipTags()
                return index
              }) ?? []
            t.skipTags()
            return { name, partitions }
          }) ?? []
        fields.topics = topics
        return new Out()
          .array(topics, (o, t) =>
            o
              .string(t.name)
              .array(t.partitions, (o, p) =>
                o
                  .int32(p)
                  .int16(0)
                  .int64(0n)
                  .int64(-1n)
                  .int64(0n)
                  .array([] as number[], () => {})
                  .string(null)
                  .tags(),
              )
              .tags(),
          )
          .int32(0)
          .tags()
          .done()
      }
      case API.EndTxn: {
        const transactionalId = r.string() ?? ''
        const producerId = r.int64()
        const epoch = r.int16()
        const committed = r.int8() === 1
        Object.assign(fields, { transactionalId, producerId, epoch, committed })
        const state = this.txns.get(transactionalId)
        const code = state && state.producerId === producerId && state.epoch === epoch ? 0 : PRODUCER_FENCED
        return new Out().int32(0).int16(code).tags().done()
      }
      default:
        return Buffer.alloc(0)
    }
  }
}
