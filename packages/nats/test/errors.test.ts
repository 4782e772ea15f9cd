import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { probeTcp, requireService } from '@tributary/testing'
import { afterAll, describe, expect, it } from 'vitest'
import '../src/index.js'
import { NATS_HOST, NATS_PORT, newSession, SERVERS, tempDir, testStream } from './helpers.js'

const check = await requireService('NATS JetStream', NATS_HOST, NATS_PORT)

const start = (options: Record<string, string | number>) =>
  newSession()
    .readStream.format('nats')
    .options(options)
    .load()
    .writeStream.format('memory')
    .queryName('q')
    .option('checkpointLocation', tempDir())
    .start()

describe('nats options', () => {
  it('refuses an unknown option with near matches', () => {
    expect(() =>
      newSession().readStream.format('nats').options({ stream: 'S', maxMessagePerTrigger: 5 }).load(),
    ).toThrow(/unknown option 'maxMessagePerTrigger'\. Did you mean 'maxMessagesPerTrigger'\?/)
  })

  it('asks for the stream', () => {
    expect(() => newSession().readStream.format('nats').load()).toThrow(
      /source 'nats': option 'stream' is required\. Name the JetStream stream to read/,
    )
  })

  it('refuses a starting position it cannot read, and half a login', () => {
    expect(() =>
      newSession().readStream.format('nats').options({ stream: 'S', startingPosition: 'yesterday' }).load(),
    ).toThrow(
      /option 'startingPosition' must be 'earliest', 'latest', a stream sequence number or an ISO-8601 timestamp/,
    )
    expect(() =>
      newSession().readStream.format('nats').options({ stream: 'S', user: 'alice' }).load(),
    ).toThrow(/options 'user' and 'password' go together; only 'user' is set/)
  })
})

describe.skipIf(!check.available)('nats connection errors', () => {
  it('names host and port of an unreachable server, never the password', async () => {
    const err = await start({
      servers: 'nats://127.0.0.1:1',
      stream: 'S',
      user: 'alice',
      password: 's3cret-pw',
    }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(
      /NATS_UNREACHABLE: cannot connect to NATS at 127\.0\.0\.1:1 \(.+\)\. Start the server \(nats-server -js\), or fix option 'servers'\./,
    )
    expect((err as Error).message).not.toContain('s3cret-pw')
  })

  it('strips credentials given inside the server URL', async () => {
    const err = (await start({ servers: 'nats://bob:hunter2@127.0.0.1:1', stream: 'S' }).catch(
      (e: Error) => e,
    )) as Error
    expect(err.message).toContain('127.0.0.1:1')
    expect(err.message).not.toContain('hunter2')
  })

  it('names a stream that does not exist and lists the ones that do', async () => {
    const s = await testStream()
    const err = (await start({ servers: SERVERS, stream: `${s.name}X` }).catch((e: Error) => e)) as Error
    expect(err.message).toMatch(
      new RegExp(
        `NATS_STREAM_NOT_FOUND: stream '${s.name}X' does not exist on 127\\.0\\.0\\.1:4222\\. Streams there: .*${s.name}`,
      ),
    )
  })

  it('refuses a subject filter outside the stream', async () => {
    const s = await testStream()
    const err = (await start({ servers: SERVERS, stream: s.name, subject: 'elsewhere.>' }).catch(
      (e: Error) => e,
    )) as Error
    expect(err.message).toMatch(
      new RegExp(
        `option 'subject' = 'elsewhere.>' is not within the subjects of stream '${s.name}' \\(${s.prefix}\\.>\\)`,
      ),
    )
  })
})

/** A server of our own that requires a password: the shared one has no authorization. */
const natsServerBinary = await new Promise<boolean>((resolve) => {
  const p = spawn('nats-server', ['--version'])
  p.on('error', () => resolve(false))
  p.on('exit', (code) => resolve(code === 0))
})

describe.skipIf(!natsServerBinary)('nats authorization', () => {
  const port = 14_000 + Math.floor(Math.random() * 1000)
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-nats-auth-'))
  const server = natsServerBinary
    ? spawn(
        'nats-server',
        ['-a', '127.0.0.1', '-p', String(port), '--user', 'alice', '--pass', 'right-pw', '-js', '-sd', dir],
        {
          stdio: 'ignore',
        },
      )
    : undefined
  afterAll(() => {
    server?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  it('says the login was refused, naming the options but not the secret', async () => {
    const until = Date.now() + 10_000
    while (!(await probeTcp('127.0.0.1', port, 200)) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100))
    const err = (await start({
      servers: `nats://127.0.0.1:${port}`,
      stream: 'S',
      user: 'alice',
      password: 'wrong-pw',
    }).catch((e: Error) => e)) as Error
    expect(err.message).toBe(
      `NATS_AUTH_FAILED: NATS at 127.0.0.1:${port} refused the login (credentials from option 'user'/'password'): Authorization Violation. Check the credentials, or the server's authorization settings.`,
    )
    const ok = (await start({
      servers: `nats://127.0.0.1:${port}`,
      stream: 'S',
      user: 'alice',
      password: 'right-pw',
    }).catch((e: Error) => e)) as Error
    // The login works; the stream is what is missing on this empty server.
    expect(ok.message).toMatch(/NATS_STREAM_NOT_FOUND/)
  })
})
