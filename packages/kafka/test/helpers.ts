/** Shared helpers for the Kafka tests: sessions, folders, and queries over a simulated cluster. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { type DataFrame, Session, type StreamingQuery } from '@tributary/core'

type OptionValue = string | number | boolean

import { afterEach } from 'vitest'
import { createKafkaSinkProvider, createKafkaSourceProvider } from '../src/index.js'
import type { SimCluster } from './sim-cluster.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

export function onCleanup(fn: () => void | Promise<void>): void {
  cleanups.push(fn)
}

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-kafka-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function newSession(): Session {
  const s = Session.builder().appName('kafka-test').create()
  onCleanup(() => s.stop())
  return s
}

export type Row = Record<string, unknown>

export const BOOTSTRAP = { 'kafka.bootstrap.servers': 'sim:9092' }

export interface SimContext {
  readonly cluster: SimCluster
  readonly warnings: string[]
  /** The source's clock (maxTriggerDelay), moved by tests. */
  time: number
}

export function simSource(ctx: SimContext) {
  return createKafkaSourceProvider({
    connector: ctx.cluster,
    now: () => ctx.time,
    warn: (m) => ctx.warnings.push(m),
  })
}

export function simSink(ctx: SimContext) {
  return createKafkaSinkProvider({ connector: ctx.cluster })
}

export function context(cluster: SimCluster): SimContext {
  return { cluster, warnings: [], time: 1_000_000 }
}

export function stream(session: Session, ctx: SimContext, options: Record<string, OptionValue>): DataFrame {
  return session.readStream
    .format(simSource(ctx))
    .options({ ...BOOTSTRAP, ...options })
    .load() as DataFrame
}

export function batchRead(
  session: Session,
  ctx: SimContext,
  options: Record<string, OptionValue>,
): DataFrame {
  return session.read
    .format(simSource(ctx))
    .options({ ...BOOTSTRAP, ...options })
    .load() as DataFrame
}

/** Starts a memory-sink query over `df` with a checkpoint. */
export function toMemory(df: DataFrame, name: string, checkpoint: string): Promise<StreamingQuery> {
  return df.writeStream.format('memory').queryName(name).option('checkpointLocation', checkpoint).start()
}

const dec = new TextDecoder()
export const str = (b: unknown): string | null => (b == null ? null : dec.decode(b as Uint8Array))

/** `topic-partition@offset=value` of each row, for compact assertions. */
export const brief = (rows: readonly Row[]): string[] =>
  rows.map((r) => `${r.topic}-${r.partition}@${r.offset}=${str(r.value)}`)

export async function table(session: Session, name: string): Promise<Row[]> {
  return (await session.table(name).collect()) as Row[]
}

export const inputRows = (q: StreamingQuery): number[] => q.recentProgress.map((p) => p.numInputRows)
