/**
 * `npm run bench -- micro [--filter name] [--time ms]`: micro-benchmarks of the kernels that
 * dominate streaming queries — hash aggregation (group ids over numeric and string keys),
 * window assignment, compiled expressions, the state store's put/get/commit, and the offset
 * log's durable write. Neither tinybench nor mitata is a declared dependency here (tinybench
 * is only present as vitest's own dependency), so this is a tiny hand-written harness: each
 * case runs for --time ms after a warm-up, five times; the table shows the median.
 *
 * It reaches into core's internals by path on purpose: these are the kernels, not the API.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { col, functions as F, LongType, lit, TimestampType } from '@tributary/core'
import { numberVector } from '../../core/src/batch/vector.js'
import { Checkpoint } from '../../core/src/checkpoint/checkpoint.js'
import { accumulatorFor } from '../../core/src/exec/aggregate/functions.js'
import { GroupIndex } from '../../core/src/exec/group-index.js'
import type { ExecContext } from '../../core/src/exec/operator.js'
import { LocalScan } from '../../core/src/exec/scan.js'
import { WindowAssign } from '../../core/src/exec/window-assign.js'
import { compileExpr } from '../../core/src/expr/compile.js'
import { MemoryStateStoreProvider } from '../../core/src/state/memory-provider.js'
import { StringType } from '../../core/src/types/data-types.js'
import { NexmarkGenerator } from './nexmark/generator.js'
import { human, markdownTable, textTable } from './nexmark/report.js'
import { BID_SCHEMA, nexmarkBatch } from './nexmark/source.js'

interface Case {
  readonly name: string
  /** Rows (or keys) one call handles, for the rows/s column. */
  readonly rows: number
  readonly run: () => unknown | Promise<unknown>
  readonly setup?: () => Promise<void>
  readonly teardown?: () => Promise<void>
}

/** Runs fn for about `ms` and returns calls per second. */
async function opsPerSecond(fn: () => unknown | Promise<unknown>, ms: number): Promise<number> {
  let calls = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < ms) {
    const r = fn()
    if (r instanceof Promise) await r
    calls++
    t = performance.now()
  }
  return (calls * 1000) / (t - t0)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function cases(): Case[] {
  const gen = new NexmarkGenerator()
  const bids = nexmarkBatch(gen, 'bid', 0, 110_000) // ≈ 100 000 bids
  const n = bids.numRows
  const column = (name: string) => bids.columns[BID_SCHEMA.indexOf(name)]
  const auction = column('auction')
  const dateTime = column('dateTime')
  const channel = column('channel')
  const windowStart = (() => {
    const t = (dateTime as { values: Float64Array }).values
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = Math.floor(t[i] / 10_000) * 10_000
    return numberVector(TimestampType, out)
  })()
  const ctx = {
    batchId: 0,
    eval: { batchTimestampMs: 0, timeZone: 'UTC' },
    inputs: new Map(),
    watermarkMs: 0,
    outputMode: 'append',
    state: null,
    watermarks: null,
  } as ExecContext
  const scan = new LocalScan(bids)
  const time = compileExpr(BID_SCHEMA as never, { kind: 'column', path: 'dateTime' })
  const tumbling = new WindowAssign(scan, time, { sizeMs: 10_000, slideMs: 10_000, startMs: 0 })
  const sliding = new WindowAssign(scan, time, { sizeMs: 10_000, slideMs: 2_000, startMs: 0 })
  const expr = (e: { expr: unknown }) => compileExpr(BID_SCHEMA as never, e.expr as never)
  const q1 = expr(col('price').multiply(0.908))
  const q2 = expr(col('auction').mod(123).eq(0))
  const hour = F.hour(col('dateTime'))
  const q14 = expr(hour.geq(8).and(hour.leq(18)))
  const lower = expr(F.lower(col('channel')).eq(lit('apple')))
  const evalCtx = ctx.eval

  let dir = ''
  const provider = new MemoryStateStoreProvider(0)
  const keys = Array.from({ length: 10_000 }, (_, i) =>
    JSON.stringify([1_767_225_600_000 + (i % 7) * 10_000, 1000 + i]),
  )
  let version = 0
  let checkpoint: Checkpoint | null = null
  let batchId = 0

  const groupCount = (keyVecs: Parameters<GroupIndex['assign']>[0]) => () => {
    const index = new GroupIndex(keyVecs.map((k) => k.type))
    const ids = index.assign(keyVecs, n)
    const acc = accumulatorFor('count', [], {})
    acc.update(ids, index.numGroups, [], n)
    return acc.result(index.numGroups)
  }

  return [
    {
      name: 'group ids: auction (numeric)',
      rows: n,
      run: () => new GroupIndex([LongType]).assign([auction], n),
    },
    {
      name: 'group ids: window start + auction',
      rows: n,
      run: () => new GroupIndex([TimestampType, LongType]).assign([windowStart, auction], n),
    },
    {
      name: 'group ids: channel (string)',
      rows: n,
      run: () => new GroupIndex([StringType]).assign([channel], n),
    },
    { name: 'hash aggregation: count by window, auction', rows: n, run: groupCount([windowStart, auction]) },
    { name: 'window assignment: tumbling 10 s', rows: n, run: () => tumbling.execute(ctx) },
    { name: 'window assignment: sliding 10 s / 2 s', rows: n, run: () => sliding.execute(ctx) },
    { name: 'expression: price * 0.908', rows: n, run: () => q1.evaluate(bids, evalCtx) },
    { name: 'expression: auction % 123 = 0', rows: n, run: () => q2.evaluate(bids, evalCtx) },
    { name: 'expression: hour(dateTime) between 8 and 18', rows: n, run: () => q14.evaluate(bids, evalCtx) },
    { name: "expression: lower(channel) = 'apple'", rows: n, run: () => lower.evaluate(bids, evalCtx) },
    {
      name: 'state store: 10 000 puts + commit (delta file)',
      rows: keys.length,
      setup: async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'tributary-micro-state-'))
      },
      run: async () => {
        const store = await provider.load(dir, 0, 0, version)
        for (let i = 0; i < keys.length; i++) store.put(keys[i], { k: [i, i], a: [version] })
        version = await store.commit()
      },
      teardown: async () => {
        await rm(dir, { recursive: true, force: true })
      },
    },
    {
      name: 'state store: 10 000 gets',
      rows: keys.length,
      setup: async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'tributary-micro-state-'))
        const store = await provider.load(dir, 0, 0, 0)
        for (let i = 0; i < keys.length; i++) store.put(keys[i], { k: [i, i], a: [0] })
        version = await store.commit()
      },
      run: async () => {
        const store = await provider.load(dir, 0, 0, version)
        let found = 0
        for (let i = 0; i < keys.length; i++) if (store.get(keys[i]) !== undefined) found++
        return found
      },
      teardown: async () => {
        await rm(dir, { recursive: true, force: true })
      },
    },
    {
      name: 'offset log: write offsets/N (fsync, rename)',
      rows: 1,
      setup: async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'tributary-micro-log-'))
        checkpoint = new Checkpoint(dir)
        batchId = 0
      },
      run: () =>
        checkpoint!.offsets.add(batchId++, {
          metadata: { batchTimestampMs: Date.now(), batchWatermarkMs: 0, conf: {} },
          offsets: [batchId * 100_000],
        }),
      teardown: async () => {
        await rm(dir, { recursive: true, force: true })
      },
    },
  ]
}

export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: { filter: { type: 'string' }, time: { type: 'string' }, markdown: { type: 'boolean' } },
  })
  const ms = Number(values.time ?? 300)
  const selected = cases().filter((c) => !values.filter || c.name.includes(values.filter))
  const rows: string[][] = [['kernel', 'calls/s', 'rows/s', 'µs per call']]
  for (const c of selected) {
    await c.setup?.()
    await opsPerSecond(c.run, Math.min(ms, 200)) // warm-up: let the JIT optimize first
    const samples: number[] = []
    for (let i = 0; i < 5; i++) samples.push(await opsPerSecond(c.run, ms))
    await c.teardown?.()
    const ops = median(samples)
    rows.push([c.name, ops.toFixed(ops < 100 ? 1 : 0), human(ops * c.rows), (1e6 / ops).toFixed(1)])
    process.stderr.write(`${c.name}: ${human(ops * c.rows)} rows/s\n`)
  }
  console.log(`\nmicro-benchmarks (hand-written harness: median of 5 × ${ms} ms after warm-up)\n`)
  console.log(values.markdown ? markdownTable(rows) : textTable(rows))
}
