/**
 * Idiomatic RxJS: the events as an Observable of plain objects, one per bid, through the
 * operators an RxJS program would use (filter, map, scan with Maps of windows, mergeMap to
 * emit closed windows). Event-time windows close when the watermark (highest event time
 * minus the delay) passes their end, as in Tributary's append mode.
 */
import { filter, from, lastValueFrom, map, mergeMap, Observable, scan, tap } from 'rxjs'
import type { Cell, Checksum } from '../checksum.js'
import { HOP_SLIDE_MS, type PeerQuery, WATERMARK_DELAY_MS, WINDOW_MS } from '../queries.js'
import { bidBatches, type PeerContext, type PeerRun } from './common.js'

interface BidEvent {
  readonly auction: number
  readonly bidder: number
  readonly price: number
  readonly channel: string
  readonly url: string
  readonly dateTime: number
  readonly extra: string
}

/** The bids as an Observable of objects, one per event (followed by an end-of-stream marker). */
function bids$(ctx: PeerContext): Observable<BidEvent> {
  return new Observable<BidEvent>((subscriber) => {
    for (const b of bidBatches(ctx)) {
      for (let i = 0; i < b.n; i++) {
        subscriber.next({
          auction: b.auction[i],
          bidder: b.bidder[i],
          price: b.price[i],
          channel: b.channel[i],
          url: b.url[i],
          dateTime: b.dateTime[i],
          extra: b.extra[i],
        })
        if (subscriber.closed) return
      }
    }
    subscriber.complete()
  })
}

function sink(out: Checksum) {
  return (rows$: Observable<readonly Cell[]>): Promise<unknown> =>
    lastValueFrom(rows$.pipe(tap((row) => out.addRow(row))), { defaultValue: null })
}

/** Window state of the event-time queries: open windows by start, and the watermark. */
interface Windows<S> {
  watermark: number
  readonly open: Map<number, S>
  closed: [number, S][]
}

/**
 * Folds events into windows and, as the watermark passes window ends, hands out the closed
 * ones. `starts` gives the windows an event belongs to.
 */
function windowed<S>(
  ctx: PeerContext,
  starts: (t: number) => number[],
  empty: () => S,
  add: (s: S, b: BidEvent) => void,
): (events$: Observable<BidEvent>) => Observable<[number, S]> {
  return (events$) =>
    events$.pipe(
      scan(
        (w: Windows<S>, b: BidEvent) => {
          w.closed = []
          for (const s of starts(b.dateTime)) {
            let state = w.open.get(s)
            if (state === undefined) {
              state = empty()
              w.open.set(s, state)
            }
            add(state, b)
          }
          const wm = Math.min(ctx.watermark, b.dateTime - WATERMARK_DELAY_MS)
          if (wm > w.watermark) {
            w.watermark = wm
            for (const [s, state] of w.open) {
              if (s + WINDOW_MS <= wm) {
                w.closed.push([s, state])
                w.open.delete(s)
              }
            }
          }
          return w
        },
        { watermark: Number.NEGATIVE_INFINITY, open: new Map<number, S>(), closed: [] } as Windows<S>,
      ),
      mergeMap((w) => w.closed),
    )
}

const tumbling = (t: number) => [Math.floor(t / WINDOW_MS) * WINDOW_MS]
const sliding = (t: number) => {
  const out: number[] = []
  for (let s = Math.floor(t / HOP_SLIDE_MS) * HOP_SLIDE_MS; s > t - WINDOW_MS; s -= HOP_SLIDE_MS) out.push(s)
  return out
}

const countByAuction = (s: Map<number, number>, b: BidEvent) => {
  s.set(b.auction, (s.get(b.auction) ?? 0) + 1)
}

export const rxjsPeer: Record<PeerQuery, PeerRun> = {
  async q0(ctx, out) {
    await sink(out)(bids$(ctx).pipe(map((b) => [b.auction, b.bidder, b.price, b.dateTime, b.extra])))
    return undefined
  },
  async q1(ctx, out) {
    await sink(out)(bids$(ctx).pipe(map((b) => [b.auction, b.bidder, b.price * 0.908, b.dateTime, b.extra])))
    return undefined
  },
  async q2(ctx, out) {
    await sink(out)(
      bids$(ctx).pipe(
        filter((b) => b.auction % 123 === 0),
        map((b) => [b.auction, b.price]),
      ),
    )
    return undefined
  },
  async tumble(ctx, out) {
    await sink(out)(
      bids$(ctx).pipe(
        windowed(ctx, tumbling, () => new Map<number, number>(), countByAuction),
        mergeMap(([s, counts]) => from([...counts].map(([auction, n]) => [auction, s, s + WINDOW_MS, n]))),
      ),
    )
    return undefined
  },
  async q5(ctx, out) {
    await sink(out)(
      bids$(ctx).pipe(
        windowed(ctx, sliding, () => new Map<number, number>(), countByAuction),
        mergeMap(([s, counts]) => {
          const top = Math.max(...counts.values())
          return from(
            [...counts].filter(([, n]) => n === top).map(([auction, n]) => [auction, n, s, s + WINDOW_MS]),
          )
        }),
      ),
    )
    return undefined
  },
  async q7(ctx, out) {
    await sink(out)(
      bids$(ctx).pipe(
        windowed(
          ctx,
          tumbling,
          () => ({ max: Number.NEGATIVE_INFINITY, bids: [] as BidEvent[] }),
          (s, b) => {
            if (b.price < s.max) return
            if (b.price > s.max) {
              s.max = b.price
              s.bids = []
            }
            s.bids.push(b)
          },
        ),
        mergeMap(([, s]) => from(s.bids.map((b) => [b.auction, b.price, b.bidder, b.dateTime, b.extra]))),
      ),
    )
    return undefined
  },
}
