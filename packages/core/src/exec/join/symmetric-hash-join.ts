/**
 * Stream-stream join (Spark's StreamingSymmetricHashJoinExec). Both sides' rows are kept
 * in the state store, grouped by join key: `L<key>` and `R<key>` entries of one operator,
 * versioned with the batches like every other operator's state. Each batch, new left rows
 * join the stored right rows, are stored, and then new right rows join the stored left
 * rows (old and new): every matching pair is output exactly once.
 *
 * The watermark bounds the state. A stored row leaves once no row the other side may still
 * send can match it (its key or its time is at or below the side's state watermark, see
 * plan/join-analysis.ts); an outer join outputs it then with nulls if it never matched.
 * Rows whose event time is at or below the watermark when they arrive are late: dropped.
 */

import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { type Vector, valueAt } from '../../batch/vector.js'
import type { Compiled } from '../../expr/compiled.js'
import type { Side, StateEviction } from '../../plan/join-analysis.js'
import { type JoinType, joinTypeName, keepsUnmatchedLeft, keepsUnmatchedRight } from '../../plan/join-type.js'
import type { OperatorState } from '../../state/state-manager.js'
import type { StateOperatorProgress } from '../../streaming/progress.js'
import { typeToString } from '../../types/data-types.js'
import type { Schema } from '../../types/schema.js'
import { KEY_ENCODING } from '../dedup-key.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from '../operator.js'
import { EvictionIndex } from './eviction-index.js'
import { joinKeyTextOf } from './join-key.js'
import { columnsOfRows, type JoinOutput } from './join-output.js'
import {
  type Bucket,
  type BucketView,
  LiveJoinState,
  newStoredRow,
  type Prefix,
  StoreBuckets,
  type StoredRow,
} from './join-state.js'
import {
  type JoinWatermarkProducer,
  queryWatermark,
  shiftWatermark,
  withWatermark,
} from './join-watermark.js'
import { PAIR_CHUNK, passMask, residualSelection } from './pairs.js'

export interface SymmetricSide {
  readonly op: PhysicalOperator
  /** Key expressions over the side's columns, cast to the type both sides compare as. */
  readonly keys: readonly Compiled[]
  /** The conjuncts of the condition that read only this side: rows failing them match nothing. */
  readonly filter: Compiled | null
  /** The side's event-time column, or a window over it (judged by its end): rows at or below the watermark are late. -1: none. */
  readonly eventTime: number
  readonly eviction: StateEviction | null
  /** How far below the watermark the event times this side contributes to the output may lie. */
  readonly timeBoundMs: number
}

export interface SymmetricJoinSpec {
  readonly joinType: JoinType
  readonly left: SymmetricSide
  readonly right: SymmetricSide
  readonly residual: Compiled | null
  readonly pairSchema: Schema<unknown>
  readonly output: JoinOutput
  /** Set when a stream-stream join feeds this one: the offset of its output watermark. */
  readonly inputWatermarkOffsetMs: number | null
  readonly text: string
  /** The condition as explain() shows it: qualified columns, quoted strings. */
  readonly explainText?: string
}

/** Row counts per side, and the state watermarks state was last cleaned up to. */
interface Meta {
  readonly l: number
  readonly r: number
  readonly el: number
  readonly er: number
  /**
   * The version of the buckets' key text (dedup-key.ts KEY_ENCODING); absent: version 1,
   * JSON's, which wrote NaN, Infinity and -Infinity keys as `null`.
   */
  readonly k?: number
}

/** A side's new rows of a batch (late ones dropped), as parallel arrays. */
interface NewRows {
  readonly rows: StoredRow[]
  /** The state key without the side prefix; null when a key column is null (matches nothing). */
  readonly keys: (string | null)[]
  /** Whether the row passes its side's filter. */
  readonly pass: boolean[]
  /** The time the side's eviction compares with the state watermark. */
  readonly times: (number | null)[]
}

/** The output rows of a batch: each a left and a right row of values, either null (an unmatched row). */
class OutRows {
  readonly l: (readonly unknown[] | null)[] = []
  readonly r: (readonly unknown[] | null)[] = []
  push(l: readonly unknown[] | null, r: readonly unknown[] | null): void {
    this.l.push(l)
    this.r.push(r)
  }
}

const META = '#meta'
const prefixOf = (side: Side): string => (side === 'left' ? 'L' : 'R')
const other = (side: Side): Side => (side === 'left' ? 'right' : 'left')

/** The event time of a key value: a timestamp, or a window struct's end. */
function keyTime(v: unknown): number | null {
  if (typeof v === 'number') return v
  const end = (v as { end?: unknown } | null)?.end
  return end instanceof Date ? end.getTime() : typeof end === 'number' ? end : null
}

/**
 * Whether a key's text means a null key value (which matches nothing): a null in any of
 * the key columns.
 */
function nullKeyMask(keys: readonly Vector[], n: number): Uint8Array | null {
  let mask: Uint8Array | null = null
  for (const k of keys) {
    if (k.kind === 'object') {
      const values = k.values
      for (let i = 0; i < n; i++) {
        if (values[i] == null) {
          mask ??= new Uint8Array(n)
          mask[i] = 1
        }
      }
    } else if (k.validity !== null) {
      const valid = k.validity
      for (let i = 0; i < n; i++) {
        if (valid[i] === 0) {
          mask ??= new Uint8Array(n)
          mask[i] = 1
        }
      }
    }
  }
  return mask
}

export class StreamingSymmetricHashJoin implements StatefulOperator, JoinWatermarkProducer {
  readonly name = 'StreamingSymmetricHashJoin'
  readonly children: readonly PhysicalOperator[]
  readonly schema: Schema<unknown>
  readonly outputWatermarkOffsetMs: number
  private state: OperatorState | null = null
  private last = { updated: 0, removed: 0, dropped: 0, total: 0 }
  private laggingConsumer = false
  /** The watermarks of the last batch run, to know whether a lagging consumer needs one more. */
  private lastRun: { previous: number; query: number } | null = null
  /**
   * Per side, the buckets holding rows the watermark will remove (see EvictionIndex), as
   * of state version `version`: rebuilt from the store when a batch other than the one it
   * expects comes (a restart, or a batch run again after a failure); -1 while a batch
   * changes it.
   */
  private index: { left: EvictionIndex; right: EvictionIndex; version: number } | null = null
  /** The buckets kept between batches when the provider holds state in memory (see join-state.ts). */
  private live: LiveJoinState | null = null

  constructor(
    private readonly spec: SymmetricJoinSpec,
    readonly operatorId: number,
  ) {
    this.children = [spec.left.op, spec.right.op]
    this.schema = spec.output.schema
    const own =
      spec.joinType === 'left_semi'
        ? spec.left.timeBoundMs
        : Math.min(spec.left.timeBoundMs, spec.right.timeBoundMs)
    this.outputWatermarkOffsetMs = (spec.inputWatermarkOffsetMs ?? 0) + Math.min(0, own)
  }

  markLaggingConsumer(): void {
    this.laggingConsumer = true
  }

  private side(s: Side): SymmetricSide {
    return s === 'left' ? this.spec.left : this.spec.right
  }

  private keepsUnmatched(s: Side): boolean {
    return s === 'left' ? keepsUnmatchedLeft(this.spec.joinType) : keepsUnmatchedRight(this.spec.joinType)
  }

  /** Whether the matched flags of side s's stored rows are read: an outer side, a semi join's left. */
  private tracksMatches(s: Side): boolean {
    return this.keepsUnmatched(s) || (s === 'left' && this.spec.joinType === 'left_semi')
  }

  /** The eviction index of what the store holds at `version`: every bucket's eviction times. */
  private async buildIndex(
    buckets: AsyncIterable<[string, unknown]> | Iterable<[string, unknown]>,
    version: number,
  ): Promise<{ left: EvictionIndex; right: EvictionIndex; version: number }> {
    const index = { left: new EvictionIndex(), right: new EvictionIndex(), version }
    const l = this.spec.left.eviction
    const r = this.spec.right.eviction
    if (l === null && r === null) return index
    for await (const [key, value] of buckets) {
      const s: Side | null = key[0] === 'L' ? 'left' : key[0] === 'R' ? 'right' : null
      const e = s === 'left' ? l : s === 'right' ? r : null
      if (s === null || e === null) continue
      const bucket = value as Bucket
      if (e.kind === 'key') {
        if (bucket.t !== null) index[s].add(key, bucket.t)
        continue
      }
      // One entry at the bucket's earliest row (evict adds one for the rows it leaves).
      let low = Number.POSITIVE_INFINITY
      for (const row of bucket.rows) {
        const t = row.v[e.column] as number | null
        if (t !== null && t < low) low = t
      }
      if (low !== Number.POSITIVE_INFINITY) index[s].add(key, low)
    }
    index.left.seal(true)
    index.right.seal(true)
    return index
  }

  /** The bucket keys (prefix and key text) of stored rows of side s, from their values; null for a null key. */
  private storedKeys(s: Side, rows: readonly StoredRow[], ctx: ExecContext): (string | null)[] {
    const side = this.side(s)
    const n = rows.length
    const schema = side.op.schema
    const batch = new ColumnarBatch(
      schema,
      columnsOfRows(
        schema,
        rows.map((r) => r.v),
      ),
      n,
    )
    const keys = side.keys.map((k) => k.evaluate(batch, ctx.eval))
    const text = joinKeyTextOf(keys)
    const nulls = nullKeyMask(keys, n)
    const prefix = prefixOf(s)
    return rows.map((_, i) => (nulls !== null && nulls[i] === 1 ? null : prefix + text(i)))
  }

  /** The time at or below which a side's stored rows can match nothing more; null before any watermark. */
  private stateWatermark(s: Side, watermarkMs: number): number | null {
    const e = this.side(s).eviction
    if (!e || watermarkMs <= 0) return null
    return e.kind === 'key' ? watermarkMs : watermarkMs + e.offsetMs
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    if (!ctx.state) throw new Error('StreamingSymmetricHashJoin needs a streaming query state')
    const state = await ctx.state.openOperator(this.operatorId, ctx.batchId)
    this.state = state
    const query = queryWatermark(ctx)
    const previous = ctx.previousWatermarkMs ?? query
    const offset = this.spec.inputWatermarkOffsetMs
    // After another join, this join's input watermark is that join's output watermark.
    const evictAt = offset === null ? query : shiftWatermark(query, offset)
    const lateAt = offset === null ? query : shiftWatermark(previous, offset)
    this.lastRun = { previous, query }
    const childCtx = withWatermark(ctx, query)
    const leftIn = await this.spec.left.op.execute(childCtx)
    const rightIn = await this.spec.right.op.execute(childCtx)

    const meta = { ...((state.get(META) as Meta | undefined) ?? { l: 0, r: 0, el: 0, er: 0 }) }
    let buckets: BucketView
    let index = this.index
    const rekey = (prefix: Prefix, rows: readonly StoredRow[]) =>
      this.storedKeys(prefix === 'L' ? 'left' : 'right', rows, ctx)
    if (meta.k !== KEY_ENCODING) {
      // State of an older Tributary: buckets whose key text the encoding changed move.
      if (!ctx.state.provider.holdsStateInMemory) await rekeyBuckets(state, rekey)
      Object.assign(meta, { k: KEY_ENCODING })
    }
    if (ctx.state.provider.holdsStateInMemory) {
      let live = this.live
      if (live === null || live.version !== ctx.batchId || index === null || index.version !== ctx.batchId) {
        live = await LiveJoinState.restore(
          state,
          ctx.batchId,
          {
            L: this.spec.left.op.schema.fields.length,
            R: this.spec.right.op.schema.fields.length,
          },
          rekey,
        )
        index = await this.buildIndex(live.buckets, ctx.batchId)
      }
      // Until the batch has written its changes, the live state matches no stored version.
      live.version = -1
      live.batchId = ctx.batchId
      this.live = live
      buckets = live
    } else {
      this.live = null
      if (index === null || index.version !== ctx.batchId)
        index = await this.buildIndex(state.entriesAsync(), ctx.batchId)
      buckets = new StoreBuckets(state, { L: this.tracksMatches('left'), R: this.tracksMatches('right') })
    }
    // Until the batch has evicted, the index matches no stored version.
    index.version = -1
    this.index = index
    const out = new OutRows()
    const stats = { updated: 0, removed: 0, dropped: 0 }
    const newRows = {
      left: this.prepare('left', leftIn, lateAt, ctx, stats),
      right: this.prepare('right', rightIn, lateAt, ctx, stats),
    }
    for (const s of ['left', 'right'] as const) {
      this.joinWithState(s, newRows[s], buckets, out, ctx)
      const stored = this.store(s, newRows[s], buckets, out, lateAt, index[s])
      stats.updated += stored
      if (s === 'left') meta.l += stored
      else meta.r += stored
    }
    for (const s of ['left', 'right'] as const) {
      const at = this.stateWatermark(s, evictAt)
      if (at === null) continue
      const done = s === 'left' ? meta.el : meta.er
      // Rows stored this batch lie above the state watermark they were judged by: unless it
      // moved, or a chained join judged them by the previous batch's, there is nothing to remove.
      if (at <= done && (offset === null || stats.updated === 0)) continue
      const removed = this.evict(s, at, buckets, out, index[s])
      stats.removed += removed
      if (s === 'left') Object.assign(meta, { l: meta.l - removed, el: at })
      else Object.assign(meta, { r: meta.r - removed, er: at })
    }
    buckets.flush(state)
    state.put(META, meta)
    index.version = ctx.batchId + 1
    if (this.live) this.live.version = ctx.batchId + 1
    this.last = { ...stats, total: meta.l + meta.r }

    const left = columnsOfRows(this.spec.left.op.schema, out.l)
    const right = columnsOfRows(this.spec.right.op.schema, out.r)
    return this.spec.output.build(left, right, out.l.length)
  }

  /** A side's new rows: late ones dropped, each with its key, filter result and eviction time. */
  private prepare(
    s: Side,
    batch: ColumnarBatch<unknown>,
    lateAt: number,
    ctx: ExecContext,
    stats: { dropped: number },
  ): NewRows {
    const side = this.side(s)
    const live = this.live !== null
    const n = batch.numRows
    const time = side.eventTime >= 0 ? batch.columns[side.eventTime] : null
    const late: number[] = []
    const keys = side.keys.map((k) => k.evaluate(batch, ctx.eval))
    const keyText = joinKeyTextOf(keys)
    const nullKey = nullKeyMask(keys, n)
    const pass = passMask(side.filter, batch, ctx.eval)
    const e = side.eviction
    const evictColumn = e === null ? null : e.kind === 'key' ? keys[e.keyIndex] : batch.columns[e.column]
    const columns = batch.columns
    const width = columns.length
    const rows: NewRows = { rows: [], keys: [], pass: [], times: [] }
    for (let i = 0; i < n; i++) {
      // A window column (no timestamp kept) is late by its end, as Spark judges a window key.
      const t = time ? keyTime(valueAt(time, i)) : null
      if (lateAt > 0 && t !== null && t <= lateAt) {
        late.push(i)
        continue
      }
      const key = nullKey !== null && nullKey[i] === 1 ? null : keyText(i)
      const evictTime =
        evictColumn === null
          ? null
          : e!.kind === 'key'
            ? keyTime(valueAt(evictColumn, i))
            : (valueAt(evictColumn, i) as number | null)
      const v = new Array<unknown>(width)
      for (let c = 0; c < width; c++) v[c] = valueAt(columns[c], i)
      rows.rows.push(newStoredRow(v, live))
      rows.keys.push(key)
      rows.pass.push(pass === null || pass[i] === 1)
      rows.times.push(evictTime)
    }
    stats.dropped += late.length
    if (late.length > 0 && ctx.lateRows) ctx.lateRows(`${this.name} ${s} side`, batch.take(late))
    return rows
  }

  /** Joins new rows of side s with the other side's stored rows; marks both matched. */
  private joinWithState(s: Side, rows: NewRows, buckets: BucketView, out: OutRows, ctx: ExecContext): void {
    const semi = this.spec.joinType === 'left_semi'
    const otherPrefix = prefixOf(other(s))
    // A stored row's flag is set (and its bucket rewritten) only when something reads it.
    const tracksStored = this.tracksMatches(other(s))
    // Candidate pairs: the new row, the stored row and its bucket, as parallel arrays.
    const fresh: StoredRow[] = []
    const stored: StoredRow[] = []
    const bucketKeys: string[] = []
    const flush = (): void => {
      const count = fresh.length
      if (count === 0) return
      const [ls, rs] = s === 'left' ? [fresh, stored] : [stored, fresh]
      const sel = residualSelection(
        this.spec.residual,
        this.spec.pairSchema,
        this.spec.residual
          ? columnsOfRows(
              this.spec.left.op.schema,
              ls.map((r) => r.v),
            )
          : [],
        this.spec.residual
          ? columnsOfRows(
              this.spec.right.op.schema,
              rs.map((r) => r.v),
            )
          : [],
        count,
        ctx.eval,
      )
      const n = sel ? sel.length : count
      for (let k = 0; k < n; k++) {
        const j = sel ? sel[k] : k
        const l = ls[j]
        // A semi join outputs a left row once, at its first match.
        if (semi) {
          if (!l.m) out.push(l.v, null)
        } else out.push(l.v, rs[j].v)
        fresh[j].m = true
        const st = stored[j]
        if (tracksStored && !st.m) {
          st.m = true
          buckets.matched(bucketKeys[j], st)
        }
      }
      fresh.length = 0
      stored.length = 0
      bucketKeys.length = 0
    }
    for (let i = 0; i < rows.rows.length; i++) {
      const rowKey = rows.keys[i]
      if (rowKey === null || !rows.pass[i]) continue
      const row = rows.rows[i]
      const bucketKey = otherPrefix + rowKey
      const bucket = buckets.get(bucketKey)
      if (!bucket) continue
      for (const st of bucket.rows) {
        fresh.push(row)
        stored.push(st)
        bucketKeys.push(bucketKey)
      }
      if (fresh.length >= PAIR_CHUNK) flush()
    }
    flush()
  }

  /**
   * Stores the new rows of side s that a later row of the other side may still match.
   * The others can never match again: an outer join outputs them now if they did not match.
   */
  private store(
    s: Side,
    rows: NewRows,
    buckets: BucketView,
    out: OutRows,
    lateAt: number,
    index: EvictionIndex,
  ): number {
    const at = this.stateWatermark(s, lateAt)
    const e = this.side(s).eviction
    const evicts = e !== null
    const semiLeft = this.spec.joinType === 'left_semi' && s === 'left'
    const prefix = prefixOf(s)
    // The smallest time indexed for each bucket this batch: a row at or above it is covered.
    const indexed = new Map<string, number>()
    let stored = 0
    for (let i = 0; i < rows.rows.length; i++) {
      const row = rows.rows[i]
      const rowKey = rows.keys[i]
      const t = rows.times[i]
      const mayMatchLater =
        rowKey !== null && rows.pass[i] && (!evicts || (t !== null && (at === null || t > at)))
      // A semi join's matched left row is done: it is output once and never needed again.
      if (mayMatchLater && !(semiLeft && row.m)) {
        const key = prefix + rowKey
        const created = buckets.add(key, t, row)
        // Key eviction removes a bucket at its time. Value eviction visits a bucket once the
        // watermark reaches the earliest of its rows: each row has an entry at or below its time.
        if (e !== null && (created || e.kind === 'value')) {
          const low = indexed.get(key)
          if (low === undefined || t! < low) {
            index.add(key, t!)
            indexed.set(key, t!)
          }
        }
        stored++
      } else if (!mayMatchLater && !row.m && this.keepsUnmatched(s)) {
        out.push(s === 'left' ? row.v : null, s === 'left' ? null : row.v)
      }
    }
    return stored
  }

  /**
   * Removes side s's rows at or below its state watermark; outputs the unmatched ones of an
   * outer side. Visits only the buckets the index has at or below it.
   */
  private evict(s: Side, at: number, buckets: BucketView, out: OutRows, index: EvictionIndex): number {
    const e = this.side(s).eviction!
    const prefix = prefixOf(s)
    const outer = this.keepsUnmatched(s)
    const gone =
      e.kind === 'key'
        ? (_row: StoredRow, bucket: Bucket): boolean => bucket.t !== null && bucket.t <= at
        : (row: StoredRow): boolean => {
            const t = row.v[e.column] as number | null
            return t !== null && t <= at
          }
    let removed = 0
    for (const key of index.take(at)) {
      if (key[0] !== prefix) continue
      // The entries of the rows that stay may have been taken with the others: one at the earliest again.
      let low = Number.POSITIVE_INFINITY
      removed += buckets.removeWhere(key, (row, bucket) => {
        if (!gone(row, bucket)) {
          const t = e.kind === 'value' ? (row.v[e.column] as number | null) : bucket.t
          if (t !== null && t < low) low = t
          return false
        }
        if (!row.m && outer) out.push(s === 'left' ? row.v : null, s === 'left' ? null : row.v)
        return true
      })
      if (low !== Number.POSITIVE_INFINITY) index.add(key, low)
    }
    return removed
  }

  needsNoDataBatch(watermarkMs: number, lastBatchWatermarkMs: number): boolean {
    const evicts = this.spec.left.eviction !== null || this.spec.right.eviction !== null
    if (evicts && watermarkMs > lastBatchWatermarkMs) return true
    // An operator after this join runs with the previous batch's watermark: it catches up one batch later.
    if (!this.laggingConsumer) return false
    // After a restart the last run is unknown: one batch more is harmless when there is a watermark.
    return this.lastRun === null ? watermarkMs > 0 : this.lastRun.previous < this.lastRun.query
  }

  progress(): StateOperatorProgress {
    const m = this.state?.metrics() ?? { numKeys: 0, memoryUsedBytes: 0, commitTimeMs: 0 }
    return {
      operatorName: 'symmetricHashJoin',
      numRowsTotal: this.last.total,
      numRowsUpdated: this.last.updated,
      numRowsRemoved: this.last.removed,
      numRowsDroppedByWatermark: this.last.dropped,
      memoryUsedBytes: m.memoryUsedBytes,
      commitTimeMs: m.commitTimeMs,
      numShufflePartitions: 0,
      numStateStoreInstances: 0,
      customMetrics: {},
    }
  }

  private describeEviction(s: Side): string {
    const e = this.side(s).eviction
    if (!e) return 'kept'
    if (e.kind === 'key') return `key ${this.side(s).keys[e.keyIndex].name} <= watermark`
    const name = this.side(s).op.schema.fields[e.column].name
    return `${name} <= watermark ${e.offsetMs < 0 ? '-' : '+'} ${Math.abs(e.offsetMs)} ms`
  }

  /** Stored rows are the sides' values by position: a side with other columns cannot read them. */
  stateSignature(): string {
    const side = (s: SymmetricSide) =>
      `${s.op.schema.simpleString()} keys=[${s.keys.map((k) => `${k.name}: ${typeToString(k.type)}`).join(', ')}]`
    return `StreamingSymmetricHashJoin ${joinTypeName(this.spec.joinType)} left=${side(this.spec.left)} right=${side(this.spec.right)} on ${this.spec.text}`
  }

  describe(): string {
    const keys = (s: SymmetricSide) => s.keys.map((k) => k.name).join(', ')
    return `StreamingSymmetricHashJoin [${keys(this.spec.left)}], [${keys(this.spec.right)}], ${joinTypeName(this.spec.joinType)}, ${this.spec.explainText ?? this.spec.text}, state: left ${this.describeEviction('left')}, right ${this.describeEviction('right')}, stateOperator=${this.operatorId}`
  }
}

/**
 * Moves the stored rows whose bucket key the key text's version 1 wrote differently: NaN,
 * Infinity and -Infinity were all `null` there, in one bucket. Each row's key is computed
 * again from its stored values (exact: the rows keep their numbers), as part of the batch's
 * changes. Only buckets whose key has a `null` can move.
 */
async function rekeyBuckets(
  state: OperatorState,
  rekey: (prefix: Prefix, rows: readonly StoredRow[]) => (string | null)[],
): Promise<void> {
  const candidates: [string, Bucket][] = []
  for await (const [key, value] of state.entriesAsync())
    if ((key[0] === 'L' || key[0] === 'R') && key.includes('null')) candidates.push([key, value as Bucket])
  for (const [key, bucket] of candidates) {
    const keys = rekey(key[0] as Prefix, bucket.rows)
    const moved = new Map<string, StoredRow[]>()
    bucket.rows.forEach((row, i) => {
      const to = keys[i] ?? key
      const list = moved.get(to)
      if (list) list.push(row)
      else moved.set(to, [row])
    })
    if (moved.size === 1 && moved.has(key)) continue
    state.remove(key)
    for (const [to, rows] of moved) {
      const there = state.get(to) as Bucket | undefined
      state.put(to, { rows: there ? [...there.rows, ...rows] : rows, t: there ? there.t : bucket.t })
    }
  }
}
