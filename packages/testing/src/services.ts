/**
 * Integration tests talk to real servers. A test whose server is unreachable is skipped
 * with the reason printed, unless TRIBUTARY_REQUIRE_SERVICES=1 (CI), where it fails.
 */
import { Socket } from 'node:net'

export interface ServiceCheck {
  readonly available: boolean
  /** Why the service cannot be used, for the skip message. */
  readonly reason: string
}

/** Whether a TCP server answers at host:port within the timeout. */
export function probeTcp(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(port, host, () => done(true))
  })
}

export const servicesRequired = (): boolean => process.env.TRIBUTARY_REQUIRE_SERVICES === '1'

/**
 * Checks that a service answers. Use with `describe.skipIf(!check.available)`. When the
 * service is missing it prints why; with TRIBUTARY_REQUIRE_SERVICES=1 it throws instead.
 */
export async function requireService(name: string, host: string, port: number): Promise<ServiceCheck> {
  if (await probeTcp(host, port)) return { available: true, reason: '' }
  const reason = `${name} is not reachable at ${host}:${port}`
  if (servicesRequired()) {
    throw new Error(
      `${reason}, and TRIBUTARY_REQUIRE_SERVICES=1 requires it. Start the server, or unset the variable to skip.`,
    )
  }
  console.warn(
    `[skipped] ${reason}: its integration tests are skipped. Set TRIBUTARY_REQUIRE_SERVICES=1 to make this an error.`,
  )
  return { available: false, reason }
}
