/**
 * dropDuplicates on a stream: the keys seen so far live in the state store. With a
 * watermarked event-time column among the keys, a key's state is dropped once the
 * watermark passes its event time (and older rows are late); dropDuplicatesWithinWatermark
 * keeps a key until its first event time plus the watermark delay. Without a watermark the
 * state grows with every distinct key.
 *
 * With the memory provider the keys live in the operator's DedupTable (typed-array hash
 * tables, written to the store in chunks); with the others, one store entry per key whose
 * key is the JSON text of the key values (dedup-key.ts).
 */

import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { take, valueAt } from '../batch/vector.js'
import type { EvalContext } from '../expr/compiled.js'
import type { OperatorState } from '../state/state-manager.js'
import type { StateOperatorProgress } from '../streaming/progress.js'
import { typeToString } from '../types/data-types.js'
import type { Schema } from '../types/schema.js'
import { keyTextOf } from './dedup-key.js'
import { DedupTable } from './dedup-table.js'
import { keyPartitions } from './key-partitions.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from './operator.js'
import { noStateCounts, type StateCounts, stateOperatorProgress, withLiveTable } from './state-progress.js'

export interface DedupEventTime {
  /** Column index of the watermarked event time. */
  readonly columnIndex: number
  /** 0 for dropDuplicates (expire at the event time); the watermark delay for dropDuplicatesWithinWatermark. */
  readonly expireAfterMs: number
  /** The column is a window struct; its `end` is the event time (Spark's rule for windows). */
  readonly windowEnd: boolean
}

export class StreamingDeduplicate implements StatefulOperator {
  readonly name = 'StreamingDeduplicate'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  private state: OperatorState | null = null
  private last: StateCounts = noStateCounts
  /** Rows of the last batch dropped as duplicates (not as late). */
  private duplicates = 0
  /** The seen keys, when the store holds state in memory (see DedupTable). */
  private table: DedupTable | null = null
  /** Live keys in the table after the last batch: the progress's row count. */
  private liveKeys: number | null = null

  constructor(
    readonly child: PhysicalOperator,
    private readonly keyIndices: readonly number[],
    readonly operatorId: number,
    private readonly eventTime: DedupEventTime | null,
  ) {
    this.children = [child]
    this.schema = child.schema
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    if (!ctx.state) throw new Error('StreamingDeduplicate needs a streaming query state')
    const state = await ctx.state.openOperator(this.operatorId, ctx.batchId)
    this.state = state
    const input = await this.child.execute(ctx)
    const watermark = ctx.watermarkMs
    const keyCols = this.keyIndices.map((i) => input.columns[i])
    const timeCol = this.eventTime ? input.columns[this.eventTime.columnIndex] : null
    const windowEnd = this.eventTime?.windowEnd === true
    const timeAt = (i: number): number | null => {
      const v = valueAt(timeCol!, i)
      if (!windowEnd) return v as number | null
      return v === null ? null : (v as { end: Date }).end.getTime()
    }
    const expireAfter = this.eventTime?.expireAfterMs ?? 0
    // The rows the watermark has passed are late; a key expires at its event time (+ the delay).
    const late: number[] = []
    let onTime: number[] | null = null
    if (timeCol !== null && watermark > 0) {
      onTime = []
      for (let i = 0; i < input.numRows; i++) {
        const t = timeAt(i)
        if (t !== null && t <= watermark) late.push(i)
        else onTime.push(i)
      }
      if (late.length === 0) onTime = null
    }
    if (late.length > 0 && ctx.lateRows) ctx.lateRows(this.describe(), input.take(late))
    const expiryAt = (i: number): number => {
      const t = timeCol === null ? null : timeAt(i)
      return t === null ? 0 : t + expireAfter
    }

    let keep: number[]
    let removed = 0
    if (ctx.state.provider.holdsStateInMemory) {
      let table = this.table
      if (table === null || table.version !== ctx.batchId) {
        table = await DedupTable.restore(
          state,
          keyCols.map((c) => c.type),
          this.eventTime !== null,
          ctx.batchId,
        )
        this.table = table
      }
      // Until the batch has written its chunks, the table matches no stored version.
      table.version = -1
      if (onTime === null) {
        keep = table.admit(keyCols, input.numRows, this.eventTime ? expiryAt : null)
      } else {
        const rows = onTime
        const kept = table.admit(
          keyCols.map((c) => take(c, rows)),
          rows.length,
          this.eventTime ? (j) => expiryAt(rows[j]) : null,
        )
        keep = kept.map((j) => rows[j])
      }
      if (this.eventTime && watermark > 0) removed = table.evict(watermark)
      table.compactIfSparse()
      table.flush(state)
      table.version = ctx.batchId + 1
      this.liveKeys = table.size
    } else {
      // One store entry per key: its JSON text, the key's expiry as value.
      keep = []
      const keyText = keyTextOf(keyCols)
      const rows = onTime ?? null
      const n = rows === null ? input.numRows : rows.length
      for (let j = 0; j < n; j++) {
        const i = rows === null ? j : rows[j]
        const key = keyText(i)
        const store = state.storeOf(key)
        if (store.get(key) !== undefined) continue
        store.put(key, expiryAt(i))
        keep.push(i)
      }
      if (this.eventTime && watermark > 0) {
        const doomed: string[] = []
        for await (const [key, expiry] of state.entriesAsync())
          if ((expiry as number) > 0 && (expiry as number) <= watermark) doomed.push(key)
        for (const key of doomed) state.remove(key)
        removed = doomed.length
      }
      this.liveKeys = null
    }
    this.last = { updated: keep.length, removed, dropped: late.length }
    this.duplicates = input.numRows - late.length - keep.length
    return keep.length === input.numRows ? input : input.take(keep)
  }

  shufflePartitions(input: ColumnarBatch<unknown>, _ctx: EvalContext, partitions: number): Int32Array {
    const keyCols = this.keyIndices.map((i) => input.columns[i])
    return keyPartitions(keyCols, input.numRows, partitions, keyTextOf(keyCols))
  }

  progress(): StateOperatorProgress {
    const base = stateOperatorProgress('dedupe', this.state, this.last)
    // Spark's custom metric: rows dropped because their key was seen before.
    const progress = { ...base, customMetrics: { numDroppedDuplicateRows: this.duplicates } }
    // The store counts chunks; the table knows the keys.
    return this.liveKeys === null ? progress : withLiveTable(progress, this.liveKeys)
  }

  describe(): string {
    return `StreamingDeduplicate [${this.keyIndices.map((i) => this.schema.fields[i].name).join(', ')}] stateOperator=${this.operatorId}`
  }

  stateSignature(): string {
    const keys = this.keyIndices.map(
      (i) => `${this.schema.fields[i].name}: ${typeToString(this.schema.fields[i].type)}`,
    )
    return `StreamingDeduplicate keys=[${keys.join(', ')}]`
  }
}
