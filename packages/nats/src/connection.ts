/**
 * Connecting to NATS with errors that say what to do: the server that did not answer
 * (host and port, never credentials), a refused login (which option, never its value),
 * a server without JetStream.
 */
import { readFile } from 'node:fs/promises'
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { credsAuthenticator, type NatsConnection } from '@nats-io/nats-core'
import { connect } from '@nats-io/transport-node'
import { OptionError, TributaryError } from '@tributary/core'
import type { ConnectionOptions } from './options.js'

export interface JetStreamConnection {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  /** `host:port` of each server, for messages. */
  readonly where: string
}

/** `host:port` of a server URL, without user or password. */
export function hostPort(server: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(server) ? server : `nats://${server}`
  try {
    const u = new URL(withScheme)
    return `${u.hostname}:${u.port || '4222'}`
  } catch {
    // Not a URL we can read: strip anything up to '@' so that credentials never show.
    return server.replace(/^.*@/, '')
  }
}

export const describeServers = (servers: readonly string[]): string => servers.map(hostPort).join(', ')

function authOption(o: ConnectionOptions): string {
  if (o.user !== undefined) return "'user'/'password'"
  if (o.token !== undefined) return "'token'"
  if (o.creds !== undefined) return "'creds'"
  return 'none given'
}

/** What the client reported, without anything that could carry a secret. */
function reason(e: unknown): string {
  const err = e as Error & { code?: string; cause?: { code?: string; message?: string } }
  return err.cause?.code ?? err.code ?? err.message
}

export async function openConnection(o: ConnectionOptions, owner: string): Promise<JetStreamConnection> {
  const where = describeServers(o.servers)
  let authenticator: ReturnType<typeof credsAuthenticator> | undefined
  if (o.creds !== undefined) {
    let bytes: Uint8Array
    try {
      bytes = await readFile(o.creds)
    } catch (e) {
      throw new OptionError(
        `${owner}: cannot read the credentials file named by option 'creds' (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}). Give the path of a .creds file (nsc generate creds).`,
        'INVALID_OPTION',
      )
    }
    authenticator = credsAuthenticator(bytes)
  }
  let nc: NatsConnection
  try {
    nc = await connect({
      servers: [...o.servers],
      user: o.user,
      pass: o.password,
      token: o.token,
      authenticator,
      name: 'tributary',
      timeout: 10_000,
    })
  } catch (e) {
    const name = (e as Error).name
    if (name === 'AuthorizationError' || /authori[sz]ation/i.test((e as Error).message)) {
      throw new TributaryError(
        `NATS_AUTH_FAILED: NATS at ${where} refused the login (credentials from option ${authOption(o)}): Authorization Violation. Check the credentials, or the server's authorization settings.`,
        'NATS_AUTH_FAILED',
      )
    }
    throw new TributaryError(
      `NATS_UNREACHABLE: cannot connect to NATS at ${where} (${reason(e)}). Start the server (nats-server -js), or fix option 'servers'.`,
      'NATS_UNREACHABLE',
    )
  }
  try {
    const jsm = await jetstreamManager(nc)
    return { nc, js: jetstream(nc), jsm, where }
  } catch (e) {
    await nc.close().catch(() => {})
    throw new TributaryError(
      `NATS_JETSTREAM_UNAVAILABLE: NATS at ${where} does not answer JetStream requests (${reason(e)}). Start the server with JetStream enabled (nats-server -js), or check that this account may use JetStream.`,
      'NATS_JETSTREAM_UNAVAILABLE',
    )
  }
}

/** Closes quietly: a stop must not fail because the server went away. */
export async function closeConnection(c: JetStreamConnection | undefined): Promise<void> {
  if (!c || c.nc.isClosed()) return
  await c.nc.close().catch(() => {})
}
