/**
 * dropDuplicates on a stream: the keys seen so far live in the state store. With a
 * watermarked event-time column among the keys, a key's state is dropped once the
 * watermark passes its event time (and older rows are late); dropDuplicatesWithinWatermark
 * keeps a key until its first event time plus the watermark delay. Without a watermark the
 * state grows with every distinct key.
 */

import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { valueAt } from '../batch/vector.js'
import type { OperatorState } from '../state/state-manager.js'
import type { StateOperatorProgress } from '../streaming/progress.js'
import { typeToString } from '../types/data-types.js'
import type { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from './operator.js'
import { noStateCounts, type StateCounts, stateOperatorProgress } from './state-progress.js'

export interface DedupEventTime {
  /** Column index of the watermarked event time. */
  readonly columnIndex: number
  /** 0 for dropDuplicates (expire at the event time); the watermark delay for dropDuplicatesWithinWatermark. */
  readonly expireAfterMs: number
}

export class StreamingDeduplicate implements StatefulOperator {
  readonly name = 'StreamingDeduplicate'
  readonly children: PhysicalOperator[]
  readonly schema: Schema<unknown>
  private state: OperatorState | null = null
  private last: StateCounts = noStateCounts

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
    const keep: number[] = []
    const late: number[] = []
    const keyCols = this.keyIndices.map((i) => input.columns[i])
    const timeCol = this.eventTime ? input.columns[this.eventTime.columnIndex] : null
    for (let i = 0; i < input.numRows; i++) {
      const t = timeCol ? (valueAt(timeCol, i) as number | null) : null
      if (timeCol && watermark > 0 && t !== null && t <= watermark) {
        late.push(i)
        continue
      }
      const key = JSON.stringify(keyCols.map((c) => valueAt(c, i)))
      if (state.get(key) !== undefined) continue
      state.put(key, t === null ? 0 : t + (this.eventTime?.expireAfterMs ?? 0))
      keep.push(i)
    }
    if (late.length > 0 && ctx.lateRows) ctx.lateRows(this.describe(), input.take(late))
    let removed = 0
    if (this.eventTime && watermark > 0) {
      const doomed: string[] = []
      for await (const [key, expiry] of state.entriesAsync())
        if ((expiry as number) > 0 && (expiry as number) <= watermark) doomed.push(key)
      for (const key of doomed) state.remove(key)
      removed = doomed.length
    }
    this.last = { updated: keep.length, removed, dropped: late.length }
    return keep.length === input.numRows ? input : input.take(keep)
  }

  progress(): StateOperatorProgress {
    return stateOperatorProgress('dedupe', this.state, this.last)
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
