/**
 * `npm run bench -- batchcost [--rate N] [--seconds S] [--configs a,b,...]`
 *
 * The engine's fixed cost per micro-batch, measured where it shows: a stream of `--rate`
 * rows per second (10 000 by default, pushed every 2 ms into a MemoryStream) through a small stateless query
 * (`where(value % 10 < 5)`, `value * 2`) into `foreachBatch` that does nothing, for
 * `--seconds` of wall time. With the default trigger a batch starts as soon as the previous
 * one ends and rows are there, so at a modest rate each batch holds a few rows and the
 * checkpoint's two fsynced log writes per batch (offsets before, commit after) dominate.
 *
 * Each configuration runs in a process of its own and reports the CPU it used (user +
 * system, after the query started) as a share of one core and per row, the batches and
 * the mean rows per batch:
 * - `trigger0`: the default trigger (processingTime 0), checkpoint fsynced;
 * - `trigger100ms` / `trigger1s`: `trigger({ processingTime: ... })`;
 * - `nofsync`: the default trigger with `tributary.checkpoint.fsync=false`;
 * - `nofsync100ms`: both.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { col, MemoryStream, Session, schema } from '@tributary/core'

const CONFIGS = {
  trigger0: { trigger: undefined, conf: {} },
  trigger100ms: { trigger: '100 milliseconds', conf: {} },
  trigger1s: { trigger: '1 second', conf: {} },
  nofsync: { trigger: undefined, conf: { 'tributary.checkpoint.fsync': 'false' } },
  nofsync100ms: { trigger: '100 milliseconds', conf: { 'tributary.checkpoint.fsync': 'false' } },
} as const
type Config = keyof typeof CONFIGS

interface Result {
  readonly config: Config
  readonly cpuS: number
  readonly wallS: number
  readonly rows: number
  readonly batches: number
}

const MARK = '@@batchcost '

async function child(config: Config, rate: number, seconds: number): Promise<Result> {
  const { trigger, conf } = CONFIGS[config]
  const b = Session.builder().appName(`batchcost-${config}`)
  for (const [k, v] of Object.entries(conf)) b.config(k, v)
  const session = b.create()
  const checkpoint = await mkdtemp(path.join(os.tmpdir(), 'tributary-batchcost-'))
  let rows = 0
  let batches = 0
  session.streams.addListener({
    onQueryProgress: (e) => {
      if (e.progress.numInputRows > 0) batches++
      rows += e.progress.numInputRows
    },
  })
  try {
    // Rows pushed as they arrive (every 2 ms, as many as the clock says are due), as a
    // socket, Kafka or MQTT source hands them over; the rate source releases whole seconds.
    const input = new MemoryStream(session, schema({ timestamp: 'timestamp', value: 'long' }))
    let sent = 0
    const startMs = Date.now()
    const feeder = setInterval(() => {
      const due = Math.floor(((Date.now() - startMs) / 1000) * rate)
      if (due <= sent) return
      const rows = []
      for (let v = sent; v < due; v++) rows.push({ timestamp: new Date(), value: v })
      sent = due
      input.addData(rows)
    }, 2)
    const df = input
      .toDF()
      .where(col('value').mod(10).lt(5))
      .select(col('timestamp'), col('value').multiply(2).alias('twice'))
    let w = df.writeStream.foreachBatch(() => {}).option('checkpointLocation', checkpoint)
    if (trigger) w = w.trigger({ processingTime: trigger })
    const q = await w.start()
    // Let the first batches (and the JIT) settle before the clock starts.
    await new Promise((r) => setTimeout(r, 2000))
    const rows0 = rows
    const batches0 = batches
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    const cpu = process.cpuUsage(cpu0)
    const wallS = (performance.now() - t0) / 1000
    clearInterval(feeder)
    const result = {
      config,
      cpuS: (cpu.user + cpu.system) / 1e6,
      wallS,
      rows: rows - rows0,
      batches: batches - batches0,
    }
    await q.stop()
    return result
  } finally {
    await session.stop()
    await rm(checkpoint, { recursive: true, force: true })
  }
}

function runChild(config: Config, rate: number, seconds: number): Promise<Result> {
  const self = fileURLToPath(import.meta.url)
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [...process.execArgv, self, '--child', config, '--rate', String(rate), '--seconds', String(seconds)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    p.stdout.setEncoding('utf8')
    p.stdout.on('data', (d: string) => {
      out += d
    })
    p.on('error', reject)
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARK))
      if (!line) reject(new Error(`${config}: exited with ${code} and no result\n${out.slice(-1000)}`))
      else resolve(JSON.parse(line.slice(MARK.length)) as Result)
    })
  })
}

export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      rate: { type: 'string' },
      seconds: { type: 'string' },
      configs: { type: 'string' },
      child: { type: 'string' },
    },
  })
  const rate = Number(values.rate ?? 10_000)
  const seconds = Number(values.seconds ?? 15)
  if (values.child) {
    const r = await child(values.child as Config, rate, seconds)
    process.stdout.write(`${MARK}${JSON.stringify(r)}\n`)
    return
  }
  const configs = (values.configs?.split(',') ?? Object.keys(CONFIGS)) as Config[]
  for (const c of configs)
    if (!(c in CONFIGS)) throw new Error(`unknown config '${c}'; configs: ${Object.keys(CONFIGS).join(', ')}`)
  console.log(
    `batchcost: ${rate} rows/s for ${seconds} s per configuration, ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}`,
  )
  console.log(
    '| configuration | share of a core | µs CPU per row | batches/s | rows per batch | load average |',
  )
  console.log('|---|---|---|---|---|---|')
  for (const c of configs) {
    const r = await runChild(c, rate, seconds)
    const load = os.loadavg()[0].toFixed(1)
    console.log(
      `| ${c} | ${(r.cpuS / r.wallS).toFixed(2)} | ${((r.cpuS / Math.max(1, r.rows)) * 1e6).toFixed(1)} | ${(r.batches / r.wallS).toFixed(1)} | ${(r.rows / Math.max(1, r.batches)).toFixed(0)} | ${load} |`,
    )
  }
}

// Run directly as a child process.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2))
}
