/**
 * Two guards put on every @platformatic/kafka client Tributary creates (`hardenClient`).
 *
 * Protocol versions: AddPartitionsToTxn v4 and later are the broker-to-broker (batched,
 * verify-only) form of KIP-890. Kafka 3.6+ advertises them, but a client must stop at v3, as
 * the Java client does. @platformatic/kafka picks the highest version both sides know, so the
 * list of versions the broker offers is trimmed, once per client.
 *
 * Broken answers: the client parses responses inside its socket's 'data' handler. A frame it
 * cannot even start to read (and any exception its callbacks throw there) escapes as an
 * uncaught exception and ends the process, even with `retries: 0`. The handler is wrapped so
 * that such an exception closes that connection with the error instead: pending requests then
 * fail, and the query fails with a KAFKA_ error like any other broker failure.
 */
import type { Socket } from 'node:net'
import { type Base, kListApis } from '@platformatic/kafka'

const CLIENT_MAX_VERSIONS: ReadonlyMap<string, number> = new Map([['AddPartitionsToTxn', 3]])

interface ApiVersion {
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
}

type ListApis = (callback: (error: Error | null, apis?: ApiVersion[]) => void) => void

export function capVersions(apis: readonly ApiVersion[]): ApiVersion[] {
  return apis.map((api) => {
    const cap = CLIENT_MAX_VERSIONS.get(api.name)
    return cap === undefined || api.maxVersion <= cap
      ? api
      : { ...api, maxVersion: Math.max(api.minVersion, cap) }
  })
}

/**
 * The last unreadable answer per client configuration: the client fails its pending requests
 * with a bare "Connection closed", so errors.ts looks here to report the real cause.
 */
const unreadable = new WeakMap<object, Error>()

/** The unreadable answer that closed a connection of a client made from `config`, once. */
export function takeUnreadableAnswer(config: object): Error | undefined {
  const e = unreadable.get(config)
  unreadable.delete(config)
  return e
}

const GUARDED = Symbol('tributary.guardedSocket')

/** Re-registers the socket's 'data' listeners so that what they throw destroys the socket. */
function guardSocket(socket: Socket & { [GUARDED]?: true }, config: object): void {
  if (socket[GUARDED]) return
  socket[GUARDED] = true
  for (const listener of socket.listeners('data') as ((chunk: Buffer) => void)[]) {
    socket.off('data', listener)
    socket.on('data', (chunk: Buffer) => {
      try {
        listener(chunk)
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e))
        unreadable.set(config, error)
        socket.destroy(error)
      }
    })
  }
}

/** `config` is the configuration the client was made from (see takeUnreadableAnswer). */
export function hardenClient<C extends Base>(client: C, config: object): C {
  const target = client as unknown as Record<symbol, ListApis>
  const list = target[kListApis].bind(client)
  target[kListApis] = (callback) => list((error, apis) => callback(error, apis ? capVersions(apis) : apis))
  client.on('client:broker:connect', (payload: { connection?: { socket?: Socket } }) => {
    const socket = payload?.connection?.socket
    if (socket) guardSocket(socket, config)
  })
  return client
}
