/**
 * @platformatic/kafka's errors (trees of MultipleErrors, NetworkError, ProtocolError) turned
 * into one message that names the brokers, the cause and the fix. Credentials never appear:
 * messages are built from broker addresses and the server's error names only.
 */
import { TributaryError } from '@tributary/core'
import type { KafkaClientConfig } from '../adapter.js'
import { takeUnreadableAnswer } from './harden-client.js'

interface ErrorNode {
  readonly message?: string
  readonly code?: unknown
  readonly apiId?: unknown
  readonly serverErrorMessage?: unknown
  readonly errors?: readonly unknown[]
  readonly cause?: unknown
}

/** Every error in the tree, depth first. */
export function errorLeaves(e: unknown, depth = 0, out: ErrorNode[] = []): ErrorNode[] {
  if (!e || typeof e !== 'object' || depth > 8) return out
  const node = e as ErrorNode
  out.push(node)
  for (const child of node.errors ?? []) errorLeaves(child, depth + 1, out)
  if (node.cause) errorLeaves(node.cause, depth + 1, out)
  return out
}

const AUTHORIZATION = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
])
const AUTHENTICATION = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
])

/** Whether the tree holds a server error with this name (e.g. OFFSET_OUT_OF_RANGE). */
export const hasApiError = (e: unknown, id: string): boolean => errorLeaves(e).some((n) => n.apiId === id)

export function translateError(e: unknown, config: KafkaClientConfig, doing: string): TributaryError {
  if (e instanceof TributaryError) return e
  const nodes = errorLeaves(e)
  const servers = config.bootstrapServers.join(',')
  const mechanism = (config.properties['sasl.mechanism'] ?? 'PLAIN').toUpperCase()
  const auth = nodes.find((n) => n.code === 'PLT_KFK_AUTHENTICATION' || AUTHENTICATION.has(String(n.apiId)))
  if (auth) {
    const server =
      typeof auth.serverErrorMessage === 'string' && auth.serverErrorMessage
        ? `: ${auth.serverErrorMessage}`
        : ''
    return new TributaryError(
      `KAFKA_AUTH_FAILED: the Kafka brokers (${servers}) refused SASL ${mechanism} authentication while ${doing}${server}. Check 'kafka.sasl.mechanism' and the credentials in 'kafka.sasl.username'/'kafka.sasl.password' (or 'kafka.sasl.jaas.config').`,
      'KAFKA_AUTH_FAILED',
      { cause: e },
    )
  }
  const denied = nodes.find((n) => AUTHORIZATION.has(String(n.apiId)))
  if (denied) {
    return new TributaryError(
      `KAFKA_NOT_AUTHORIZED: the Kafka brokers (${servers}) answered ${String(denied.apiId)} while ${doing}. Grant this principal the ACLs it needs (read/describe on the topics; write for a sink; the transactional id and group if used).`,
      'KAFKA_NOT_AUTHORIZED',
      { cause: e },
    )
  }
  const unreadable = takeUnreadableAnswer(config)
  if (unreadable) {
    return new TributaryError(
      `KAFKA_ERROR: Kafka failed while ${doing}: a broker (${servers}) sent an answer the client cannot read (${unreadable.message}), so its connection was closed. Check that the address is a Kafka broker of a supported version (3.5 or later).`,
      'KAFKA_ERROR',
      { cause: unreadable },
    )
  }
  const network = nodes.filter((n) => n.code === 'PLT_KFK_NETWORK' || n.code === 'PLT_KFK_TIMEOUT')
  if (network.length > 0) {
    const causes = new Map<string, string>()
    for (const n of network) {
      const where = /to ([^ ]+:\d+)/.exec(n.message ?? '')?.[1] ?? servers
      const sys = errorLeaves(n.cause).find(
        (c) => typeof c.code === 'string' && !String(c.code).startsWith('PLT_KFK'),
      )
      causes.set(
        where,
        sys ? String(sys.code) : n.code === 'PLT_KFK_TIMEOUT' ? 'timed out' : (n.message ?? 'failed'),
      )
    }
    const list = [...causes].map(([where, why]) => `${where}: ${why}`).join('; ')
    return new TributaryError(
      `KAFKA_CONNECT_FAILED: cannot reach the Kafka brokers while ${doing} (${list}). Start Kafka there, or fix 'kafka.bootstrap.servers'${config.properties['security.protocol'] ? " and 'kafka.security.protocol'" : ''}.`,
      'KAFKA_CONNECT_FAILED',
      { cause: e },
    )
  }
  const server = nodes.find((n) => typeof n.apiId === 'string')
  const detail = server
    ? `${String(server.apiId)}${server.serverErrorMessage ? ` (${String(server.serverErrorMessage)})` : ''}`
    : ((e as Error)?.message ?? String(e))
  return new TributaryError(`KAFKA_ERROR: Kafka failed while ${doing}: ${detail}.`, 'KAFKA_ERROR', {
    cause: e,
  })
}
