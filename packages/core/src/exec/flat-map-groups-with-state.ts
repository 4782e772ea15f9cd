/**
 * mapGroupsWithState / flatMapGroupsWithState: calls the user's function once per key
 * with the key's new rows and its GroupState, keeps the state in the state store, and
 * calls it again (with no rows and hasTimedOut) for keys whose timeout is due — in
 * batches with new data or, when a timeout is due, in a batch without any.
 */

import { ColumnarBatch } from '../batch/columnar-batch.js'
import { valueAt } from '../batch/vector.js'
import type { OperatorState } from '../state/state-manager.js'
import type { StateOperatorProgress } from '../streaming/progress.js'
import type { Schema } from '../types/schema.js'
import { TributaryError } from '../util/errors.js'
import { type GroupState, GroupStateImpl, type GroupStateTimeout, NO_TIMESTAMP } from './group-state.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from './operator.js'
import { noStateCounts, type StateCounts, stateOperatorProgress } from './state-progress.js'

export type GroupsWithStateFunction = (key: unknown, rows: unknown[], state: GroupState<unknown>) => unknown

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

  private call(key: unknown, rows: unknown[], gs: GroupStateImpl<unknown>, out: unknown[]): void {
    const result = this.fn(key, rows, gs)
    if (!this.flat) {
      out.push(result)
      return
    }
    if (result == null || typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TributaryError(
        `flatMapGroupsWithState's function must return an array or another iterable of rows; for key ${JSON.stringify(key)} it returned ${String(result)}.`,
        'FLATMAP_NOT_ITERABLE',
      )
    }
    for (const r of result as Iterable<unknown>) out.push(r)
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const state = ctx.state ? await ctx.state.openOperator(this.operatorId, ctx.batchId) : null
    this.state = state
    const watermark = ctx.watermarkMs
    const hasWatermark = this.eventTimeIndex >= 0
    let dropped = 0

    // Group the batch's rows by key, in first-seen order.
    const groups = new Map<string, { key: unknown; rows: unknown[] }>()
    const timeCol = hasWatermark ? input.columns[this.eventTimeIndex] : null
    for (let i = 0; i < input.numRows; i++) {
      if (timeCol && watermark > 0) {
        const t = valueAt(timeCol, i) as number | null
        if (t !== null && t <= watermark) {
          dropped++
          continue
        }
      }
      const row = input.row(i)
      const key = this.keyFn(row)
      const id = JSON.stringify(key) ?? 'undefined'
      let g = groups.get(id)
      if (!g) {
        g = { key, rows: [] }
        groups.set(id, g)
      }
      g.rows.push(row)
    }

    const out: unknown[] = []
    let updated = 0
    let removed = 0
    const apply = (id: string, key: unknown, gs: GroupStateImpl<unknown>) => {
      if (!state) return
      const o = gs.outcome()
      if (o.kind === 'remove') {
        if (state.get(id) !== undefined) removed++
        state.remove(id)
      } else if (o.kind === 'put') {
        state.put(id, { k: key, v: o.value, t: o.timeout } satisfies StoredGroup)
        updated++
      }
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

    for (const [id, g] of groups) {
      const gs = stateFor(state?.get(id) as StoredGroup | undefined, false)
      this.call(g.key, g.rows, gs, out)
      apply(id, g.key, gs)
    }

    // Timeouts of keys that got no rows in this batch.
    if (state && this.timeout !== 'NoTimeout') {
      const threshold = this.timeout === 'ProcessingTimeTimeout' ? ctx.eval.batchTimestampMs : watermark
      const due: [string, StoredGroup][] = []
      for await (const [id, v] of state.entriesAsync()) {
        const s = v as StoredGroup
        if (!groups.has(id) && s.t !== NO_TIMESTAMP && s.t < threshold) due.push([id, s])
      }
      for (const [id, s] of due) {
        const gs = stateFor(s, true)
        this.call(s.k, [], gs, out)
        apply(id, s.k, gs)
      }
      let next = Number.POSITIVE_INFINITY
      for await (const [, v] of state.entriesAsync()) {
        const t = (v as StoredGroup).t
        if (t !== NO_TIMESTAMP && t < next) next = t
      }
      this.nextTimeout = next
    }
    this.last = { updated, removed, dropped }
    return ColumnarBatch.fromRows(this.schema, out as Record<string, unknown>[])
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
