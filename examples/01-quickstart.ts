/**
 * 01 — Quick start: files in, Parquet out, exactly once, in event time
 *
 * This is `npm run demo`. It runs on nothing but this repository: the script writes its
 * own input files (JSON lines of page views) into a temporary folder and runs two
 * streaming queries over them:
 *
 *   1. ETL: parse the JSON, drop bad rows, reshape, and write Parquet.
 *   2. Analytics: page views per page in 5-minute windows of event time, with a
 *      10-minute watermark, written once per window when it closes.
 *
 * Both run with a checkpoint. After the first run they stop; new files arrive (one of
 * them with a view from long ago); they start again on the same checkpoints. The
 * restart reads only the new files, drops the late view, and resumes its window state —
 * and the outputs hold every row exactly once.
 *
 * Run: npm run demo   (or: npx tsx examples/01-quickstart.ts)
 */
import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { col, count, functions as F, Session, schema } from '@tributary/core'

const started = Date.now()
const root = await mkdtemp(path.join(tmpdir(), 'tributary-quickstart-'))
const inbox = path.join(root, 'inbox')
mkdirSync(inbox)
console.log(`Working in ${root}\n`)

// Step 1: input files — JSON lines of page views, as a web server might drop them.
type View = { ts: string; user: string; page: string; ms: number }
const at = (hhmmss: string) => `2026-11-22T09:${hhmmss}Z`
let fileNo = 0
function drop(views: (View | string)[]) {
  const name = path.join(inbox, `views-${String(++fileNo).padStart(3, '0')}.json`)
  writeFileSync(name, `${views.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n')}\n`)
}
drop([
  { ts: at('00:10'), user: 'ann', page: '/Home', ms: 120 },
  { ts: at('01:20'), user: 'bob', page: '/Shoes', ms: 340 },
  { ts: at('02:05'), user: 'ann', page: '/Shoes', ms: 90 },
])
drop([
  { ts: at('03:40'), user: 'cid', page: '/Home', ms: 60 },
  '{"ts": "2026-11-22T09:04:00Z", "user": "dee", "page": "/Home", "ms": ',
  { ts: at('06:00'), user: 'bob', page: '/Cart', ms: -1 },
])
drop([
  { ts: at('07:30'), user: 'dee', page: '/home', ms: 75 },
  { ts: at('21:00'), user: 'ann', page: '/Cart', ms: 210 },
])

// Step 2: the stream of views. A streaming file source needs its schema up front; the
// schema also types every row: { ts: Date; user: string; page: string; ms: number }.
const session = Session.builder().appName('quickstart').getOrCreate()
const viewSchema = schema({ ts: 'timestamp', user: 'string', page: 'string', ms: 'double' })
const views = () =>
  session.readStream
    .format('json')
    .schema(viewSchema)
    .option('mode', 'DROPMALFORMED') // the half-written line is dropped and counted
    .option('maxFilesPerTrigger', 2) // admission control: at most two files per micro-batch
    .load(inbox)

// Query 1 (ETL): keep real views, normalize the page, seconds instead of milliseconds.
const clean = () =>
  views()
    .where(col('ms').gt(0))
    .select(
      'ts',
      'user',
      F.lower(col('page')).alias('page'),
      F.round(col('ms').divide(1000), 3).alias('seconds'),
    )

// Query 2 (analytics): views per page per 5 minutes of event time.
const perWindow = () =>
  views()
    .where(col('ms').gt(0))
    .withWatermark('ts', '10 minutes')
    .groupBy(F.window(col('ts'), '5 minutes'), F.lower(col('page')).alias('page'))
    .agg(count().alias('views'), F.round(F.avg('ms'), 1).alias('avg_ms'))

const out = { clean: path.join(root, 'clean'), windows: path.join(root, 'windows') }
const checkpoints = { clean: path.join(root, 'ckpt-clean'), windows: path.join(root, 'ckpt-windows') }

async function runBoth(label: string) {
  console.log(`== ${label}`)
  const etl = await clean()
    .writeStream.format('parquet')
    .option('checkpointLocation', checkpoints.clean)
    .trigger({ availableNow: true })
    .start(out.clean)
  const analytics = await perWindow()
    .writeStream.format('parquet')
    .outputMode('append')
    .option('checkpointLocation', checkpoints.windows)
    .trigger({ availableNow: true })
    .start(out.windows)
  await Promise.all([etl.awaitTermination(), analytics.awaitTermination()])
  for (const p of etl.recentProgress) {
    console.log(
      `  ETL batch ${p.batchId}: ${p.numInputRows} rows in, ${p.sink.numOutputRows} written, ${p.numDroppedMalformedRows} malformed dropped`,
    )
  }
  for (const p of analytics.recentProgress) {
    const s = p.stateOperators[0]
    console.log(
      `  windows batch ${p.batchId}: ${p.numInputRows} rows in, ${p.sink.numOutputRows} windows written, watermark ${p.eventTime.watermark?.startsWith('1970') ? 'none yet' : p.eventTime.watermark?.slice(11, 19)}, ${s.numRowsTotal} open in state, ${s.numRowsDroppedByWatermark} late dropped`,
    )
  }
  return { etl, analytics }
}

// Step 3: the first run reads the three files, in two micro-batches.
await runBoth('first run')

// Step 4: while the queries are stopped, two more files arrive — one with a view from
// 09:01, whose window the watermark (09:11) has already closed — then the same queries
// start again.
drop([
  { ts: at('24:00'), user: 'bob', page: '/Shoes', ms: 150 },
  { ts: at('01:00'), user: 'eve', page: '/Home', ms: 80 }, // late for the windows, fine for the ETL
])
drop([{ ts: at('40:00'), user: 'cid', page: '/Home', ms: 95 }]) // moves the watermark to 09:30
const second = await runBoth('restart on the same checkpoints')

// Step 5: what was written. Each valid view once, though the queries ran twice.
console.log('\nclean views (Parquet):')
await session.read.parquet(out.clean).orderBy('ts').show()
console.log('views per page per 5 minutes (Parquet, one row per closed window):')
await session.read.parquet(out.windows).orderBy('window', 'page').show(20, false)

const cleanRows = await session.read.parquet(out.clean).collect()
assert.equal(cleanRows.length, 9, 'nine valid views, each written once across both runs')
assert.equal(new Set(cleanRows.map((r) => `${r.ts}|${r.user}`)).size, 9, 'no duplicates')
const firstBatchOfRestart = second.etl.recentProgress[0]
assert.equal(firstBatchOfRestart.numInputRows, 3, 'the restart read only the two new files')
const late = second.analytics.recentProgress.reduce(
  (n, p) => n + p.stateOperators[0].numRowsDroppedByWatermark,
  0,
)
assert.equal(late, 1, 'the 09:01 view arrived after its window closed')
const windows = await session.read.parquet(out.windows).collect()
const home0900 = windows.find(
  (w) =>
    w.page === '/home' && (w.window as { start: Date }).start.toISOString() === '2026-11-22T09:00:00.000Z',
)
assert.equal(
  home0900?.views,
  2,
  'window 09:00–09:05 of /home holds the 09:00:10 and 09:03:40 views, not the late one',
)
assert.equal(windows.length, 5, 'five windows closed, each written once')

console.log(
  `Checked: exactly once across a restart, late data dropped, state resumed. (${((Date.now() - started) / 1000).toFixed(1)} s)`,
)
await session.stop()
rmSync(root, { recursive: true, force: true })
