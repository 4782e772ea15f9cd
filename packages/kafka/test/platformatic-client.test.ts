/**
 * The real client (@platformatic/kafka) where no broker is needed: a closed port. The rest
 * of the real-client path runs in integration.test.ts when TRIBUTARY_KAFKA_BROKERS is set.
 */
import { createServer } from 'node:net'
import '@tributary/kafka'
import { MemoryStream, schema } from '@tributary/core'
import { describe, expect, it } from 'vitest'
import { newSession, tempDir } from './helpers.js'

/** A port that refuses connections: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

describe('@platformatic/kafka client without a broker', () => {
  it('a source fails start() naming the broker address and the system error', async () => {
    const port = await closedPort()
    const session = newSession()
    const df = session.readStream
      .format('kafka')
      .options({
        'kafka.bootstrap.servers': `127.0.0.1:${port}`,
        subscribe: 't',
        'kafka.retries': 0,
        'kafka.security.protocol': 'SASL_PLAINTEXT',
        'kafka.sasl.username': 'alice',
        'kafka.sasl.password': 'hunter2',
      })
      .load()
    const start = df.writeStream
      .format('memory')
      .queryName('q')
      .option('checkpointLocation', tempDir())
      .start()
    await expect(start).rejects.toThrow(
      `KAFKA_CONNECT_FAILED: cannot reach the Kafka brokers while listing topics (127.0.0.1:${port}: ECONNREFUSED)`,
    )
    await start.catch((e: Error) => expect(e.message).not.toContain('hunter2'))
  })

  it('a sink fails start() the same way', async () => {
    const port = await closedPort()
    const session = newSession()
    const input = new MemoryStream(session, schema({ value: 'string' }))
    await expect(
      input
        .toDF()
        .writeStream.format('kafka')
        .options({ 'kafka.bootstrap.servers': `127.0.0.1:${port}`, topic: 't', 'kafka.retries': 0 })
        .option('checkpointLocation', tempDir())
        .start(),
    ).rejects.toThrow(/KAFKA_CONNECT_FAILED: .*127\.0\.0\.1:\d+: ECONNREFUSED/)
  })

  it('a batch read fails the same way', async () => {
    const port = await closedPort()
    const df = newSession()
      .read.format('kafka')
      .options({ 'kafka.bootstrap.servers': `127.0.0.1:${port}`, subscribe: 't', 'kafka.retries': 0 })
      .load()
    await expect(df.collect()).rejects.toThrow(/KAFKA_CONNECT_FAILED/)
  })
})
