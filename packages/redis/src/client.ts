/**
 * Connecting to Redis with errors that say what to do: the server that did not answer
 * (host and port, never the password), a refused login (which option, never its value).
 * Once connected, a lost connection is retried for a few seconds before commands fail.
 */
import { TributaryError } from '@tributary/core'
import { createClient } from 'redis'
import type { ConnectionOptions } from './options.js'

/** Reconnect attempts after a connection that worked is lost; about 15 s in all. */
const RECONNECT_ATTEMPTS = 10

/** `host:port` of a Redis URL, without user or password. */
export function hostPort(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || '6379'}`
  } catch {
    return url.replace(/^.*@/, '')
  }
}

function loginFrom(o: ConnectionOptions): string {
  const inUrl = (() => {
    try {
      return new URL(o.url).password !== ''
    } catch {
      return false
    }
  })()
  if (o.password !== undefined)
    return o.username !== undefined ? "options 'username'/'password'" : "option 'password'"
  return inUrl ? "the password in option 'url'" : 'none given'
}

const isAuthError = (e: unknown): boolean =>
  /WRONGPASS|NOAUTH|NOPERM|invalid password|AUTH.*(failed|called)/i.test((e as Error).message)

/** A command failed: what Redis said, with host and port. */
export function commandError(e: unknown, what: string, where: string): TributaryError {
  if (e instanceof TributaryError) return e
  return new TributaryError(
    `REDIS_COMMAND_FAILED: ${what} on Redis at ${where} failed (${(e as Error).message}). Check that the server is up; the query can be restarted from its checkpoint.`,
    'REDIS_COMMAND_FAILED',
    { cause: e },
  )
}

function newClient(o: ConnectionOptions, isConnected: () => boolean) {
  return createClient({
    url: o.url,
    username: o.username,
    password: o.password,
    RESP: 2,
    socket: {
      connectTimeout: 10_000,
      // The first connection fails at once with a clear error; later ones are retried a while.
      reconnectStrategy: (retries: number) =>
        !isConnected()
          ? false
          : retries >= RECONNECT_ATTEMPTS
            ? new Error(`gave up reconnecting after ${retries} attempts`)
            : Math.min(100 * 2 ** retries, 2000),
    },
  })
}

export type RedisClient = ReturnType<typeof newClient>

export interface Connection {
  readonly client: RedisClient
  /** `host:port`, for messages. */
  readonly where: string
}

export async function openConnection(o: ConnectionOptions): Promise<Connection> {
  const where = hostPort(o.url)
  let connected = false
  const client = newClient(o, () => connected)
  // Without a listener an 'error' event would end the process; failures reach callers through their commands.
  client.on('error', () => {})
  try {
    await client.connect()
    connected = true
  } catch (e) {
    client.destroy()
    if (isAuthError(e)) {
      throw new TributaryError(
        `REDIS_AUTH_FAILED: Redis at ${where} refused the login (credentials from ${loginFrom(o)}): ${(e as Error).message.split(/[.\n]/)[0]}. Check the username and password, or the server's ACL.`,
        'REDIS_AUTH_FAILED',
      )
    }
    const err = e as Error & { code?: string }
    throw new TributaryError(
      `REDIS_UNREACHABLE: cannot connect to Redis at ${where} (${err.code ?? err.message}). Start the server (redis-server), or fix option 'url'.`,
      'REDIS_UNREACHABLE',
    )
  }
  return { client, where }
}

export async function closeConnection(c: Connection | undefined): Promise<void> {
  if (!c?.client.isOpen) return
  try {
    await c.client.close()
  } catch {
    c.client.destroy()
  }
}
