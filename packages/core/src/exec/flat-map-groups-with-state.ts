/**
 * mapGroupsWithState / flatMapGroupsWithState: calls the user's function once per key
 * with the key's new rows and its GroupState, keeps the state in the state store, and
 * calls it again (with no rows and hasTimedOut) for keys whose timeout is due — in
 * batches with new data or, when a timeout is due, in a batch without any.
 */

import { type ColumnarBatch, RowBatchBuilder } from '../batch/columnar-batch.js'
import { rowReader } from '../batch/row-reader.js'
import { type Vector, valueAt } from '../batch/vector.js'
import type { EvalContext } from '../expr/compiled.js'
import { type OperatorState, partitionOf } from '../state/state-manager.js'
import type { StateStore } from '../state/state-store.js'
import type { StateOperatorProgress } from '../streaming/progress.js'
import type { Schema } from '../types/schema.js'
import { TributaryError } from '../util/errors.js'
import { groupKeyText } from './group-key.js'
import { type GroupState, GroupStateImpl, type GroupStateTimeout, NO_TIMESTAMP } from './group-state.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from './operator.js'
import { noStateCounts, type StateCounts, stateOperatorProgress } from './state-progress.js'

export type GroupsWithStateFunction = (key: unknown, rows: unknown[], state: GroupState<unknown>) => unknown

interface Group {
  /** The key's text (group-key.ts): its id in the state store. */
  readonly id: string
  /** The key as the key function first returned it in this batch. */
  readonly key: unknown
  /** Position in first-seen order. */
  readonly index: number
  /** Where its rows start in the batch's grouped order, and how many. */
  start: number
  count: number
  /** The rows, when kept from the key function's pass (few large groups). */
  readonly rows: unknown[] | null
}

/** Average rows per group above which a batch keeps the rows the key function saw. */
const RETAIN_ROWS_GROUP_SIZE = 1024

/** 1 for the rows whose event time the watermark has passed (late rows, dropped). */
function lateRows(times: Vector, watermark: number): Uint8Array {
  const late = new Uint8Array(times.length)
  if (times.kind === 'number') {
    const values = times.values
    const valid = times.validity
    for (let i = 0; i < late.length; i++)
      if (values[i] <= watermark && (valid === null || valid[i] === 1)) late[i] = 1
    return late
  }
  for (let i = 0; i < late.length; i++) {
    const t = valueAt(times, i) as number | null
    if (t !== null && t <= watermark) late[i] = 1
  }
  return late
}

interface StoredGroup {
  /** The key as the key function returned it. */
  readonly k: unknown
  readonly v: unknown
  /** Timeout timestamp, or NO_TIMESTAMP. */
  readonly t: number
}

export class FlatMapGroupsWithState implements StatefulOperator {
  readonly name = 'FlatMapGroupsWithState'
  readonly children: PhysicalOperator[]
  private state: OperatorState | null = null
  private last: StateCounts = noStateCounts
  /** The earliest timeout among stored keys after the last batch. */
  private nextTimeout = Number.POSITIVE_INFINITY
  /** Whether this batch keeps the key function's rows for the calls (see execute). */
  private retainRows = false

  constructor(
    readonly child: PhysicalOperator,
    private readonly keyFn: (row: unknown) => unknown,
    private readonly fn: GroupsWithStateFunction,
    private readonly flat: boolean,
    private readonly timeout: GroupStateTimeout,
    readonly schema: Schema<unknown>,
    readonly operatorId: number,
    /** Index of the input's watermarked event-time column, or -1. */
    private readonly eventTimeIndex: number,
  ) {
    this.children = [child]
  }

  /** Calls the function; its rows go into `out` at once (converted to columns, so the objects die young). */
  private call(
    key: unknown,
    rows: unknown[],
    gs: GroupStateImpl<unknown>,
    out: RowBatchBuilder<unknown>,
  ): void {
    const result = this.fn(key, rows, gs)
    if (!this.flat) {
      out.append(result as Record<string, unknown>)
      return
    }
    if (result == null || typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TributaryError(
        `flatMapGroupsWithState's function must return an array or another iterable of rows; for key ${JSON.stringify(key)} it returned ${String(result)}.`,
        'FLATMAP_NOT_ITERABLE',
      )
    }
    if (Array.isArray(result)) for (let i = 0; i < result.length; i++) out.append(result[i])
    else for (const r of result as Iterable<Record<string, unknown>>) out.append(r)
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const state = ctx.state ? await ctx.state.openOperator(this.operatorId, ctx.batchId) : null
    this.state = state
    const watermark = ctx.watermarkMs
    const hasWatermark = this.eventTimeIndex >= 0
    let dropped = 0

    // Group the batch's rows by key, in first-seen order. A group's id is the JSON text of
    // its key; a number or string key's text is made once per batch, not once per row.
    // With many small groups, the rows the key function sees are not kept: each group's
    // rows are built again just before its call (as Spark deserializes a row for the key
    // function and again for the group's function), so that rows live for one call, not
    // for the whole batch, and the garbage collector need not copy them. With few large
    // groups (the last batch's average above RETAIN_ROWS_GROUP_SIZE) the rows are kept,
    // not built twice: they live as long as their group's call anyway.
    const retain = this.retainRows
    const groups = new Map<string, Group>()
    const byPrimitive = new Map<unknown, Group>()
    const times = hasWatermark && watermark > 0 ? input.columns[this.eventTimeIndex] : null
    const late = times !== null ? lateRows(times, watermark) : null
    const rowAt = rowReader(input)
    const keyFn = this.keyFn
    const n = input.numRows
    const groupOf = new Int32Array(n)
    const list: Group[] = []
    let lastKey: unknown
    let lastGroup: Group | undefined
    for (let i = 0; i < n; i++) {
      if (late !== null && late[i] === 1) {
        dropped++
        groupOf[i] = -1
        continue
      }
      const row = rowAt(i)
      const key = keyFn(row)
      const primitive = typeof key === 'number' || typeof key === 'string'
      // Rows of one key often come together (a window): the previous row's group first.
      let g = primitive ? (key === lastKey ? lastGroup : byPrimitive.get(key)) : undefined
      if (g === undefined) {
        const id = groupKeyText(key)
        g = groups.get(id)
        if (g === undefined) {
          g = { id, key, index: list.length, start: 0, count: 0, rows: retain ? [] : null }
          groups.set(id, g)
          list.push(g)
        }
        if (primitive) byPrimitive.set(key, g)
      }
      if (primitive) {
        lastKey = key
        lastGroup = g
      }
      groupOf[i] = g.index
      g.count++
      if (g.rows !== null) g.rows.push(row)
    }
    this.retainRows = list.length > 0 && (n - dropped) / list.length > RETAIN_ROWS_GROUP_SIZE
    // The rows of each group together, in input order (a counting sort).
    let at = 0
    for (const g of list) {
      g.start = at
      at += g.count
    }
    const order = new Int32Array(retain ? 0 : at)
    if (!retain) {
      const fill = new Int32Array(list.length)
      for (let i = 0; i < n; i++) {
        const g = groupOf[i]
        if (g >= 0) order[list[g].start + fill[g]++] = i
      }
    }
    const rowsOf = (g: Group): unknown[] => {
      if (g.rows !== null) return g.rows
      const rows = new Array<unknown>(g.count)
      for (let j = 0; j < g.count; j++) rows[j] = rowAt(order[g.start + j])
      return rows
    }

    const out = new RowBatchBuilder(this.schema)
    let updated = 0
    let removed = 0
    /** Stores the call's outcome; returns the key's timeout after it (NO_TIMESTAMP when none or removed). */
    const apply = (
      store: StateStore | null,
      id: string,
      key: unknown,
      gs: GroupStateImpl<unknown>,
      stored: StoredGroup | undefined,
    ) => {
      if (!store) return NO_TIMESTAMP
      const o = gs.outcome()
      if (o.kind === 'remove') {
        if (stored !== undefined) removed++
        store.remove(id)
        return NO_TIMESTAMP
      }
      if (o.kind === 'put') {
        store.put(id, { k: key, v: o.value, t: o.timeout } satisfies StoredGroup)
        updated++
        return o.timeout
      }
      return stored === undefined ? NO_TIMESTAMP : stored.t
    }
    const stateFor = (stored: StoredGroup | undefined, timedOut: boolean) =>
      new GroupStateImpl<unknown>(
        stored ? { value: stored.v, timeout: stored.t } : undefined,
        timedOut,
        this.timeout,
        ctx.eval.batchTimestampMs,
        watermark,
        hasWatermark,
      )

    for (const g of list) {
      const store = state ? state.storeOf(g.id) : null
      const stored = store ? (store.get(g.id) as StoredGroup | undefined) : undefined
      const gs = stateFor(stored, false)
      this.call(g.key, rowsOf(g), gs, out)
      apply(store, g.id, g.key, gs, stored)
    }

    // Timeouts of keys that got no rows in this batch; one pass over the state also finds
    // the earliest timeout left after the batch (for needsNoDataBatch).
    if (state && this.timeout !== 'NoTimeout') {
      const threshold = this.timeout === 'ProcessingTimeTimeout' ? ctx.eval.batchTimestampMs : watermark
      const due: [string, StoredGroup][] = []
      let next = Number.POSITIVE_INFINITY
      const visit = (id: string, v: unknown) => {
        const t = (v as StoredGroup).t
        if (t === NO_TIMESTAMP) return
        if (t < threshold && !groups.has(id)) due.push([id, v as StoredGroup])
        else if (t < next) next = t
      }
      const entries = state.entriesIfSync()
      if (entries !== null) for (const [id, v] of entries) visit(id, v)
      else for await (const [id, v] of state.entriesAsync()) visit(id, v)
      for (const [id, s] of due) {
        const gs = stateFor(s, true)
        this.call(s.k, [], gs, out)
        const t = apply(state.storeOf(id), id, s.k, gs, s)
        if (t !== NO_TIMESTAMP && t < next) next = t
      }
      this.nextTimeout = next
    }
    this.last = { updated, removed, dropped }
    return out.finish()
  }

  /**
   * The state partition of each input row: partitionOf the text of the key the key
   * function returns for it, the id its state is stored under.
   */
  shufflePartitions(input: ColumnarBatch<unknown>, _ctx: EvalContext, partitions: number): Int32Array {
    const rowAt = rowReader(input)
    const out = new Int32Array(input.numRows)
    for (let i = 0; i < out.length; i++) out[i] = partitionOf(groupKeyText(this.keyFn(rowAt(i))), partitions)
    return out
  }

  noDataBatchHint(): number {
    return this.nextTimeout
  }

  takeNoDataBatchHints(hints: readonly number[]): void {
    this.nextTimeout = Math.min(Number.POSITIVE_INFINITY, ...hints)
  }

  needsNoDataBatch(watermarkMs: number, lastBatchWatermarkMs: number, nowMs: number): boolean {
    if (this.timeout === 'ProcessingTimeTimeout') return this.nextTimeout < nowMs
    if (this.timeout === 'EventTimeTimeout')
      return watermarkMs > lastBatchWatermarkMs && this.nextTimeout < watermarkMs
    return false
  }

  progress(): StateOperatorProgress {
    return stateOperatorProgress('flatMapGroupsWithState', this.state, this.last)
  }

  describe(): string {
    return `FlatMapGroupsWithState timeout=${this.timeout} [${this.schema.names.join(', ')}] stateOperator=${this.operatorId}`
  }
}
