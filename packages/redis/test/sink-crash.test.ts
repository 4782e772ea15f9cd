/**
 * The redis stream sink across a real crash (issue #17: 63 duplicate alerts after one
 * kill -9): the query process is SIGKILLed after batch 2 is in Redis but before its commit,
 * then restarted on the same checkpoint, which replays batch 2. By default the sink
 * recognizes the replay and every alert is in the stream once; with `recordBatches: false`
 * the same crash duplicates batch 2, which shows that the test can see duplicates.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { requireService } from '@tributary/testing'
import { describe, expect, it } from 'vitest'
import { REDIS_HOST, REDIS_PORT, URL as REDIS_URL, tempDir, testKeys } from './helpers.js'

const check = await requireService('Redis', REDIS_HOST, REDIS_PORT)
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const CHUNKS = 5

function run(stream: string, checkpoint: string, preload: number, options: object, killPoint?: string) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
    const env = { ...process.env, TRIBUTARY_TEST_KILL_POINT: killPoint ?? '' }
    const p = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        child,
        REDIS_URL,
        stream,
        checkpoint,
        String(CHUNKS),
        String(preload),
        JSON.stringify(options),
      ],
      { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    p.stdout.on('data', (d) => {
      out += d
    })
    p.stderr.on('data', (d) => {
      out += d
    })
    p.on('exit', (code, signal) => resolve({ code, signal, out }))
  })
}

async function crashAndRestart(options: object) {
  const t = await testKeys()
  const stream = t.key('alerts')
  const checkpoint = tempDir()
  const killed = await run(stream, checkpoint, 0, options, 'afterSink:2')
  expect(killed.signal, killed.out).toBe('SIGKILL')
  const restarted = await run(stream, checkpoint, CHUNKS, options)
  expect(restarted.code, restarted.out).toBe(0)
  return (await t.entries(stream)).map((e) => Number(e.message.alert))
}

describe.skipIf(!check.available)('redis stream sink, killed between write and commit', () => {
  it('writes every alert once after the restart replays the batch', async () => {
    const alerts = await crashAndRestart({})
    expect(alerts).toEqual(Array.from({ length: CHUNKS * 10 }, (_, i) => i))
  })

  it('with recordBatches false, the replay duplicates the batch (at least once)', async () => {
    const alerts = await crashAndRestart({ recordBatches: 'false' })
    expect(alerts.length).toBe(CHUNKS * 10 + 10)
    expect(alerts.filter((a) => a >= 20 && a < 30).length).toBe(20)
  })
})
