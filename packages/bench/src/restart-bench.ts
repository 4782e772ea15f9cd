/**
 * `npm run bench -- restart [--batches 100,1000,5000]`: does a restart take as long after
 * many batches as after few? For each count N, two queries run N micro-batches (one small
 * JSON file each) and stop: a file ETL (JSON files → JSON files) and a windowed count with a
 * watermark. Then one more file arrives and each query is started again on its checkpoint;
 * the table shows the time from start() to that batch's commit (and the CPU time this
 * process spent in it, which a loaded machine inflates less), the checkpoint's size and
 * file count, and the sink log's files, against N. A flat restart column is the goal.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { col, type DataFrame, functions as F, Session, type StreamingQuery, schema } from '@tributary/core'
import { diskUsage } from './disk-usage.js'

const events = schema({ ts: 'timestamp', user: 'string', ms: 'double' })
type Event = { ts: Date; user: string; ms: number }

function writeEventFile(dir: string, i: number): void {
  const row = {
    ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    user: `u${i % 13}`,
    ms: i % 1000,
  }
  writeFileSync(path.join(dir, `f${String(i).padStart(8, '0')}.json`), `${JSON.stringify(row)}\n`)
}

interface Scenario {
  readonly name: string
  start(session: Session, input: string, root: string): Promise<StreamingQuery>
}

const read = (session: Session, input: string): DataFrame<Event> =>
  session.readStream.format('json').schema(events).option('maxFilesPerTrigger', 1).load(input)

const scenarios: Scenario[] = [
  {
    name: 'file → file',
    start: (session, input, root) =>
      read(session, input)
        .where(col('ms').geq(0))
        .select('ts', 'user', 'ms')
        .writeStream.format('json')
        .option('checkpointLocation', path.join(root, 'ckpt-etl'))
        .start(path.join(root, 'out')),
  },
  {
    name: 'windowed count',
    start: (session, input, root) =>
      read(session, input)
        .withWatermark('ts', '1 minute')
        .groupBy(F.window('ts', '5 minutes'), col('user'))
        .agg(F.count().alias('n'))
        .writeStream.outputMode('update')
        .option('checkpointLocation', path.join(root, 'ckpt-agg'))
        .foreachBatch(async () => {})
        .start(),
  },
]

export async function main(args: readonly string[]): Promise<void> {
  const i = args.indexOf('--batches')
  const counts = (i >= 0 ? args[i + 1] : '100,1000,5000').split(',').map(Number)
  if (counts.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error('--batches takes whole numbers, e.g. 100,1000')
  const rows: string[] = []
  for (const n of counts) {
    for (const scenario of scenarios) {
      const root = await mkdtemp(path.join(tmpdir(), 'tributary-restart-'))
      const input = path.join(root, 'in')
      mkdirSync(input)
      for (let f = 0; f < n; f++) writeEventFile(input, f)
      const session = Session.builder().appName('restart-bench').getOrCreate()
      const t0 = performance.now()
      let q = await scenario.start(session, input, root)
      await q.processAllAvailable()
      await q.stop()
      const runS = (performance.now() - t0) / 1000
      writeEventFile(input, n)
      const t1 = performance.now()
      const cpu1 = process.cpuUsage()
      q = await scenario.start(session, input, root)
      const startedMs = performance.now() - t1
      await q.processAllAvailable()
      const restartMs = performance.now() - t1
      const cpu = process.cpuUsage(cpu1)
      const restartCpuMs = (cpu.user + cpu.system) / 1000
      await q.stop()
      const checkpoint = diskUsage(path.join(root, scenario.name === 'file → file' ? 'ckpt-etl' : 'ckpt-agg'))
      const sinkLog = diskUsage(path.join(root, 'out', '_tributary_metadata'))
      rows.push(
        `| ${scenario.name} | ${n} | ${runS.toFixed(1)} | ${startedMs.toFixed(0)} | ${restartMs.toFixed(0)} | ${restartCpuMs.toFixed(0)} | ${(checkpoint.bytes / 1024).toFixed(0)} KB | ${checkpoint.files} | ${sinkLog.files || '–'} |`,
      )
      console.log(rows.at(-1))
      await rm(root, { recursive: true, force: true })
    }
  }
  console.log(
    '\n| query | batches before | run s | start() ms | start() to next batch committed ms | of it CPU ms | checkpoint | checkpoint files | sink log files |',
  )
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const r of rows) console.log(r)
}
