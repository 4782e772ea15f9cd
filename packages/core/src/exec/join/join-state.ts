/**
 * The stored rows of a stream-stream join, grouped by side and join key into buckets
 * (`L<key>`, `R<key>`), in one of two forms:
 *
 * - StoreBuckets: one state-store entry per bucket, holding every row of it; a batch loads
 *   the buckets it touches and writes back the ones it changed. For providers that keep
 *   state on disk (state may outgrow memory).
 * - LiveJoinState: when the provider holds every entry in memory anyway (the memory
 *   provider), the operator keeps the buckets live between batches, as the streaming
 *   aggregation and deduplication keep their tables. The store then holds the rows as
 *   segments, one per side and batch: `S<side><batch>` (the rows stored by that batch,
 *   columnar: numbers in Float64Arrays), written once, and `T<side><batch>` (a byte per
 *   row: 1 matched, 2 removed), rewritten when flags change or rows leave. A batch
 *   therefore writes its new rows once instead of rewriting every bucket it appends to, and
 *   a delta serializes a few large arrays instead of an object per row. The live state is
 *   valid for one state version: the operator rebuilds it from the store when a batch other
 *   than the one it expects comes (a restart, or a batch run again after a failure).
 *   Buckets stored one entry each (by an older Tributary, or this form's other provider
 *   path) are read too, and rewritten as a segment.
 */
import type { OperatorState } from '../../state/state-manager.js'

/** A stored row: the side's column values (engine form) and whether it ever matched. */
export interface StoredRow {
  readonly v: readonly unknown[]
  m: boolean
}

/** The rows of one side with one join key. `t` is the key's event time (window end) for key eviction. */
export interface Bucket {
  rows: StoredRow[]
  readonly t: number | null
}

export type Prefix = 'L' | 'R'

/** The buckets of both sides, as one batch sees and changes them. */
export interface BucketView {
  get(key: string): Bucket | undefined
  /** Stores a row in bucket `key` (made with time t when new); whether the bucket is new. */
  add(key: string, t: number | null, row: StoredRow): boolean
  /** The caller set the matched flag of stored row `row` of bucket `key`. */
  matched(key: string, row: StoredRow): void
  /** Removes the rows of bucket `key` for which `gone` is true; how many. */
  removeWhere(key: string, gone: (row: StoredRow, bucket: Bucket) => boolean): number
  /** Writes what the batch changed to the store. */
  flush(state: OperatorState): void
}

/** Buckets as store entries: the ones a batch touches, loaded once and written back once. */
export class StoreBuckets implements BucketView {
  private readonly cache = new Map<string, { bucket: Bucket | null; dirty: boolean }>()
  /**
   * `tracked[p]`: whether the matched flags of side prefix p's rows are ever read (outer
   * sides, a semi join's left): only then are stored rows copied before their flags change.
   */
  constructor(
    private readonly state: OperatorState,
    private readonly tracked: { readonly L: boolean; readonly R: boolean },
  ) {}

  get(key: string): Bucket | undefined {
    const hit = this.cache.get(key)
    if (hit) return hit.bucket ?? undefined
    const stored = this.state.get(key) as Bucket | undefined
    if (!stored) return undefined
    // Stored rows are shared with the committed version: copy before flags change.
    const bucket: Bucket = this.tracked[key[0] as Prefix]
      ? { rows: stored.rows.map((r) => ({ v: r.v, m: r.m })), t: stored.t }
      : { rows: stored.rows.slice(), t: stored.t }
    this.cache.set(key, { bucket, dirty: false })
    return bucket
  }

  add(key: string, t: number | null, row: StoredRow): boolean {
    const found = this.get(key)
    const bucket = found ?? { rows: [], t }
    bucket.rows.push(row)
    this.cache.set(key, { bucket, dirty: true })
    return found === undefined
  }

  matched(key: string): void {
    const hit = this.cache.get(key)
    if (hit) hit.dirty = true
  }

  removeWhere(key: string, gone: (row: StoredRow, bucket: Bucket) => boolean): number {
    const bucket = this.get(key)
    if (!bucket) return 0
    const kept = bucket.rows.filter((r) => !gone(r, bucket))
    const removed = bucket.rows.length - kept.length
    if (removed === 0) return 0
    bucket.rows = kept
    this.cache.set(key, { bucket: kept.length ? bucket : null, dirty: true })
    return removed
  }

  flush(): void {
    for (const [key, { bucket, dirty }] of this.cache) {
      if (!dirty) continue
      if (bucket) this.state.put(key, bucket)
      else this.state.remove(key)
    }
    this.cache.clear()
  }
}

/** A column of a segment: numbers in a Float64Array (nulls where `nulls` is 0), or the values. */
interface StoredColumn {
  readonly numbers: Float64Array | null
  readonly nulls: Uint8Array | null
  readonly values: unknown[] | null
}

/** One store entry `S<side><batch>`: the rows one batch stored on one side. */
export interface StoredSegment {
  readonly n: number
  /** Each row's bucket key. */
  readonly keys: string[]
  readonly columns: StoredColumn[]
  /** Each row's bucket time (the `t` of a bucket it makes); null where `hasTime` is 0. */
  readonly times: Float64Array
  readonly hasTime: Uint8Array
}

const MATCHED = 1
const REMOVED = 2
export const SEGMENT = 'S'
export const STATUS = 'T'

interface Segment {
  /** The store keys' common part: side prefix and batch id. */
  readonly name: string
  status: number[] | Uint8Array
  live: number
  /** Until written: the rows, their bucket keys and times. */
  pending: { rows: StoredRow[]; keys: string[]; times: (number | null)[] } | null
}

/** A live row: where its flags are stored (null until added). */
interface LiveRow extends StoredRow {
  seg: Segment | null
  idx: number
}

/** A new row of a batch; for the live state with room for where it will be stored. */
export function newStoredRow(v: readonly unknown[], live: boolean): StoredRow {
  if (!live) return { v, m: false }
  const row: LiveRow = { v, m: false, seg: null, idx: -1 }
  return row
}

function storedColumn(rows: readonly StoredRow[], c: number): StoredColumn {
  const n = rows.length
  let numeric = true
  let anyNull = false
  for (let i = 0; i < n && numeric; i++) {
    const x = rows[i].v[c]
    if (x === null || x === undefined) anyNull = true
    else if (typeof x !== 'number') numeric = false
  }
  if (!numeric) return { numbers: null, nulls: null, values: rows.map((r) => r.v[c] ?? null) }
  const numbers = new Float64Array(n)
  const nulls = anyNull ? new Uint8Array(n) : null
  for (let i = 0; i < n; i++) {
    const x = rows[i].v[c] as number | null | undefined
    if (x === null || x === undefined) numbers[i] = Number.NaN
    else {
      numbers[i] = x
      if (nulls) nulls[i] = 1
    }
  }
  return { numbers, nulls, values: null }
}

function columnValue(c: StoredColumn, j: number): unknown {
  if (c.numbers !== null) return c.nulls !== null && c.nulls[j] === 0 ? null : c.numbers[j]
  return c.values![j]
}

/** The buckets of both sides kept by the operator between batches (memory provider). */
export class LiveJoinState implements BucketView {
  readonly buckets = new Map<string, Bucket>()
  private readonly segments = new Map<string, Segment>()
  /** Written segments whose status changed this batch. */
  private readonly dirty = new Set<Segment>()
  /** Bucket entries of the one-entry-per-bucket form, removed by the next flush. */
  private legacy: string[] = []
  /** The batch adding rows now: the segments it writes are named after it. */
  batchId = 0
  /** The state version this state holds, or -1 while a batch is changing it. */
  version: number

  constructor(
    version: number,
    private readonly widths: { readonly L: number; readonly R: number },
  ) {
    this.version = version
  }

  get(key: string): Bucket | undefined {
    return this.buckets.get(key)
  }

  /** The segments rows are being added to, and the batch they belong to. */
  private current: { L: Segment | null; R: Segment | null; batchId: number } = {
    L: null,
    R: null,
    batchId: -1,
  }

  private segmentFor(prefix: Prefix): Segment {
    const c = this.current
    const hit = c.batchId === this.batchId ? c[prefix] : null
    if (hit !== null && hit.pending !== null) return hit
    const seg = this.openSegment(prefix)
    if (c.batchId !== this.batchId) this.current = { L: null, R: null, batchId: this.batchId }
    this.current[prefix] = seg
    return seg
  }

  private openSegment(prefix: Prefix): Segment {
    const name = `${prefix}${this.batchId}`
    let seg = this.segments.get(name)
    if (seg === undefined || seg.pending === null) {
      // A batch adds to its own segment only (a restored one of the same name was written: not again).
      seg = { name, status: [], live: 0, pending: { rows: [], keys: [], times: [] } }
      this.segments.set(name, seg)
    }
    return seg
  }

  add(key: string, t: number | null, row: StoredRow): boolean {
    const seg = this.segmentFor(key[0] as Prefix)
    const p = seg.pending!
    const fresh = row as Partial<LiveRow>
    let live: LiveRow
    if (fresh.seg === null) {
      // A batch's new row (newStoredRow): stored as it is.
      live = row as LiveRow
      live.seg = seg
      live.idx = p.rows.length
    } else live = { v: row.v, m: row.m, seg, idx: p.rows.length }
    p.rows.push(live)
    p.keys.push(key)
    p.times.push(t)
    ;(seg.status as number[]).push(row.m ? MATCHED : 0)
    seg.live++
    let bucket = this.buckets.get(key)
    const created = bucket === undefined
    if (bucket === undefined) {
      bucket = { rows: [], t }
      this.buckets.set(key, bucket)
    }
    bucket.rows.push(live)
    return created
  }

  matched(_key: string, row: StoredRow): void {
    const r = row as LiveRow
    const seg = r.seg!
    seg.status[r.idx] |= MATCHED
    if (seg.pending === null) this.dirty.add(seg)
  }

  removeWhere(key: string, gone: (row: StoredRow, bucket: Bucket) => boolean): number {
    const bucket = this.buckets.get(key)
    if (!bucket) return 0
    let kept = 0
    const rows = bucket.rows
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as LiveRow
      if (gone(r, bucket)) {
        const seg = r.seg!
        seg.status[r.idx] |= REMOVED
        seg.live--
        if (seg.pending === null) this.dirty.add(seg)
      } else rows[kept++] = r
    }
    const removed = rows.length - kept
    rows.length = kept
    if (kept === 0) this.buckets.delete(key)
    return removed
  }

  flush(state: OperatorState): void {
    for (const key of this.legacy) state.remove(key)
    this.legacy = []
    for (const seg of this.segments.values()) {
      const p = seg.pending
      if (p === null || p.rows.length === 0) continue
      seg.pending = null
      seg.status = Uint8Array.from(seg.status)
      if (seg.live === 0) {
        this.segments.delete(seg.name)
        continue
      }
      const prefix = seg.name[0] as Prefix
      const n = p.rows.length
      const times = new Float64Array(n)
      const hasTime = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        const t = p.times[i]
        if (t !== null) {
          times[i] = t
          hasTime[i] = 1
        }
      }
      const segment: StoredSegment = {
        n,
        keys: p.keys,
        columns: Array.from({ length: this.widths[prefix] }, (_, c) => storedColumn(p.rows, c)),
        times,
        hasTime,
      }
      state.put(SEGMENT + seg.name, segment)
      // A copy: the store keeps what it is given, and the live status changes in place.
      state.put(STATUS + seg.name, seg.status.slice())
    }
    for (const seg of this.dirty) {
      if (seg.live === 0) {
        state.remove(SEGMENT + seg.name)
        state.remove(STATUS + seg.name)
        this.segments.delete(seg.name)
      } else state.put(STATUS + seg.name, (seg.status as Uint8Array).slice())
    }
    this.dirty.clear()
  }

  /**
   * The live state of what the store holds at `version`. Buckets stored one entry each are
   * adopted as rows of batch `version`'s segment, and their entries removed by its flush.
   */
  static async restore(
    state: OperatorState,
    version: number,
    widths: { readonly L: number; readonly R: number },
    /** The bucket keys of stored rows from their values: legacy buckets' keys may be key-text version 1's. */
    rekey?: (prefix: Prefix, rows: readonly StoredRow[]) => (string | null)[],
  ): Promise<LiveJoinState> {
    const live = new LiveJoinState(version, widths)
    live.batchId = version
    const segments = new Map<string, StoredSegment>()
    const statuses = new Map<string, Uint8Array>()
    const legacy: [string, Bucket][] = []
    for await (const [key, value] of state.entriesAsync()) {
      const kind = key[0]
      if (kind === 'L' || kind === 'R') legacy.push([key, value as Bucket])
      else if (kind === SEGMENT) segments.set(key.slice(1), value as StoredSegment)
      else if (kind === STATUS) statuses.set(key.slice(1), value as Uint8Array)
    }
    // Segments in batch order, so that each bucket's rows keep the order they were stored in.
    const names = [...segments.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    for (const name of names) {
      const s = segments.get(name)!
      const status = (statuses.get(name) ?? new Uint8Array(s.n)).slice()
      const seg: Segment = { name, status, live: 0, pending: null }
      live.segments.set(name, seg)
      for (let j = 0; j < s.n; j++) {
        if ((status[j] & REMOVED) !== 0) continue
        const v = s.columns.map((c) => columnValue(c, j))
        const row: LiveRow = { v, m: (status[j] & MATCHED) !== 0, seg, idx: j }
        seg.live++
        const key = s.keys[j]
        let bucket = live.buckets.get(key)
        if (bucket === undefined) {
          bucket = { rows: [], t: s.hasTime[j] === 1 ? s.times[j] : null }
          live.buckets.set(key, bucket)
        }
        bucket.rows.push(row)
      }
    }
    for (const [key, bucket] of legacy) {
      // Version 1 wrote NaN and ±Infinity keys as `null`: such rows go to their bucket now.
      const keys = rekey !== undefined && key.includes('null') ? rekey(key[0] as Prefix, bucket.rows) : null
      for (let i = 0; i < bucket.rows.length; i++) live.add(keys?.[i] ?? key, bucket.t, bucket.rows[i])
      live.legacy.push(key)
    }
    return live
  }
}
