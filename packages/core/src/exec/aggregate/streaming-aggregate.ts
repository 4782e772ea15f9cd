/**
 * Streaming aggregation (Spark's StateStoreRestore/Save pair in one operator). Each batch
 * groups its rows, merges them into the groups' states from the state store, writes the
 * new states back, and emits per output mode: complete = every group, update = the groups
 * this batch changed, append = the windows the watermark has closed (emitted once, then
 * dropped from state). Rows of windows already closed are late: dropped and counted.
 */

import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { boolVector, objectVector, take, type Vector, VectorBuilder, valueAt } from '../../batch/vector.js'
import type { Compiled, EvalContext } from '../../expr/compiled.js'
import { selection } from '../../expr/kernels.js'
import type { OperatorState } from '../../state/state-manager.js'
import type { StateOperatorProgress } from '../../streaming/progress.js'
import type { DataType } from '../../types/data-types.js'
import { BooleanType } from '../../types/data-types.js'
import type { Schema } from '../../types/schema.js'
import { GroupIndex } from '../group-index.js'
import { keyPartitions } from '../key-partitions.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from '../operator.js'
import { noStateCounts, type StateCounts, stateOperatorProgress, withLiveTable } from '../state-progress.js'
import { aggregatesText, keysText } from '../state-signature.js'
import { WINDOW_START_COLUMN, WindowAssign } from '../window-assign.js'
import type { Accumulator } from './accumulator.js'
import { AggregateTable } from './aggregate-table.js'
import { accumulatorFor } from './functions.js'
import type { AggregateSpec } from './hash-aggregate.js'
import { PartialAggregate } from './partial-aggregate.js'

/** The grouping key that carries event time: a window (its start; end = start + size) or a watermarked timestamp. */
export interface EventTimeKey {
  readonly keyIndex: number
  /** Window size for a window key (end = start + size); 0 for a plain timestamp key. */
  readonly windowSizeMs: number
}

interface GroupState {
  /** Key values in engine form. */
  readonly k: unknown[]
  /** Each aggregate's accumulator state. */
  readonly a: unknown[]
}

export class StreamingAggregate implements StatefulOperator {
  readonly name = 'StreamingAggregate'
  readonly children: PhysicalOperator[]
  private state: OperatorState | null = null
  private last: StateCounts = noStateCounts
  /**
   * The stored groups by the end of their event-time range, so that eviction visits only
   * the groups the watermark closes instead of every stored group. Kept in memory by this
   * operator instance (a restart makes a new one) and built from the store on first use.
   */
  private byEnd: Map<number, string[]> | null = null
  /** The live groups, when the store holds state in memory (see executeOnTable). */
  private table: AggregateTable | null = null
  /** Groups in the table after the last batch: the progress's row count (the store counts chunks). */
  private liveGroups: number | null = null
  /** The map-side partial aggregation of this operator's input (undefined: not asked yet). */
  private partial: PartialAggregate | null | undefined
  /** Set (readPartials) when the input is partial rows from the shuffle, not the child's rows. */
  private partialInput: PartialAggregate | null = null

  constructor(
    readonly child: PhysicalOperator,
    private readonly keys: readonly Compiled[],
    private readonly aggregates: readonly AggregateSpec[],
    readonly schema: Schema<unknown>,
    readonly operatorId: number,
    private readonly eventTimeKey: EventTimeKey | null,
    /** Turns a key column as grouped (engine values) into its output column (window start → struct). */
    private readonly keyOutput: readonly ((keys: Vector) => Vector)[],
  ) {
    this.children = [child]
  }

  private newAccumulators(): Accumulator[] {
    return this.aggregates.map((a) =>
      accumulatorFor(
        a.fn,
        a.args.map((x) => x.type),
        a.options,
      ),
    )
  }

  /** The end of the event-time range a key covers; a group is closed once the watermark reaches it. */
  private eventEnd(keyValue: unknown): number {
    return (keyValue as number) + (this.eventTimeKey?.windowSizeMs ?? 0)
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    if (!ctx.state) throw new Error('StreamingAggregate needs a streaming query state')
    const state = await ctx.state.openOperator(this.operatorId, ctx.batchId)
    this.state = state
    let input = await this.child.execute(ctx)
    const partial = this.partialInput
    let keyVecs = partial ? partial.keyColumns(input) : this.keys.map((k) => k.evaluate(input, ctx.eval))
    const watermark = ctx.watermarkMs
    let dropped = 0

    // Late rows: their window (or time) is closed by the watermark this batch runs with.
    // Complete mode keeps every group and drops nothing, as in Spark: its result is the whole table.
    if (this.eventTimeKey && watermark > 0 && ctx.outputMode !== 'complete' && input.numRows > 0) {
      const ev = keyVecs[this.eventTimeKey.keyIndex]
      const keep = new Uint8Array(input.numRows)
      if (ev.kind === 'number') {
        // Straight over the float64 event times: a window start (or time) closes at t + size.
        const t = ev.values
        const valid = ev.validity
        const size = this.eventTimeKey.windowSizeMs
        for (let i = 0; i < input.numRows; i++)
          keep[i] = (valid === null || valid[i] === 1) && t[i] + size <= watermark ? 0 : 1
      } else {
        for (let i = 0; i < input.numRows; i++) {
          const t = valueAt(ev, i)
          keep[i] = t !== null && this.eventEnd(t) <= watermark ? 0 : 1
        }
      }
      const sel = selection(boolVector(BooleanType, keep))
      if (sel !== null) {
        if (partial) {
          // A partial row stands for the input rows of its group in one slice: those were late.
          const rows = partial.rowCounts(input)
          for (let i = 0; i < keep.length; i++) if (keep[i] === 0) dropped += rows[i]
        } else dropped = input.numRows - sel.length
        if (ctx.lateRows && dropped > 0) {
          const late: number[] = []
          for (let i = 0; i < keep.length; i++) if (keep[i] === 0) late.push(i)
          // A window assignment passes on only the columns aggregated; late rows go out whole.
          const rows =
            this.child instanceof WindowAssign
              ? this.child.sourceRows(late)
              : input.take(late).withoutColumns([WINDOW_START_COLUMN])
          ctx.lateRows(this.describe(), rows)
        }
        input = input.take(sel)
        keyVecs = keyVecs.map((v) => take(v, sel))
      }
    }

    if (ctx.state.provider.holdsStateInMemory) {
      return this.executeOnTable(ctx, state, input, keyVecs, dropped)
    }

    // Merge this batch into the stored states of the groups it touches.
    const index = new GroupIndex(keyVecs.map((k) => k.type))
    const ids = index.assign(keyVecs, input.numRows)
    const groups = index.numGroups
    const groupKeys = index.keyVectors()
    const stateKeys: string[] = new Array(groups)
    const groupKeyValues: unknown[][] = new Array(groups)
    const byEnd = this.eventTimeKey ? await this.evictionIndex(state) : null
    const accs = this.newAccumulators()
    for (let g = 0; g < groups; g++) {
      const keyValues = groupKeys.map((v) => valueAt(v, g))
      groupKeyValues[g] = keyValues
      stateKeys[g] = stateKeyOf(keyValues)
      const prev = state.get(stateKeys[g]) as GroupState | undefined
      if (prev) for (let i = 0; i < accs.length; i++) accs[i].setState(g, prev.a[i])
      else if (byEnd) this.indexGroup(byEnd, stateKeys[g], keyValues)
    }
    for (let i = 0; i < accs.length; i++) {
      if (partial) accs[i].merge!(ids, groups, partial.partialColumns(input, i), input.numRows)
      else {
        const args = this.aggregates[i].args.map((x) => x.evaluate(input, ctx.eval))
        accs[i].update(ids, groups, args, input.numRows)
      }
    }
    for (let g = 0; g < groups; g++) {
      const a: unknown[] = new Array(accs.length)
      for (let i = 0; i < accs.length; i++) a[i] = accs[i].getState(g)
      state.put(stateKeys[g], { k: groupKeyValues[g], a })
    }

    let output: ColumnarBatch<unknown>
    let removed = 0
    switch (ctx.outputMode) {
      case 'complete': {
        const all: GroupState[] = []
        for await (const [, v] of state.entriesAsync()) all.push(v as GroupState)
        output = this.fromStates(all)
        break
      }
      case 'update': {
        const results = accs.map((acc) => acc.result(groups))
        output = new ColumnarBatch(
          this.schema,
          [...groupKeys.map((k, i) => this.keyOutput[i](k)), ...results],
          groups,
        )
        removed = (await this.evictClosed(state, watermark, false)).length
        break
      }
      case 'append': {
        const closed = await this.evictClosed(state, watermark, true)
        removed = closed.length
        output = this.fromStates(closed)
        break
      }
    }
    this.last = { updated: groups, removed, dropped }
    return output
  }

  /**
   * The same batch over the operator's live table of groups (AggregateTable), for stores
   * that hold all state in memory anyway: the table changes in place and writes only the
   * chunks of groups it touched.
   */
  private async executeOnTable(
    ctx: ExecContext,
    state: OperatorState,
    input: ColumnarBatch<unknown>,
    keyVecs: readonly Vector[],
    dropped: number,
  ): Promise<ColumnarBatch<unknown>> {
    let table = this.table
    if (table === null || table.version !== ctx.batchId) {
      table = await AggregateTable.restore(
        state,
        this.keys.map((k) => k.type),
        () => this.newAccumulators(),
        this.eventTimeKey
          ? { keyIndex: this.eventTimeKey.keyIndex, rangeMs: this.eventTimeKey.windowSizeMs }
          : null,
        ctx.batchId,
      )
      this.table = table
    }
    // Until the batch has written its chunks, the table matches no stored version.
    table.version = -1
    const { ids, touched } = table.assign(keyVecs, input.numRows)
    const partial = this.partialInput
    if (partial) {
      table.merge(
        ids,
        this.aggregates.map((_, i) => partial.partialColumns(input, i)),
        input.numRows,
      )
    } else {
      table.update(
        ids,
        this.aggregates.map((a) => a.args.map((x) => x.evaluate(input, ctx.eval))),
        input.numRows,
      )
    }
    let shown: Int32Array
    let removed = 0
    let evicted: Int32Array | null = null
    switch (ctx.outputMode) {
      case 'complete':
        shown = table.liveIds()
        break
      case 'update':
        shown = touched
        evicted = table.evict(ctx.watermarkMs)
        removed = evicted.length
        break
      case 'append':
        evicted = table.evict(ctx.watermarkMs)
        shown = evicted
        removed = evicted.length
        break
    }
    const { keys, values } = table.output(shown)
    const output = new ColumnarBatch(
      this.schema,
      [...keys.map((k, i) => this.keyOutput[i](k)), ...values],
      shown.length,
    )
    if (evicted) table.release(evicted)
    table.compactIfSparse()
    table.flush(state)
    table.version = ctx.batchId + 1
    this.last = { updated: touched.length, removed, dropped }
    this.liveGroups = table.size
    return output
  }

  private indexGroup(byEnd: Map<number, string[]>, key: string, keyValues: readonly unknown[]): void {
    const t = keyValues[this.eventTimeKey!.keyIndex]
    if (t === null) return
    const end = this.eventEnd(t)
    const keys = byEnd.get(end)
    if (keys) keys.push(key)
    else byEnd.set(end, [key])
  }

  private async evictionIndex(state: OperatorState): Promise<Map<number, string[]>> {
    if (this.byEnd) return this.byEnd
    const byEnd = new Map<number, string[]>()
    for await (const [key, value] of state.entriesAsync())
      this.indexGroup(byEnd, key, (value as GroupState).k)
    this.byEnd = byEnd
    return byEnd
  }

  /** Removes the groups whose event-time range the watermark has passed; returns their states. */
  private async evictClosed(
    state: OperatorState,
    watermark: number,
    collect: boolean,
  ): Promise<GroupState[]> {
    if (!this.eventTimeKey || watermark <= 0) return []
    const byEnd = await this.evictionIndex(state)
    const closedEnds = [...byEnd.keys()].filter((end) => end <= watermark).sort((a, b) => a - b)
    const closed: GroupState[] = []
    for (const end of closedEnds) {
      for (const key of byEnd.get(end)!) {
        if (collect) {
          const s = state.get(key) as GroupState | undefined
          if (s !== undefined) closed.push(s)
        }
        state.remove(key)
      }
      byEnd.delete(end)
    }
    return closed
  }

  /** Output rows for stored group states. */
  private fromStates(states: readonly GroupState[]): ColumnarBatch<unknown> {
    const n = states.length
    const accs = this.newAccumulators()
    const keyBuilders = this.keys.map((k) => new VectorBuilder(k.type, n))
    states.forEach((s, j) => {
      for (let i = 0; i < keyBuilders.length; i++) keyBuilders[i].append(s.k[i])
      for (let i = 0; i < accs.length; i++) accs[i].setState(j, s.a[i])
    })
    const keyCols = keyBuilders.map((b, i) => this.keyOutput[i](b.finish()))
    return new ColumnarBatch(this.schema, [...keyCols, ...accs.map((acc) => acc.result(n))], n)
  }

  shufflePartitions(input: ColumnarBatch<unknown>, ctx: EvalContext, partitions: number): Int32Array {
    return partitionsOfKeys(
      this.keys.map((k) => k.evaluate(input, ctx)),
      input.numRows,
      partitions,
    )
  }

  mapSidePartial(): PartialAggregate | null {
    if (this.partial === undefined)
      this.partial = PartialAggregate.of(
        this.keys,
        this.aggregates,
        () => this.newAccumulators(),
        partitionsOfKeys,
      )
    return this.partial
  }

  readPartials(): void {
    const partial = this.mapSidePartial()
    if (!partial) throw new Error(`${this.describe()} has an aggregate without a partial form`)
    this.partialInput = partial
  }

  progress(): StateOperatorProgress {
    const progress = stateOperatorProgress('stateStoreSave', this.state, this.last)
    return this.liveGroups === null ? progress : withLiveTable(progress, this.liveGroups)
  }

  describe(): string {
    return `StreamingAggregate keys=[${this.keys.map((k) => k.name).join(', ')}] functions=[${this.aggregates.map((a) => a.name).join(', ')}] stateOperator=${this.operatorId}`
  }

  stateSignature(): string {
    // The window's size, slide and start decide which window start a row's state lives under.
    const window = this.child instanceof WindowAssign ? ` window=(${this.child.describe()})` : ''
    return `StreamingAggregate ${keysText(this.keys)} ${aggregatesText(this.aggregates)}${window}`
  }
}

/** The state partition of each row's key (key columns in the engine's form, as grouped). */
function partitionsOfKeys(keyVecs: readonly Vector[], numRows: number, partitions: number): Int32Array {
  const values: unknown[] = new Array(keyVecs.length)
  return keyPartitions(keyVecs, numRows, partitions, (row) => {
    for (let i = 0; i < keyVecs.length; i++) values[i] = valueAt(keyVecs[i], row)
    return stateKeyOf(values)
  })
}

/**
 * The state key of a group: JSON of its key values. Finite numbers print the same in JSON
 * and in a template string, so keys that are all finite numbers skip JSON.stringify.
 */
export function stateKeyOf(keyValues: readonly unknown[]): string {
  let out = '['
  for (let i = 0; i < keyValues.length; i++) {
    const v = keyValues[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) return JSON.stringify(keyValues)
    out += i === 0 ? `${v}` : `,${v}`
  }
  return `${out}]`
}

/** Builds `{ start, end }` window structs from window starts. */
export function windowStruct(type: DataType, sizeMs: number): (starts: Vector) => Vector {
  return (starts) => {
    const out = new Array<unknown>(starts.length)
    for (let i = 0; i < starts.length; i++) {
      const s = valueAt(starts, i) as number | null
      out[i] = s === null ? null : { start: new Date(s), end: new Date(s + sizeMs) }
    }
    return objectVector(type, out)
  }
}
