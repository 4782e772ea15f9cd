import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryStream, type QueryTerminatedEvent, schema } from '../../src/index.js'
import { LogSettings } from '../../src/observe/log-settings.js'
import { type LogFields, type Logger, StreamLogger } from '../../src/observe/logger.js'
import { redact } from '../../src/observe/redact.js'
import { newSession, tempDir } from '../helpers.js'

const coreSrc = fileURLToPath(new URL('../../src/index.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
const events = schema({ id: 'long' })

interface Line {
  level: string
  message: string
  fields?: LogFields
}

/** A winston-shaped logger that keeps what it is given. */
function recorder(): Logger & { lines: Line[] } {
  const lines: Line[] = []
  const at = (level: string) => (message: string, fields?: LogFields) =>
    lines.push({ level, message, fields })
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

function runScript(
  code: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const dir = tempDir()
  const file = path.join(dir, 'script.mts')
  writeFileSync(file, code)
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete childEnv.VITEST
  delete childEnv.NODE_ENV
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, env: childEnv })
    let stderr = ''
    let stdout = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.on('close', (c) => resolve({ code: c, stderr, stdout }))
  })
}

describe('logging', () => {
  it('a query nobody awaits that fails is printed on stderr by default, with its code and cause', async () => {
    // Issue #13 §6: foreachBatch threw at batch 1, nothing was printed, the process exited 0.
    const { code, stderr, stdout } = await runScript(
      `import { MemoryStream, Session, schema } from ${JSON.stringify(coreSrc)}
const session = Session.builder().create()
const input = new MemoryStream(session, schema({ id: 'long' }))
let seen = null
session.streams.addListener({ onQueryTerminated: (e) => { seen = e } })
const q = await input.toDF().writeStream.foreachBatch((_df, id) => { if (id === 1) throw new Error('warehouse is down') }).queryName('orders').start()
input.addData([{ id: 1 }])
await new Promise((r) => setTimeout(r, 300))
input.addData([{ id: 2 }])
await new Promise((r) => setTimeout(r, 300))
console.log('EVENT ' + JSON.stringify(seen))
`,
      {},
    )
    expect(stderr).toMatch(/INFO +query 'orders' started/)
    expect(stderr).toMatch(/INFO +query 'orders' batch 0: 1 rows in/)
    const failure = stderr.split('\n').find((l) => l.includes('failed'))
    expect(failure, stderr).toMatch(
      /ERROR query 'orders' failed \[STREAMING_QUERY_FAILED\]: warehouse is down \(nobody awaits/,
    )
    const event = JSON.parse(stdout.split('EVENT ')[1]) as QueryTerminatedEvent
    expect(event.exception).toMatch(/Query orders \[id = .*\] terminated with exception: warehouse is down/)
    expect(event.errorClassOnException).toBe('STREAMING_QUERY_FAILED')
    // ...and the process does not exit 0 as if all went well.
    expect(failure).toMatch(/the process will exit with code 1/)
    expect(code, stderr).toBe(1)
  })

  it('the exit code stays 0 when the failure reached a caller of awaitTermination()', async () => {
    const failing = (
      tail: string,
    ) => `import { MemoryStream, Session, schema } from ${JSON.stringify(coreSrc)}
const session = Session.builder().create()
const input = new MemoryStream(session, schema({ id: 'long' }))
const q = await input.toDF().writeStream.foreachBatch(() => { throw new Error('warehouse is down') }).queryName('orders').start()
input.addData([{ id: 1 }])
${tail}
`
    const awaited = await runScript(
      failing(`await q.awaitTermination().catch((e) => console.log('CAUGHT ' + e.message))`),
      {},
    )
    expect(awaited.stdout).toMatch(/CAUGHT .*warehouse is down/)
    expect(awaited.stderr).toMatch(/WARN +query 'orders' failed/)
    expect(awaited.code, awaited.stderr).toBe(0)
  })

  it('TRIBUTARY_LOG=off prints nothing, TRIBUTARY_LOG_FORMAT=json prints one JSON object per line', async () => {
    const script = `import { MemoryStream, Session, schema } from ${JSON.stringify(coreSrc)}
const session = Session.builder().create()
const input = new MemoryStream(session, schema({ id: 'long' }))
const q = await input.toDF().writeStream.format('memory').queryName('j').start()
input.addData([{ id: 1 }, { id: 2 }])
await q.processAllAvailable()
await q.stop()
`
    const off = await runScript(script, { TRIBUTARY_LOG: 'off' })
    expect(off.stderr).toBe('')
    const json = await runScript(script, { TRIBUTARY_LOG_FORMAT: 'json', TRIBUTARY_LOG: 'debug' })
    const lines = json.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    // Outside a test runner the first streaming query starts the dashboard and says where.
    expect(lines[0]).toMatchObject({
      level: 'info',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
    })
    expect(lines[0].msg).toMatch(/^dashboard at http:\/\/127\.0\.0\.1:\d+\/ /)
    expect(lines[1]).toMatchObject({ level: 'info', query: 'j', trigger: 'processingTime' })
    expect(lines[1].msg).toMatch(
      /^query 'j' started \(id [-0-9a-f]{36}, run [-0-9a-f]{36}, trigger processingTime, append mode, checkpoint \(temporary\)\)$/,
    )
    const batch = lines.find((l) => l.batchId === 0)!
    expect(batch).toMatchObject({ level: 'info', query: 'j', inputRows: 2, outputRows: 2 })
    expect(batch.msg).toBe(`query 'j' batch 0: 2 rows in, 2 out, ${batch.durationMs} ms`)
    expect(lines[lines.length - 1]).toMatchObject({
      level: 'info',
      msg: "query 'j' stopped after 1 batch",
    })
  })

  it("a failure someone awaits is logged at warn; the message names the query's id once when it has no name", async () => {
    const session = newSession()
    const log = recorder()
    session.useLogger(log)
    session.conf.set('tributary.log.level', 'info')
    const input = new MemoryStream(session, events)
    const q = await input
      .toDF()
      .writeStream.foreachBatch(() => {
        throw new Error('boom')
      })
      .start()
    input.addData([{ id: 1 }])
    await expect(q.awaitTermination()).rejects.toThrow(/boom/)
    const message = q.exception!.message
    expect(message.split(q.id)).toHaveLength(2)
    expect(message).toMatch(/^Query \[id = [^\]]+, runId = [^\]]+\] terminated with exception: boom$/)
    const failure = log.lines.find((l) => l.message.includes('failed'))!
    expect(failure.level).toBe('warn')
    expect(failure.message).toBe(`query ${q.id.slice(0, 8)} failed [STREAMING_QUERY_FAILED]: boom`)
    expect(failure.fields).toMatchObject({ code: 'STREAMING_QUERY_FAILED', queryId: q.id })
  })

  it('batch summaries follow tributary.log.batchLevel; state growth and watermark lines are emitted', async () => {
    const session = newSession({ 'tributary.log.level': 'debug', 'tributary.log.batchLevel': 'debug' })
    const log = recorder()
    session.useLogger(log)
    const timed = schema({ id: 'long', ts: 'timestamp' })
    const input = new MemoryStream(session, timed)
    const q = await input
      .toDF()
      .withWatermark('ts', '1 second')
      .dropDuplicates(['id'])
      .writeStream.format('memory')
      .queryName('d')
      .start()
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ id: i, ts: new Date(1_000 * (i % 5)) }))
    input.addData(rows)
    await q.processAllAvailable()
    input.addData([{ id: 20_000, ts: new Date(60_000) }])
    await q.processAllAvailable()
    await q.stop()
    const messages = log.lines.map((l) => `${l.level} ${l.message}`)
    const batch0 = log.lines.find((l) => l.fields?.batchId === 0 && l.message.includes('rows in'))!
    expect(`${batch0.level} ${batch0.message}`).toBe(
      `debug query 'd' batch 0: 12000 rows in, 12000 out, ${batch0.fields?.durationMs} ms (12000 state rows)`,
    )
    expect(messages.some((m) => /^info query 'd' state grew to 12000 rows/.test(m))).toBe(true)
    expect(messages.some((m) => /^debug query 'd' watermark moved to 1970-01-01T00:00:59.000Z/.test(m))).toBe(
      true,
    )
  })

  it('adapts a pino-shaped logger (fields first) and refuses a wrong level with the values allowed', () => {
    const calls: unknown[][] = []
    const pinoLike = {
      bindings: () => ({}),
      debug: (...a: unknown[]) => calls.push(['debug', ...a]),
      info: (...a: unknown[]) => calls.push(['info', ...a]),
      warn: (...a: unknown[]) => calls.push(['warn', ...a]),
      error: (...a: unknown[]) => calls.push(['error', ...a]),
    }
    const settings = new LogSettings()
    settings.use(pinoLike)
    const log = settings.logger(() => 'warn', {})
    log.log('info', 'dropped')
    log.log('error', 'kept postgres://app:hunter2@db:5432/x', { url: 'redis://:s3cret@cache:6379' })
    expect(calls).toEqual([
      ['error', { url: 'redis://:***@cache:6379' }, 'kept postgres://app:***@db:5432/x'],
    ])
    expect(() => settings.level(() => 'verbose')).toThrow(
      /tributary.log.level is 'verbose'. Use one of debug, info, warn, error, off/,
    )
    expect(settings.level(() => undefined, { TRIBUTARY_LOG: 'WARN' })).toBe('warn')
    expect(settings.level(() => undefined, { VITEST: 'true' })).toBe('error')
    expect(settings.level(() => undefined, {})).toBe('info')
  })

  it('the default logger writes one line per event: the message as text, or JSON with the fields', () => {
    const out: string[] = []
    const logger = new StreamLogger('text', { write: (c) => out.push(c) }, () => new Date(0))
    logger.warn('slow sink', { batchId: 3, sink: 'file sink', nested: { a: 1 } })
    expect(out).toEqual(['1970-01-01T00:00:00.000Z WARN  slow sink\n'])
    const json = new StreamLogger('json', { write: (c) => out.push(c) }, () => new Date(0))
    json.info('batch', { batchId: 3, nested: { a: 1 } })
    expect(JSON.parse(out[1])).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'batch',
      batchId: 3,
      nested: { a: 1 },
    })
  })

  it('property: no password survives redaction, in URLs or key=value pairs', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_.!~*()-]{4,24}$/)
    fc.assert(
      fc.property(secret, fc.constantFrom('postgres', 'redis', 'nats', 'mqtt', 'amqp'), (pw, scheme) => {
        const text = `connect ${scheme}://user:${pw}@host:1/db and password=${pw}; token: ${pw}`
        expect(redact(text)).not.toContain(pw)
      }),
    )
  })

  it('emits onQueryIdle once per idle period, not on every empty poll', async () => {
    const session = newSession()
    const idle: number[] = []
    let progress = 0
    session.streams.addListener({
      onQueryIdle: () => idle.push(progress),
      onQueryProgress: () => {
        progress++
      },
    })
    const input = new MemoryStream(session, events)
    const q = await input.toDF().writeStream.format('memory').queryName('idle').start()
    await new Promise((r) => setTimeout(r, 150))
    input.addData([{ id: 1 }])
    await q.processAllAvailable()
    await new Promise((r) => setTimeout(r, 150))
    await q.stop()
    // Polls run every 10 ms: without the throttle there would be dozens of events.
    expect(idle).toEqual([0, 1])
  })

  it('a listener that throws is logged at warn and the query goes on', async () => {
    const session = newSession({ 'tributary.log.level': 'warn' })
    const log = recorder()
    session.useLogger(log)
    session.streams.addListener({
      onQueryProgress: () => {
        throw new Error('dashboard client gone')
      },
    })
    const input = new MemoryStream(session, events)
    const q = await input.toDF().writeStream.format('memory').queryName('l').start()
    input.addData([{ id: 1 }])
    await q.processAllAvailable()
    expect(q.isActive).toBe(true)
    await q.stop()
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      "a StreamingQueryListener's onQueryProgress threw: dashboard client gone; the query goes on",
    ])
  })
})
