/** Test helpers: a stream of its own per test on the local NATS server, sessions and folders that clean up. */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { type JetStreamManager, jetstream, jetstreamManager, type StreamConfig } from '@nats-io/jetstream'
import { type NatsConnection, headers as natsHeaders } from '@nats-io/nats-core'
import { connect } from '@nats-io/transport-node'
import { Session } from '@tributary/core'
import { afterEach } from 'vitest'

export const NATS_HOST = '127.0.0.1'
export const NATS_PORT = 4222
export const SERVERS = `nats://${NATS_HOST}:${NATS_PORT}`

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-nats-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function newSession(): Session {
  const s = Session.builder().appName('nats-test').create()
  cleanups.push(() => s.stop())
  return s
}

export interface TestStream {
  readonly name: string
  /** The stream's subjects are `<prefix>.>`. */
  readonly prefix: string
  readonly jsm: JetStreamManager
  readonly nc: NatsConnection
  /** Publishes and returns the stream sequences. */
  publish(subject: string, payloads: readonly string[], headers?: Record<string, string>): Promise<number[]>
  /** Every stored message: subject and payload text, in sequence order. */
  stored(): Promise<{ seq: number; subject: string; data: string; msgId: string | undefined }[]>
}

/** A stream named uniquely for this test, deleted after it. */
export async function testStream(config: Partial<StreamConfig> = {}): Promise<TestStream> {
  const nc = await connect({ servers: SERVERS })
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  const name = `T_${randomUUID().replace(/-/g, '').slice(0, 16)}`
  const prefix = name.toLowerCase()
  await jsm.streams.add({ name, subjects: [`${prefix}.>`], ...config })
  cleanups.push(async () => {
    await jsm.streams.delete(name).catch(() => {})
    await nc.close()
  })
  const encoder = new TextEncoder()
  return {
    name,
    prefix,
    jsm,
    nc,
    async publish(subject, payloads, headers) {
      const seqs: number[] = []
      for (const p of payloads) {
        let h: ReturnType<typeof natsHeaders> | undefined
        if (headers) {
          h = natsHeaders()
          for (const [k, v] of Object.entries(headers)) h.append(k, v)
        }
        seqs.push((await js.publish(subject, encoder.encode(p), h ? { headers: h } : undefined)).seq)
      }
      return seqs
    },
    async stored() {
      const info = await jsm.streams.info(name)
      const out: { seq: number; subject: string; data: string; msgId: string | undefined }[] = []
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(name, { seq })
        if (m)
          out.push({
            seq,
            subject: m.subject,
            data: m.string(),
            msgId: m.header?.get('Nats-Msg-Id') || undefined,
          })
      }
      return out
    },
  }
}

export type Row = Record<string, unknown>

/** Payloads of rows as text. */
export const texts = (rows: readonly Row[]): string[] =>
  rows.map((r) => new TextDecoder().decode(r.data as Uint8Array))
