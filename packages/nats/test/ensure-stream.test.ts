/**
 * Creating the target stream (issue #17): the sink's `createStream` option and the
 * `ensureStream` helper create a missing stream with the subjects, retention and windows
 * given, leave an existing one as it is, and name the cause when the server refuses.
 * Against the real NATS server; each test's streams are deleted after it.
 */
import { randomUUID } from 'node:crypto'
import { jetstreamManager } from '@nats-io/jetstream'
import { nanos } from '@nats-io/nats-core'
import { connect } from '@nats-io/transport-node'
import { MemoryStream, OptionError, schema } from '@tributary/core'
import { requireService } from '@tributary/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureStream } from '../src/index.js'
import { NATS_HOST, NATS_PORT, newSession, SERVERS, tempDir } from './helpers.js'

const check = await requireService('NATS JetStream', NATS_HOST, NATS_PORT)

const created: string[] = []
afterEach(async () => {
  if (created.length === 0) return
  const nc = await connect({ servers: SERVERS })
  const jsm = await jetstreamManager(nc)
  for (const name of created.splice(0)) await jsm.streams.delete(name).catch(() => {})
  await nc.close()
})

function fresh() {
  const name = `C_${randomUUID().replace(/-/g, '').slice(0, 16)}`
  created.push(name)
  return { name, prefix: name.toLowerCase() }
}

async function info(name: string) {
  const nc = await connect({ servers: SERVERS })
  try {
    return await (await jetstreamManager(nc)).streams.info(name)
  } finally {
    await nc.close()
  }
}

describe.skipIf(!check.available)('creating the target stream', () => {
  it('the sink option creates a missing stream and publishes into it', async () => {
    const { name, prefix } = fresh()
    const session = newSession()
    const input = new MemoryStream(session, schema({ id: 'long' }))
    const q = await input
      .toDF()
      .writeStream.format('nats')
      .options({
        servers: SERVERS,
        subject: `${prefix}.alerts`,
        createStream: name,
        streamSubjects: `${prefix}.>`,
        streamRetention: 'workqueue',
        streamMaxAge: '1 day',
        streamDuplicateWindow: '30 minutes',
      })
      .option('checkpointLocation', tempDir())
      .start()
    input.addData([{ id: 1 }, { id: 2 }])
    await q.processAllAvailable()
    await q.stop()
    const i = await info(name)
    expect(i.config.subjects).toEqual([`${prefix}.>`])
    expect(i.config.retention).toBe('workqueue')
    expect(i.config.max_age).toBe(nanos(86_400_000))
    expect(i.config.duplicate_window).toBe(nanos(30 * 60_000))
    expect(i.state.messages).toBe(2)
  })

  it('ensureStream creates once, then leaves the stream as it is', async () => {
    const { name, prefix } = fresh()
    expect(await ensureStream({ servers: SERVERS }, { name, subjects: [`${prefix}.>`] })).toBe('created')
    const first = await info(name)
    expect(first.config.retention).toBe('limits')
    expect(first.config.duplicate_window).toBe(nanos(10 * 60_000))
    expect(
      await ensureStream({ servers: SERVERS }, { name, subjects: [`${prefix}.>`], retention: 'interest' }),
    ).toBe('exists')
    expect((await info(name)).config.retention).toBe('limits')
  })

  it('names the cause when the subjects overlap another stream', async () => {
    const a = fresh()
    const b = fresh()
    await ensureStream({ servers: SERVERS }, { name: a.name, subjects: [`${a.prefix}.>`] })
    await expect(
      ensureStream({ servers: SERVERS }, { name: b.name, subjects: [`${a.prefix}.x`] }),
    ).rejects.toThrow(
      /NATS_CREATE_STREAM_FAILED: creating stream '.*' \(subjects .*\) on 127\.0\.0\.1:4222 failed: .*overlap/,
    )
  })

  it('asks for the subjects when neither streamSubjects nor subject is given', async () => {
    const { name } = fresh()
    const session = newSession()
    const input = new MemoryStream(session, schema({ subject: 'string', id: 'long' }))
    const start = () =>
      input
        .toDF()
        .writeStream.format('nats')
        .options({ servers: SERVERS, createStream: name })
        .option('checkpointLocation', tempDir())
        .start()
    await expect(start()).rejects.toThrow(OptionError)
    await expect(start()).rejects.toThrow(/streamSubjects/)
  })
})
