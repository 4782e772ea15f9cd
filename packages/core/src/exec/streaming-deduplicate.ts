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
import { take, VectorBuilder, valueAt } from '../batch/vector.js'
import type { EvalContext } from '../expr/compiled.js'
import type { OperatorState, StateManager } from '../state/state-manager.js'
import type { StateOperatorProgress } from '../streaming/progress.js'
import { isFloat64Backed, typeToString } from '../types/data-types.js'
import type { Schema } from '../types/schema.js'
import {
  KEY_ENCODING,
  KEY_ENCODING_ENTRY,
  keyTextOf,
  keyTextOfValues,
  legacyKeyReadings,
} from './dedup-key.js'
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
  /** Whether the store holds the key encoding's entry (one entry per key). */
  private marked = false

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
    this.marked = false
    const inMemory = ctx.state.provider.holdsStateInMemory === true
    // State an older Tributary wrote: the keys its text could not tell apart (dedup-key.ts).
    let upgrade: LegacyKey[] = []
    if (state.get(KEY_ENCODING_ENTRY) !== KEY_ENCODING) {
      const numeric = this.keyIndices.map((i) => isFloat64Backed(this.schema.fields[i].type))
      upgrade = await legacyKeys(ctx.state, this.operatorId, ctx.batchId, numeric, inMemory)
      state.put(KEY_ENCODING_ENTRY, KEY_ENCODING)
    }
    if (inMemory) {
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
      if (upgrade.length > 0) {
        const builders = keyCols.map((c) => new VectorBuilder(c.type))
        for (const k of upgrade) for (let c = 0; c < builders.length; c++) builders[c].append(k.values[c])
        table.admit(
          builders.map((b) => b.finish()),
          upgrade.length,
          this.eventTime ? (i) => upgrade[i].expiry : null,
        )
      }
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
      this.marked = true
      for (const k of upgrade) {
        const store = state.storeOf(k.text)
        if (store.get(k.text) === undefined) store.put(k.text, k.expiry)
      }
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
          if (key !== KEY_ENCODING_ENTRY && (expiry as number) > 0 && (expiry as number) <= watermark)
            doomed.push(key)
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
    const counted = stateOperatorProgress('dedupe', this.state, this.last)
    // The key encoding's entry is no key.
    const base = this.marked ? { ...counted, numRowsTotal: Math.max(0, counted.numRowsTotal - 1) } : counted
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

/** A key a store of key-text version 1 had seen, as this version writes it, with its expiry. */
interface LegacyKey {
  readonly text: string
  readonly values: readonly unknown[]
  readonly expiry: number
}

/**
 * The keys this partition must add when the operator's state was written in key-text
 * version 1 (JSON's, before KEY_ENCODING_ENTRY): a stored key with `null` in a numeric column
 * stood for null, NaN, Infinity and -Infinity alike, so all four stay seen. Their texts now
 * hash to other partitions than the old entry's: every partition's committed entries are read
 * once, and each partition keeps the readings routed to it. One entry per key written by this
 * version (a numeric column holding "NaN" or "±Infinity") shows the store is not version 1:
 * then nothing is added. With the memory provider (chunks), entries one per key are always
 * version 1's.
 */
async function legacyKeys(
  manager: StateManager,
  operatorId: number,
  version: number,
  numeric: readonly boolean[],
  perKeyIsLegacy: boolean,
): Promise<LegacyKey[]> {
  if (version === 0 || !numeric.some((n) => n)) return []
  const out: LegacyKey[] = []
  let current = false
  const unreadable = (partition: number, error: unknown) =>
    console.warn(
      `Tributary: dropDuplicates (state operator ${operatorId}) could not read state partition ${partition} to upgrade keys an older Tributary wrote (${error instanceof Error ? error.message : String(error)}). NaN or ±Infinity keys that state had seen may be let through once more. To upgrade every partition, run the first batch after the upgrade on one thread (tributary.executor.threads=1), then as before.`,
    )
  for await (const [key, expiry] of manager.committedEntries(operatorId, version, unreadable)) {
    if (key[0] !== '[' || !(key.includes('null') || key.includes('"'))) continue
    const values = JSON.parse(key) as unknown[]
    if (values.some((v, k) => numeric[k] && typeof v === 'string')) current = true
    if (!key.includes('null')) continue
    const readings = legacyKeyReadings(values, numeric)
    for (let r = 1; r < readings.length; r++) {
      const text = keyTextOfValues(readings[r])
      if (manager.ownsKey(text)) out.push({ text, values: readings[r], expiry: expiry as number })
    }
  }
  return current && !perKeyIsLegacy ? [] : out
}
