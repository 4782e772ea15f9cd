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

import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import { type Vector, valueAt } from '../../batch/vector.js'
import type { Compiled } from '../../expr/compiled.js'
import type { Side, StateEviction } from '../../plan/join-analysis.js'
import { type JoinType, joinTypeName, keepsUnmatchedLeft, keepsUnmatchedRight } from '../../plan/join-type.js'
import type { OperatorState } from '../../state/state-manager.js'
import type { StateOperatorProgress } from '../../streaming/progress.js'
import { typeToString } from '../../types/data-types.js'
import type { Schema } from '../../types/schema.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from '../operator.js'
import { EvictionIndex } from './eviction-index.js'
import { joinKeyTextOf } from './join-key.js'
import { columnsOfRows, type JoinOutput } from './join-output.js'
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
  /** The side's event-time column: rows at or below the watermark are late. -1: none. */
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
}

/** A stored row: the side's column values (engine form) and whether it ever matched. */
interface StoredRow {
  readonly v: readonly unknown[]
  m: boolean
}

/** The rows of one side with one join key. `t` is the key's event time (window end) for key eviction. */
interface Bucket {
  readonly rows: StoredRow[]
  readonly t: number | null
}

/** Row counts per side, and the state watermarks state was last cleaned up to. */
interface Meta {
  readonly l: number
  readonly r: number
  readonly el: number
  readonly er: number
}

interface NewRow {
  readonly row: StoredRow
  /** The state key without the side prefix; null when a key column is null (matches nothing). */
  readonly key: string | null
  /** Whether the row passes its side's filter. */
  readonly pass: boolean
  /** The time the side's eviction compares with the state watermark. */
  readonly t: number | null
}

interface OutRow {
  readonly l: readonly unknown[] | null
  readonly r: readonly unknown[] | null
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

/** The buckets a batch touches, loaded once and written back once. */
class Buckets {
  private readonly cache = new Map<string, { bucket: Bucket; dirty: boolean }>()
  /**
   * `tracked[p]`: whether the matched flags of side prefix p's rows are ever read (outer
   * sides, a semi join's left): only then are they set, and the stored rows copied first.
   */
  constructor(
    private readonly state: OperatorState,
    private readonly tracked: { readonly L: boolean; readonly R: boolean },
  ) {}

  get(key: string): Bucket | undefined {
    const hit = this.cache.get(key)
    if (hit) return hit.bucket
    const stored = this.state.get(key) as Bucket | undefined
    if (!stored) return undefined
    // Stored rows are shared with the committed version: copy before flags change.
    const bucket: Bucket = this.tracked[key[0] as 'L' | 'R']
      ? { rows: stored.rows.map((r) => ({ v: r.v, m: r.m })), t: stored.t }
      : { rows: stored.rows.slice(), t: stored.t }
    this.cache.set(key, { bucket, dirty: false })
    return bucket
  }

  /** The bucket of `key`, and whether it is new. */
  getOrCreate(key: string, t: number | null): { bucket: Bucket; created: boolean } {
    const found = this.get(key)
    if (found) return { bucket: found, created: false }
    const bucket: Bucket = { rows: [], t }
    this.cache.set(key, { bucket, dirty: true })
    return { bucket, created: true }
  }

  touch(key: string): void {
    const hit = this.cache.get(key)
    if (hit) hit.dirty = true
  }

  flush(): void {
    for (const [key, { bucket, dirty }] of this.cache) if (dirty) this.state.put(key, bucket)
    this.cache.clear()
  }
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
    state: OperatorState,
    version: number,
  ): Promise<{ left: EvictionIndex; right: EvictionIndex; version: number }> {
    const index = { left: new EvictionIndex(), right: new EvictionIndex(), version }
    const l = this.spec.left.eviction
    const r = this.spec.right.eviction
    if (l === null && r === null) return index
    for await (const [key, value] of state.entriesAsync()) {
      const s: Side | null = key[0] === 'L' ? 'left' : key[0] === 'R' ? 'right' : null
      const e = s === 'left' ? l : s === 'right' ? r : null
      if (s === null || e === null) continue
      const bucket = value as Bucket
      if (e.kind === 'key') {
        if (bucket.t !== null) index[s].add(key, bucket.t)
        continue
      }
      for (const row of bucket.rows) {
        const t = row.v[e.column] as number | null
        if (t !== null) index[s].add(key, t)
      }
    }
    index.left.seal(true)
    index.right.seal(true)
    return index
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
    let index = this.index
    if (index === null || index.version !== ctx.batchId) index = await this.buildIndex(state, ctx.batchId)
    // Until the batch has evicted, the index matches no stored version.
    index.version = -1
    this.index = index
    const buckets = new Buckets(state, { L: this.tracksMatches('left'), R: this.tracksMatches('right') })
    const out: OutRow[] = []
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
    buckets.flush()
    for (const s of ['left', 'right'] as const) {
      const at = this.stateWatermark(s, evictAt)
      if (at === null) continue
      const done = s === 'left' ? meta.el : meta.er
      // Rows stored this batch lie above the state watermark they were judged by: unless it
      // moved, or a chained join judged them by the previous batch's, there is nothing to remove.
      if (at <= done && (offset === null || stats.updated === 0)) continue
      const removed = this.evict(s, at, state, out, index[s])
      stats.removed += removed
      if (s === 'left') Object.assign(meta, { l: meta.l - removed, el: at })
      else Object.assign(meta, { r: meta.r - removed, er: at })
    }
    state.put(META, meta)
    index.version = ctx.batchId + 1
    this.last = { ...stats, total: meta.l + meta.r }

    const left = columnsOfRows(
      this.spec.left.op.schema,
      out.map((o) => o.l),
    )
    const right = columnsOfRows(
      this.spec.right.op.schema,
      out.map((o) => o.r),
    )
    return this.spec.output.build(left, right, out.length)
  }

  /** A side's new rows: late ones dropped, each with its key, filter result and eviction time. */
  private prepare(
    s: Side,
    batch: ColumnarBatch<unknown>,
    lateAt: number,
    ctx: ExecContext,
    stats: { dropped: number },
  ): NewRow[] {
    const side = this.side(s)
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
    const rows: NewRow[] = []
    for (let i = 0; i < n; i++) {
      const t = time ? (valueAt(time, i) as number | null) : null
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
      rows.push({ row: { v, m: false }, key, pass: pass === null || pass[i] === 1, t: evictTime })
    }
    stats.dropped += late.length
    if (late.length > 0 && ctx.lateRows) ctx.lateRows(`${this.name} ${s} side`, batch.take(late))
    return rows
  }

  /** Joins new rows of side s with the other side's stored rows; marks both matched. */
  private joinWithState(
    s: Side,
    rows: readonly NewRow[],
    buckets: Buckets,
    out: OutRow[],
    ctx: ExecContext,
  ): void {
    const semi = this.spec.joinType === 'left_semi'
    const otherPrefix = prefixOf(other(s))
    // A stored row's flag is set (and its bucket rewritten) only when something reads it.
    const tracksStored = this.tracksMatches(other(s))
    let pairs: { l: StoredRow; r: StoredRow; bucketKey: string }[] = []
    const flush = (): void => {
      if (pairs.length === 0) return
      const sel = residualSelection(
        this.spec.residual,
        this.spec.pairSchema,
        this.spec.residual
          ? columnsOfRows(
              this.spec.left.op.schema,
              pairs.map((p) => p.l.v),
            )
          : [],
        this.spec.residual
          ? columnsOfRows(
              this.spec.right.op.schema,
              pairs.map((p) => p.r.v),
            )
          : [],
        pairs.length,
        ctx.eval,
      )
      const n = sel ? sel.length : pairs.length
      for (let k = 0; k < n; k++) {
        const p = pairs[sel ? sel[k] : k]
        // A semi join outputs a left row once, at its first match.
        if (semi) {
          if (!p.l.m) out.push({ l: p.l.v, r: null })
        } else out.push({ l: p.l.v, r: p.r.v })
        const [fresh, stored] = s === 'left' ? [p.l, p.r] : [p.r, p.l]
        fresh.m = true
        if (tracksStored && !stored.m) {
          stored.m = true
          buckets.touch(p.bucketKey)
        }
      }
      pairs = []
    }
    for (const row of rows) {
      if (row.key === null || !row.pass) continue
      const bucketKey = otherPrefix + row.key
      const bucket = buckets.get(bucketKey)
      if (!bucket) continue
      for (const stored of bucket.rows) {
        pairs.push(s === 'left' ? { l: row.row, r: stored, bucketKey } : { l: stored, r: row.row, bucketKey })
      }
      if (pairs.length >= PAIR_CHUNK) flush()
    }
    flush()
  }

  /**
   * Stores the new rows of side s that a later row of the other side may still match.
   * The others can never match again: an outer join outputs them now if they did not match.
   */
  private store(
    s: Side,
    rows: readonly NewRow[],
    buckets: Buckets,
    out: OutRow[],
    lateAt: number,
    index: EvictionIndex,
  ): number {
    const at = this.stateWatermark(s, lateAt)
    const e = this.side(s).eviction
    const evicts = e !== null
    const semiLeft = this.spec.joinType === 'left_semi' && s === 'left'
    const prefix = prefixOf(s)
    let stored = 0
    for (const r of rows) {
      const mayMatchLater =
        r.key !== null && r.pass && (!evicts || (r.t !== null && (at === null || r.t > at)))
      // A semi join's matched left row is done: it is output once and never needed again.
      if (mayMatchLater && !(semiLeft && r.row.m)) {
        const key = prefix + r.key
        const { bucket, created } = buckets.getOrCreate(key, r.t)
        bucket.rows.push(r.row)
        buckets.touch(key)
        // Key eviction removes a bucket at its time; value eviction each row at its own.
        if (e !== null && (e.kind === 'value' || created)) index.add(key, r.t!)
        stored++
      } else if (!mayMatchLater && !r.row.m && this.keepsUnmatched(s)) {
        out.push(s === 'left' ? { l: r.row.v, r: null } : { l: null, r: r.row.v })
      }
    }
    return stored
  }

  /**
   * Removes side s's rows at or below its state watermark; outputs the unmatched ones of an
   * outer side. Visits only the buckets the index has at or below it.
   */
  private evict(s: Side, at: number, state: OperatorState, out: OutRow[], index: EvictionIndex): number {
    const e = this.side(s).eviction!
    const prefix = prefixOf(s)
    const changes: [string, Bucket | null][] = []
    let removed = 0
    const gone = (row: StoredRow): void => {
      removed++
      if (!row.m && this.keepsUnmatched(s))
        out.push(s === 'left' ? { l: row.v, r: null } : { l: null, r: row.v })
    }
    for (const key of index.take(at)) {
      const bucket = state.get(key) as Bucket | undefined
      if (bucket === undefined || key[0] !== prefix) continue
      if (e.kind === 'key') {
        if (bucket.t !== null && bucket.t <= at) {
          bucket.rows.forEach(gone)
          changes.push([key, null])
        }
        continue
      }
      const kept = bucket.rows.filter((r) => {
        const t = r.v[e.column] as number | null
        if (t !== null && t <= at) {
          gone(r)
          return false
        }
        return true
      })
      if (kept.length < bucket.rows.length)
        changes.push([key, kept.length ? { rows: kept, t: bucket.t } : null])
    }
    for (const [key, bucket] of changes) {
      if (bucket) state.put(key, bucket)
      else state.remove(key)
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
    return `StreamingSymmetricHashJoin [${keys(this.spec.left)}], [${keys(this.spec.right)}], ${joinTypeName(this.spec.joinType)}, ${this.spec.text}, state: left ${this.describeEviction('left')}, right ${this.describeEviction('right')}, stateOperator=${this.operatorId}`
  }
}
