/** Shared helpers for the MQTT tests: sessions, folders and a plain client to publish with. */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Session, type StreamingQuery } from '@tributary/core'
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt'
import { afterEach } from 'vitest'

export const BROKER = 'mqtt://127.0.0.1:1883'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

export function onCleanup(fn: () => void | Promise<void>): void {
  cleanups.push(fn)
}

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-mqtt-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function newSession(): Session {
  const s = Session.builder().appName('mqtt-test').create()
  onCleanup(() => s.stop())
  return s
}

/** A topic prefix no other test (or earlier run) uses. */
export const uniquePrefix = (): string => `tributary-test/${randomUUID().slice(0, 8)}`

export async function client(options: IClientOptions = {}): Promise<MqttClient> {
  const c = await connectAsync(BROKER, { reconnectPeriod: 0, ...options })
  onCleanup(() => c.endAsync())
  return c
}

export async function publish(
  c: MqttClient,
  topic: string,
  payloads: readonly string[],
  opts: { qos?: 0 | 1; retain?: boolean } = {},
): Promise<void> {
  for (const p of payloads)
    await c.publishAsync(topic, p, { qos: opts.qos ?? 1, retain: opts.retain ?? false })
}

/** Removes a persistent session the test left on the broker. */
export async function dropSession(clientId: string): Promise<void> {
  const c = await connectAsync(BROKER, {
    clientId,
    clean: true,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: 0 },
    reconnectPeriod: 0,
  })
  await c.endAsync()
}

export type Row = Record<string, unknown>

/** Messages travel asynchronously: run triggers until the table has `n` rows. */
export async function untilRows(
  q: StreamingQuery,
  session: Session,
  table: string,
  n: number,
): Promise<Row[]> {
  const until = Date.now() + 10_000
  for (;;) {
    await q.processAllAvailable()
    const rows = (await session.table(table).collect()) as Row[]
    if (rows.length >= n) return rows
    if (Date.now() > until)
      throw new Error(`timed out with ${rows.length} of ${n} rows: ${JSON.stringify(rows)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const text = (b: unknown): string => new TextDecoder().decode(b as Uint8Array)

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
