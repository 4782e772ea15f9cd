/** Test helpers: keys of its own per test on the local Redis (deleted after), sessions and folders that clean up. */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { Session } from '@tributary/core'
import { createClient } from 'redis'
import { afterEach } from 'vitest'

export const REDIS_HOST = '127.0.0.1'
export const REDIS_PORT = 6379
export const URL = `redis://${REDIS_HOST}:${REDIS_PORT}`

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-redis-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function newSession(): Session {
  const s = Session.builder().appName('redis-test').create()
  cleanups.push(() => s.stop())
  return s
}

const newClient = () => createClient({ url: URL })
export type Redis = ReturnType<typeof newClient>

export interface TestKeys {
  readonly redis: Redis
  /** A key unique to this test: `<prefix><name>`. */
  key(name: string): string
  readonly prefix: string
  /** Every entry of a stream (none when it does not exist). */
  entries(stream: string): Promise<{ id: string; message: Record<string, string> }[]>
  /** XADD each entry, returning the ids. */
  add(stream: string, entries: readonly Record<string, string>[], id?: string): Promise<string[]>
}

/** A client and a key prefix for this test; every key under the prefix is deleted after it. */
export async function testKeys(): Promise<TestKeys> {
  const redis = newClient()
  await redis.connect()
  const prefix = `tributary-test:${randomUUID().slice(0, 8)}:`
  cleanups.push(async () => {
    const keys: string[] = []
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch)
    if (keys.length > 0) await redis.del(keys)
    await redis.close()
  })
  return {
    redis,
    prefix,
    key: (name) => `${prefix}${name}`,
    entries: async (stream) => (await redis.xRange(stream, '-', '+')) ?? [],
    async add(stream, entries, id = '*') {
      const ids: string[] = []
      for (const e of entries) ids.push(await redis.xAdd(stream, id, e))
      return ids
    },
  }
}

export type Row = Record<string, unknown>
