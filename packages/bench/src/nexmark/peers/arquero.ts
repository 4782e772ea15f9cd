/**
 * arquero (columnar JavaScript tables with compiled expressions) as a batch engine: the bids
 * of the whole run are gathered into one table (only the columns the query reads), the
 * query runs as verbs, and the result columns go to the checksum. Gathering is timed with
 * the rest; the verbs alone are reported beside it.
 */
import { performance } from 'node:perf_hooks'
import type { Cell, Checksum } from '../checksum.js'
import { HOP_SLIDE_MS, type PeerQuery, WINDOW_MS } from '../queries.js'
import { bidBatches, type PeerContext, type PeerRun } from './common.js'
import { importPeer } from './install.js'

/** The parts of arquero used here (it is not installed in the workspace). */
interface AqTable {
  numRows(): number
  array(name: string): ArrayLike<Cell>
  derive(values: Record<string, unknown>): AqTable
  filter(predicate: unknown): AqTable
  select(...names: string[]): AqTable
  groupby(...keys: string[]): AqTable
  count(options: { as: string }): AqTable
  rollup(values: Record<string, unknown>): AqTable
  join(other: AqTable, on: readonly string[] | unknown): AqTable
  concat(...others: AqTable[]): AqTable
  params(values: Record<string, number>): AqTable
}
interface Aq {
  table(columns: Record<string, ArrayLike<Cell>>): AqTable
  op: Record<string, (...args: unknown[]) => number>
}

type BidColumn = 'auction' | 'bidder' | 'price' | 'dateTime' | 'extra'
const NUMERIC = new Set<BidColumn>(['auction', 'bidder', 'price', 'dateTime'])

function gather(ctx: PeerContext, aq: Aq, columns: readonly BidColumn[]): AqTable {
  const batches = [...bidBatches(ctx)]
  const n = batches.reduce((s, b) => s + b.n, 0)
  const data: Record<string, ArrayLike<Cell>> = {}
  for (const c of columns) {
    if (NUMERIC.has(c)) {
      const out = new Float64Array(n)
      let at = 0
      for (const b of batches) {
        out.set(b[c as 'auction'], at)
        at += b.n
      }
      data[c] = out
    } else {
      const out: string[] = new Array(n)
      let at = 0
      for (const b of batches) for (const s of b.extra) out[at++] = s
      data[c] = out
    }
  }
  return aq.table(data)
}

function emit(out: Checksum, t: AqTable, names: readonly string[]): void {
  out.addColumns(
    names.map((n) => t.array(n)),
    t.numRows(),
  )
}

/**
 * arquero compiles expressions from their source text and knows its functions by the name
 * `op`: the callbacks below must say `op.floor`, so `op` is bound here before they run.
 */
let op: Aq['op'] = {}

type Plan = { columns: BidColumn[]; run: (t: AqTable, ctx: PeerContext) => [AqTable, string[]] }

const PLANS: Record<PeerQuery, Plan> = {
  q0: {
    columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
    run: (t) => [
      t.select('auction', 'bidder', 'price', 'dateTime', 'extra'),
      ['auction', 'bidder', 'price', 'dateTime', 'extra'],
    ],
  },
  q1: {
    columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
    run: (t) => [
      t.derive({ price: (d: { price: number }) => d.price * 0.908 }),
      ['auction', 'bidder', 'price', 'dateTime', 'extra'],
    ],
  },
  q2: {
    columns: ['auction', 'price'],
    run: (t) => [
      t.filter((d: { auction: number }) => d.auction % 123 === 0).select('auction', 'price'),
      ['auction', 'price'],
    ],
  },
  tumble: {
    columns: ['auction', 'dateTime'],
    run: (t, ctx) => [
      t
        .params({ W: ctx.watermark, SIZE: WINDOW_MS })
        .derive({
          ws: (d: { dateTime: number }, $: { SIZE: number }) => op.floor(d.dateTime / $.SIZE) * $.SIZE,
        })
        .filter((d: { ws: number }, $: { W: number; SIZE: number }) => d.ws + $.SIZE <= $.W)
        .groupby('auction', 'ws')
        .count({ as: 'num' })
        .derive({ we: (d: { ws: number }, $: { SIZE: number }) => d.ws + $.SIZE }),
      ['auction', 'ws', 'we', 'num'],
    ],
  },
  q5: {
    columns: ['auction', 'dateTime'],
    run: (t, ctx) => {
      const copies = Array.from({ length: Math.ceil(WINDOW_MS / HOP_SLIDE_MS) }, (_, k) =>
        t
          .params({ K: k, SLIDE: HOP_SLIDE_MS })
          .derive({
            ws: (d: { dateTime: number }, $: { K: number; SLIDE: number }) =>
              op.floor(d.dateTime / $.SLIDE) * $.SLIDE - $.SLIDE * $.K,
          })
          .select('auction', 'ws'),
      )
      const counts = copies[0]
        .concat(...copies.slice(1))
        .params({ W: ctx.watermark, SIZE: WINDOW_MS })
        .filter((d: { ws: number }, $: { W: number; SIZE: number }) => d.ws + $.SIZE <= $.W)
        .groupby('auction', 'ws')
        .count({ as: 'num' })
      const best = counts.groupby('ws').rollup({ maxn: (d: { num: number }) => op.max(d.num) })
      return [
        counts
          .join(best, ['ws', 'ws'])
          .filter((d: { num: number; maxn: number }) => d.num >= d.maxn)
          .params({ SIZE: WINDOW_MS })
          .derive({ we: (d: { ws: number }, $: { SIZE: number }) => d.ws + $.SIZE }),
        ['auction', 'num', 'ws', 'we'],
      ]
    },
  },
  q7: {
    columns: ['auction', 'price', 'bidder', 'dateTime', 'extra'],
    run: (t, ctx) => {
      const withWindow = t
        .params({ SIZE: WINDOW_MS, W: ctx.watermark })
        .derive({
          ws: (d: { dateTime: number }, $: { SIZE: number }) => op.floor(d.dateTime / $.SIZE) * $.SIZE,
        })
        .filter((d: { ws: number }, $: { W: number; SIZE: number }) => d.ws + $.SIZE <= $.W)
      const best = withWindow.groupby('ws').rollup({ mp: (d: { price: number }) => op.max(d.price) })
      return [
        withWindow.join(best, ['ws', 'ws']).filter((d: { price: number; mp: number }) => d.price === d.mp),
        ['auction', 'price', 'bidder', 'dateTime', 'extra'],
      ]
    },
  },
}

function run(q: PeerQuery): PeerRun {
  return async (ctx, out) => {
    const aq = (await importPeer('arquero', 'src/index.js')) as Aq
    op = aq.op
    const plan = PLANS[q]
    const table = gather(ctx, aq, plan.columns)
    const t0 = performance.now()
    const [result, names] = plan.run(table, ctx)
    emit(out, result, names)
    const queryOnlyS = (performance.now() - t0) / 1000
    return { queryOnlyS, note: `verbs and result columns ${queryOnlyS.toFixed(2)} s of the total` }
  }
}

export const arqueroPeer: Record<PeerQuery, PeerRun> = {
  q0: run('q0'),
  q1: run('q1'),
  q2: run('q2'),
  q5: run('q5'),
  q7: run('q7'),
  tumble: run('tumble'),
}
