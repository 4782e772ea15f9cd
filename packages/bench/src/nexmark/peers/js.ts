/**
 * The JavaScript ceiling: each query as a hand-written loop over the generator's typed
 * arrays, with open-addressing tables for grouping and no engine at all. Nothing in
 * JavaScript on one core should do the same work much faster.
 */
import type { Checksum } from '../checksum.js'
import { HOP_SLIDE_MS, type PeerQuery, WINDOW_MS } from '../queries.js'
import { bidBatches, Counts, KeyTable, type PeerContext, type PeerRun } from './common.js'

const KEY_RADIX = 2 ** 26

/** A window index that starts near 0 for this run, so that index × 2^26 + auction stays exact. */
function origin(ctx: PeerContext, slide: number): number {
  return Math.floor(ctx.gen.config.baseTime / slide) - Math.ceil(WINDOW_MS / slide) - 1
}

async function q0(ctx: PeerContext, out: Checksum): Promise<undefined> {
  for (const b of bidBatches(ctx)) out.addColumns([b.auction, b.bidder, b.price, b.dateTime, b.extra], b.n)
  return undefined
}

async function q1(ctx: PeerContext, out: Checksum): Promise<undefined> {
  for (const b of bidBatches(ctx)) {
    const price = new Float64Array(b.n)
    const p = b.price
    for (let i = 0; i < b.n; i++) price[i] = p[i] * 0.908
    out.addColumns([b.auction, b.bidder, price, b.dateTime, b.extra], b.n)
  }
  return undefined
}

async function q2(ctx: PeerContext, out: Checksum): Promise<undefined> {
  for (const b of bidBatches(ctx)) {
    const auction = new Float64Array(b.n)
    const price = new Float64Array(b.n)
    const a = b.auction
    let k = 0
    for (let i = 0; i < b.n; i++) {
      if (a[i] % 123 === 0) {
        auction[k] = a[i]
        price[k] = b.price[i]
        k++
      }
    }
    out.addColumns([auction.subarray(0, k), price.subarray(0, k)], k)
  }
  return undefined
}

async function tumble(ctx: PeerContext, out: Checksum): Promise<undefined> {
  const base = origin(ctx, WINDOW_MS)
  const table = new KeyTable(1 << 16)
  const counts = new Counts()
  for (const b of bidBatches(ctx)) {
    const t = b.dateTime
    const a = b.auction
    for (let i = 0; i < b.n; i++) {
      const w = Math.floor(t[i] / WINDOW_MS) - base
      const id = table.idOf(w * KEY_RADIX + a[i])
      counts.at(id)[id]++
    }
  }
  const n = table.size
  const auction = new Float64Array(n)
  const start = new Float64Array(n)
  const end = new Float64Array(n)
  const num = new Float64Array(n)
  let k = 0
  for (let id = 0; id < n; id++) {
    const key = table.keys[id]
    const w = Math.floor(key / KEY_RADIX)
    const s = (w + base) * WINDOW_MS
    if (s + WINDOW_MS > ctx.watermark) continue
    auction[k] = key - w * KEY_RADIX
    start[k] = s
    end[k] = s + WINDOW_MS
    num[k] = counts.data[id]
    k++
  }
  out.addColumns([auction.subarray(0, k), start.subarray(0, k), end.subarray(0, k), num.subarray(0, k)], k)
  return undefined
}

async function q5(ctx: PeerContext, out: Checksum): Promise<undefined> {
  const base = origin(ctx, HOP_SLIDE_MS)
  const table = new KeyTable(1 << 16)
  const counts = new Counts()
  for (const b of bidBatches(ctx)) {
    const t = b.dateTime
    const a = b.auction
    for (let i = 0; i < b.n; i++) {
      const last = Math.floor(t[i] / HOP_SLIDE_MS) * HOP_SLIDE_MS
      for (let s = last; s > t[i] - WINDOW_MS; s -= HOP_SLIDE_MS) {
        const id = table.idOf((s / HOP_SLIDE_MS - base) * KEY_RADIX + a[i])
        counts.at(id)[id]++
      }
    }
  }
  const n = table.size
  const windowOf = new Float64Array(n)
  let windows = 0
  for (let id = 0; id < n; id++) {
    windowOf[id] = Math.floor(table.keys[id] / KEY_RADIX)
    windows = Math.max(windows, windowOf[id] + 1)
  }
  const best = new Float64Array(windows)
  for (let id = 0; id < n; id++) best[windowOf[id]] = Math.max(best[windowOf[id]], counts.data[id])
  const auction: number[] = []
  const num: number[] = []
  const start: number[] = []
  const end: number[] = []
  for (let id = 0; id < n; id++) {
    const w = windowOf[id]
    const s = (w + base) * HOP_SLIDE_MS
    if (s + WINDOW_MS > ctx.watermark || counts.data[id] < best[w]) continue
    auction.push(table.keys[id] - w * KEY_RADIX)
    num.push(counts.data[id])
    start.push(s)
    end.push(s + WINDOW_MS)
  }
  out.addColumns([auction, num, start, end], auction.length)
  return undefined
}

async function q7(ctx: PeerContext, out: Checksum): Promise<undefined> {
  const base = origin(ctx, WINDOW_MS)
  let best = new Float64Array(1024).fill(Number.NEGATIVE_INFINITY)
  const winners: (readonly [number, number, number, number, string])[][] = []
  for (const b of bidBatches(ctx)) {
    const { auction, bidder, price, dateTime, extra } = b
    for (let i = 0; i < b.n; i++) {
      const w = Math.floor(dateTime[i] / WINDOW_MS) - base
      if (w >= best.length) {
        const next = new Float64Array(Math.max(w + 1, best.length * 2)).fill(Number.NEGATIVE_INFINITY)
        next.set(best)
        best = next
      }
      const p = price[i]
      if (p < best[w]) continue
      if (p > best[w]) {
        best[w] = p
        winners[w] = []
      }
      winners[w].push([auction[i], p, bidder[i], dateTime[i], extra[i]])
    }
  }
  for (let w = 0; w < winners.length; w++) {
    if (!winners[w] || (w + base) * WINDOW_MS + WINDOW_MS > ctx.watermark) continue
    for (const row of winners[w]) out.addRow(row)
  }
  return undefined
}

export const jsPeer: Record<PeerQuery, PeerRun> = { q0, q1, q2, q5, q7, tumble }
