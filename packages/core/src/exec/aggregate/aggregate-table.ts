/**
 * The live groups of a streaming aggregation, kept by the operator from batch to batch when
 * the state store holds everything in memory anyway (the memory provider). One GroupIndex
 * and one set of accumulators hold every group, and a batch updates them in place: no
 * group's state is read from the store, rebuilt, written back and serialized one entry at a
 * time, which cost about 40 % of the CPU of a sliding-window count (Nexmark q5).
 *
 * The store still receives every change, so that checkpoints, restarts and rollbacks work
 * as for any stateful operator: groups are written in chunks of CHUNK consecutive ids, one
 * store entry per chunk, and a batch rewrites only the chunks of the groups it touched.
 * Evicted groups leave their id unused until the table is compacted, which renumbers the
 * live groups and rewrites every chunk; so does a restore, which reads the chunks back.
 *
 * The table is valid for one state version: the operator rebuilds it from the store when
 * it is asked for a batch other than the one it expects (a restart, or a batch run again
 * after a failure left the table changed but the store not committed).
 */
import type { Vector } from '../../batch/vector.js'
import { VectorBuilder } from '../../batch/vector.js'
import type { OperatorState } from '../../state/state-manager.js'
import type { DataType } from '../../types/data-types.js'
import { ChunkLedger } from '../chunk-ledger.js'
import { GroupIndex } from '../group-index.js'
import { type Accumulator, GrowableU8, resultAt } from './accumulator.js'

const CHUNK_BITS = 10
/** Groups per store entry. */
export const CHUNK = 1 << CHUNK_BITS
export { CHUNK_KEY_PREFIX } from '../chunk-ledger.js'
/** Unused ids tolerated before a renumbering, however few the live groups. */
export const SPARSE_FLOOR = 64

/**
 * A column of a stored chunk: the groups' values by position, in a Float64Array when every
 * group's value is a number (window starts, ids, counts: serialized as bytes, not value by
 * value), else in an array (null where no group).
 */
export type StoredColumn = ArrayLike<unknown>

/** One store entry: the groups with ids [c·CHUNK, (c+1)·CHUNK) of the table that wrote it. */
export interface StoredChunk {
  /** 1 where the id holds a group, 0 where it holds none (evicted, or past the last group). */
  readonly live: Uint8Array
  /** Per key column, the groups' key values in engine form. */
  readonly keys: StoredColumn[]
  /** Per aggregate, the groups' accumulator states (Accumulator.getState). */
  readonly states: StoredColumn[]
}

/** The column as a Float64Array when every live group's value is a number; as it is otherwise. */
function packNumbers(col: unknown[], live: Uint8Array): StoredColumn {
  for (let j = 0; j < col.length; j++) if (live[j] === 1 && typeof col[j] !== 'number') return col
  const out = new Float64Array(col.length)
  for (let j = 0; j < col.length; j++) out[j] = live[j] === 1 ? (col[j] as number) : 0
  return out
}

/** A group in the format of stores written one entry per group. */
interface StoredGroup {
  readonly k: unknown[]
  readonly a: unknown[]
}

/** The grouping key that carries event time, and the length of the range each of its values covers. */
export interface TableEventTime {
  readonly keyIndex: number
  readonly rangeMs: number
}

/**
 * A state value is stored, and read back after a restart, while the accumulator goes on
 * changing: arrays handed out by getState (collect_list) are copied so that the stored
 * value stays what it was at this batch.
 */
function detached(state: unknown): unknown {
  return Array.isArray(state) ? state.slice() : state
}

export class AggregateTable {
  private index: GroupIndex
  private accs: Accumulator[]
  private live = new GrowableU8()
  private liveGroups = 0
  /** The batch that last touched each group: the touched list without a Set. */
  private stamp = new Int32Array(64)
  private stampNo = 0
  private readonly chunks = new ChunkLedger(CHUNK_BITS)
  /** Live groups by the end of their event-time range: eviction visits only those the watermark closes. */
  private byEnd = new Map<number, number[]>()
  /** Each accumulator's state of a group with no rows: what a group reused after eviction starts from. */
  private readonly emptyStates: unknown[]
  /** How many times compactIfSparse() renumbered the groups. */
  compactions = 0
  /** The state version this table holds, or -1 while a batch is changing it. */
  version: number

  constructor(
    private readonly keyTypes: readonly DataType[],
    private readonly newAccumulators: () => Accumulator[],
    private readonly eventTime: TableEventTime | null,
    version: number,
  ) {
    this.index = new GroupIndex(keyTypes)
    this.accs = newAccumulators()
    this.emptyStates = newAccumulators().map((a) => detached(a.getState(0)))
    this.version = version
  }

  /** Live groups. */
  get size(): number {
    return this.liveGroups
  }

  /**
   * Assigns the rows to groups, adding the new ones; returns each row's group id and the
   * distinct groups touched, in first-seen order.
   */
  assign(keys: readonly Vector[], numRows: number): { ids: Int32Array; touched: Int32Array } {
    const before = this.index.numGroups
    const ids = this.index.assign(keys, numRows)
    const groups = this.index.numGroups
    const live = this.live.ensure(groups)
    if (this.stamp.length < groups) {
      const grown = new Int32Array(Math.max(groups, this.stamp.length * 2))
      grown.set(this.stamp)
      this.stamp = grown
    }
    const stamp = this.stamp
    const no = ++this.stampNo
    const touched: number[] = []
    for (let i = 0; i < numRows; i++) {
      const g = ids[i]
      if (stamp[g] === no) continue
      stamp[g] = no
      touched.push(g)
      this.chunks.touch(g)
      if (live[g] === 0) this.revive(g, g >= before)
    }
    return { ids, touched: Int32Array.from(touched) }
  }

  /** Adds the rows' aggregate inputs to their groups' states. */
  update(ids: Int32Array, inputs: readonly (readonly Vector[])[], numRows: number): void {
    const groups = this.index.numGroups
    for (let i = 0; i < this.accs.length; i++) this.accs[i].update(ids, groups, inputs[i], numRows)
  }

  /** Merges partial rows (Accumulator.partial, per aggregate) into their groups' states. */
  merge(ids: Int32Array, partials: readonly (readonly Vector[])[], numRows: number): void {
    const groups = this.index.numGroups
    for (let i = 0; i < this.accs.length; i++) this.accs[i].merge!(ids, groups, partials[i], numRows)
  }

  private revive(g: number, isNew: boolean): void {
    this.live.data[g] = 1
    this.liveGroups++
    if (!isNew)
      for (let i = 0; i < this.accs.length; i++) this.accs[i].setState(g, detached(this.emptyStates[i]))
    if (this.eventTime) {
      const t = this.index.keyValue(this.eventTime.keyIndex, g)
      if (t === null) return
      const end = (t as number) + this.eventTime.rangeMs
      const list = this.byEnd.get(end)
      if (list) list.push(g)
      else this.byEnd.set(end, [g])
    }
  }

  /** Key columns then aggregate values of the groups `ids`, in that order. */
  output(ids: Int32Array): { keys: Vector[]; values: Vector[] } {
    const groups = this.index.numGroups
    return {
      keys: this.index.keyVectorsAt(ids),
      values: this.accs.map((acc) => resultAt(acc, ids, groups)),
    }
  }

  /** Every live group's id. */
  liveIds(): Int32Array {
    const out = new Int32Array(this.liveGroups)
    const live = this.live.data
    let j = 0
    for (let g = 0; g < this.index.numGroups; g++) if (live[g] === 1) out[j++] = g
    return out
  }

  /**
   * Takes out the groups whose event-time range the watermark has reached, oldest first,
   * and returns their ids; their states stay readable (output()) until release().
   */
  evict(watermark: number): Int32Array {
    if (!this.eventTime || watermark <= 0) return new Int32Array(0)
    const closedEnds = [...this.byEnd.keys()].filter((end) => end <= watermark).sort((a, b) => a - b)
    const out: number[] = []
    const live = this.live.data
    for (const end of closedEnds) {
      for (const g of this.byEnd.get(end)!) {
        if (live[g] === 0) continue
        live[g] = 0
        this.liveGroups--
        this.chunks.touch(g)
        out.push(g)
      }
      this.byEnd.delete(end)
    }
    return Int32Array.from(out)
  }

  /** Frees the states of evicted groups (a count_distinct set, a collected list). */
  release(ids: Int32Array): void {
    for (const g of ids)
      for (let i = 0; i < this.accs.length; i++) this.accs[i].setState(g, detached(this.emptyStates[i]))
  }

  /**
   * Ids no group uses any more: once they outnumber the live groups (and a small floor),
   * renumber. A stored chunk carries its unused ids (as zeros and nulls) into every delta and
   * snapshot that writes it, so they must stay few next to the live groups: with a floor of
   * 16 chunks, a windowed count with ~50 live groups per partition wrote ~1 000 unused ids
   * per delta, and its checkpoint grew from 85 KB to 1.2 MB over 5 000 batches. Renumbering
   * costs one pass over the live groups; it happens after at least as many evictions.
   */
  compactIfSparse(): void {
    const unused = this.index.numGroups - this.liveGroups
    if (unused <= Math.max(SPARSE_FLOOR, this.liveGroups)) return
    this.compactions++
    const groups = this.liveIds()
    const keys = groups.length === 0 ? [] : this.index.keyVectorsAt(groups)
    const states = this.accs.map((acc) => Array.from(groups, (g) => acc.getState(g)))
    this.reset()
    this.load(keys, states, groups.length)
  }

  private reset(): void {
    this.index = new GroupIndex(this.keyTypes)
    this.accs = this.newAccumulators()
    this.live = new GrowableU8()
    this.liveGroups = 0
    this.stamp = new Int32Array(64)
    this.byEnd = new Map()
    this.chunks.rewriteAll()
  }

  /** Adds n groups with these key columns and accumulator states (per aggregate, per group). */
  private load(keys: readonly Vector[], states: readonly (readonly unknown[])[], n: number): void {
    if (n === 0) return
    const before = this.index.numGroups
    const { ids } = this.assign(keys, n)
    for (let i = 0; i < this.accs.length; i++) {
      const acc = this.accs[i]
      for (let j = 0; j < n; j++) acc.setState(ids[j], states[i][j])
    }
    if (this.index.numGroups - before !== n)
      throw new Error('aggregation state holds the same group twice: the state store is damaged')
  }

  /** Writes the changed chunks to the store (removing chunks left without groups). */
  flush(state: OperatorState): void {
    const groups = this.index.numGroups
    const live = this.live.ensure(groups)
    this.chunks.flush(state, groups, live, (from, to): StoredChunk => {
      const chunkLive = live.slice(from, to)
      const n = to - from
      const column = (value: (g: number) => unknown) => {
        const col = new Array<unknown>(n)
        for (let j = 0; j < n; j++) col[j] = chunkLive[j] === 1 ? value(from + j) : null
        return packNumbers(col, chunkLive)
      }
      return {
        live: chunkLive,
        keys: this.keyTypes.map((_, k) => column((g) => this.index.keyValue(k, g))),
        states: this.accs.map((acc) => column((g) => detached(acc.getState(g)))),
      }
    })
  }

  /**
   * The table of what the store holds at `version`: chunks, and groups stored one entry
   * each (by an older Tributary), which the next flush rewrites as chunks.
   */
  static async restore(
    state: OperatorState,
    keyTypes: readonly DataType[],
    newAccumulators: () => Accumulator[],
    eventTime: TableEventTime | null,
    version: number,
  ): Promise<AggregateTable> {
    const table = new AggregateTable(keyTypes, newAccumulators, eventTime, version)
    const keyBuilders = keyTypes.map((t) => new VectorBuilder(t))
    const states: unknown[][] = table.accs.map(() => [])
    const perGroupKeys: string[] = []
    let n = 0
    for await (const [key, value] of state.entriesAsync()) {
      if (table.chunks.noteStored(key) !== null) {
        const chunk = value as StoredChunk
        for (let j = 0; j < chunk.live.length; j++) {
          if (chunk.live[j] !== 1) continue
          for (let k = 0; k < keyBuilders.length; k++) keyBuilders[k].append(chunk.keys[k][j])
          for (let i = 0; i < states.length; i++) states[i].push(chunk.states[i][j])
          n++
        }
      } else {
        const group = value as StoredGroup
        perGroupKeys.push(key)
        for (let k = 0; k < keyBuilders.length; k++) keyBuilders[k].append(group.k[k])
        for (let i = 0; i < states.length; i++) states[i].push(group.a[i])
        n++
      }
    }
    for (const key of perGroupKeys) state.remove(key)
    table.reset()
    table.load(
      keyBuilders.map((b) => b.finish()),
      states,
      n,
    )
    table.version = version
    return table
  }
}
