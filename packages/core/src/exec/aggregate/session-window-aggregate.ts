/**
 * Aggregation by session_window(time, gap): per key, events closer than the gap form one
 * session `[first event, last event + gap)`. A streaming query keeps each key's open
 * sessions in the state store; a new event that falls between (or touches) two sessions merges them
 * (their aggregate states merge too). Append mode emits a session once the watermark
 * passes its end; update mode emits the sessions a batch changed; complete emits all.
 */

import { ColumnarBatch } from '../../batch/columnar-batch.js'
import { objectVector, type Vector, VectorBuilder, valueAt } from '../../batch/vector.js'
import type { Compiled, EvalContext } from '../../expr/compiled.js'
import type { OperatorState } from '../../state/state-manager.js'
import type { StateOperatorProgress } from '../../streaming/progress.js'
import type { DataType } from '../../types/data-types.js'
import type { Schema } from '../../types/schema.js'
import { parseDuration } from '../../util/duration.js'
import { GroupIndex } from '../group-index.js'
import { keyPartitions } from '../key-partitions.js'
import type { ExecContext, PhysicalOperator, StatefulOperator } from '../operator.js'
import { noStateCounts, type StateCounts, stateOperatorProgress } from '../state-progress.js'
import { aggregatesText, exprText, keysText } from '../state-signature.js'
import type { Accumulator } from './accumulator.js'
import { accumulatorFor } from './functions.js'
import type { AggregateSpec } from './hash-aggregate.js'
import { mergeStates } from './merge.js'

interface StoredSession {
  readonly start: number
  readonly end: number
  /** Each aggregate's state. */
  readonly a: unknown[]
}

interface KeySessions {
  readonly k: unknown[]
  readonly s: StoredSession[]
}

export class SessionWindowAggregate implements StatefulOperator {
  readonly name = 'SessionWindowAggregate'
  readonly children: PhysicalOperator[]
  private state: OperatorState | null = null
  private last: StateCounts = noStateCounts

  constructor(
    readonly child: PhysicalOperator,
    /** The grouping keys other than the session window. */
    private readonly keys: readonly Compiled[],
    private readonly time: Compiled,
    private readonly gap: Compiled,
    private readonly aggregates: readonly AggregateSpec[],
    readonly schema: Schema<unknown>,
    readonly operatorId: number,
    /** Where the session window column goes among the key columns. */
    private readonly sessionPosition: number,
    private readonly sessionType: DataType,
    /** Whether the time column carries a watermark (late rows, eviction, append mode). */
    private readonly watermarked: boolean,
  ) {
    this.children = [child]
  }

  private accumulators(): Accumulator[] {
    return this.aggregates.map((a) =>
      accumulatorFor(
        a.fn,
        a.args.map((x) => x.type),
        a.options,
      ),
    )
  }

  private gapOf(v: Vector, i: number): number | null {
    const g = valueAt(v, i)
    if (g === null) return null
    if (typeof g === 'number') return g
    try {
      return parseDuration(String(g))
    } catch {
      return null
    }
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const input = await this.child.execute(ctx)
    const state = ctx.state ? await ctx.state.openOperator(this.operatorId, ctx.batchId) : null
    this.state = state
    // Complete mode keeps every session and drops no row as late, as in Spark.
    const watermark = this.watermarked && state && ctx.outputMode !== 'complete' ? ctx.watermarkMs : 0
    const keyVecs = this.keys.map((k) => k.evaluate(input, ctx.eval))
    const tv = this.time.evaluate(input, ctx.eval)
    const gv = this.gap.evaluate(input, ctx.eval)

    // Rows that can be in a session: a time, a positive gap, and not closed by the watermark.
    const rows: number[] = []
    const ends = new Float64Array(input.numRows)
    let dropped = 0
    for (let i = 0; i < input.numRows; i++) {
      const t = valueAt(tv, i) as number | null
      const gap = this.gapOf(gv, i)
      if (t === null || gap === null || gap <= 0) continue
      ends[i] = t + gap
      if (watermark > 0 && ends[i] <= watermark) {
        dropped++
        continue
      }
      rows.push(i)
    }

    // Sessions of this batch, per key: sort by time, then merge rows closer than the gap.
    const index = new GroupIndex(keyVecs.map((k) => k.type))
    const keyIds = index.assign(keyVecs, input.numRows)
    const times = tv.kind === 'number' ? tv.values : new Float64Array(0)
    rows.sort((x, y) => keyIds[x] - keyIds[y] || times[x] - times[y])
    const sessionOfRow = new Int32Array(input.numRows).fill(-1)
    const batchSessions: { key: number; start: number; end: number }[] = []
    for (const i of rows) {
      const cur = batchSessions[batchSessions.length - 1]
      // Sessions that only touch ([25, 40) and [40, 50)) are one session, as in Spark.
      if (cur && cur.key === keyIds[i] && times[i] <= cur.end) cur.end = Math.max(cur.end, ends[i])
      else batchSessions.push({ key: keyIds[i], start: times[i], end: ends[i] })
      sessionOfRow[i] = batchSessions.length - 1
    }
    const accs = this.accumulators()
    // Rows outside any session go to a spare group that is never read.
    const spare = batchSessions.length
    const ids = Int32Array.from(sessionOfRow, (s) => (s < 0 ? spare : s))
    for (let a = 0; a < accs.length; a++) {
      const args = this.aggregates[a].args.map((x) => x.evaluate(input, ctx.eval))
      accs[a].update(ids, spare + 1, args, input.numRows)
    }
    const keyVectors = index.keyVectors()
    const byKey = new Map<number, StoredSession[]>()
    batchSessions.forEach((s, sid) => {
      const list = byKey.get(s.key) ?? []
      list.push({ start: s.start, end: s.end, a: accs.map((acc) => acc.getState(sid)) })
      byKey.set(s.key, list)
    })

    const out: { k: unknown[]; s: StoredSession }[] = []
    let updated = 0
    let removed = 0
    for (const [key, fresh] of byKey) {
      const k = keyVectors.map((v) => valueAt(v, key))
      if (!state) {
        for (const s of fresh) out.push({ k, s })
        continue
      }
      const id = JSON.stringify(k)
      const stored = (state.get(id) as KeySessions | undefined)?.s ?? []
      const merged = this.merge(stored, fresh)
      state.put(id, { k, s: merged.map((m) => m.session) } satisfies KeySessions)
      for (const m of merged) {
        if (!m.changed) continue
        updated++
        if (ctx.outputMode === 'update') out.push({ k, s: m.session })
      }
    }

    if (state) {
      if (ctx.outputMode === 'complete') {
        out.length = 0
        for await (const [, v] of state.entriesAsync())
          for (const s of (v as KeySessions).s) out.push({ k: (v as KeySessions).k, s })
      } else if (watermark > 0) {
        // Sessions the watermark closed: emitted now in append mode, dropped from state in both.
        const closing: [string, KeySessions][] = []
        for await (const [id, v] of state.entriesAsync()) {
          const ks = v as KeySessions
          if (ks.s.some((s) => s.end <= watermark)) closing.push([id, ks])
        }
        for (const [id, ks] of closing) {
          const open = ks.s.filter((s) => s.end > watermark)
          for (const s of ks.s) {
            if (s.end > watermark) continue
            removed++
            if (ctx.outputMode === 'append') out.push({ k: ks.k, s })
          }
          if (open.length === 0) state.remove(id)
          else state.put(id, { k: ks.k, s: open })
        }
      }
    }
    this.last = { updated, removed, dropped }
    return this.output(out)
  }

  /**
   * The state partition of each input row: partitionOf the JSON of its key values, the id its
   * sessions are stored under, so a key's rows reach the store that holds its sessions.
   */
  shufflePartitions(input: ColumnarBatch<unknown>, ctx: EvalContext, partitions: number): Int32Array {
    const keyVecs = this.keys.map((k) => k.evaluate(input, ctx))
    const values: unknown[] = new Array(keyVecs.length)
    return keyPartitions(keyVecs, input.numRows, partitions, (row) => {
      for (let i = 0; i < keyVecs.length; i++) values[i] = valueAt(keyVecs[i], row)
      return JSON.stringify(values)
    })
  }

  /** Stored and new sessions of one key, merged where they overlap or touch; `changed` marks those with new rows. */
  private merge(
    stored: StoredSession[],
    fresh: StoredSession[],
  ): { session: StoredSession; changed: boolean }[] {
    const all = [...stored.map((s) => ({ s, fresh: false })), ...fresh.map((s) => ({ s, fresh: true }))].sort(
      (x, y) => x.s.start - y.s.start,
    )
    const out: { session: StoredSession; changed: boolean }[] = []
    for (const { s, fresh: isFresh } of all) {
      const cur = out[out.length - 1]
      if (cur && s.start <= cur.session.end) {
        cur.session = {
          start: cur.session.start,
          end: Math.max(cur.session.end, s.end),
          a: cur.session.a.map((state, i) =>
            mergeStates(this.aggregates[i].fn, state, s.a[i], this.aggregates[i].options),
          ),
        }
        cur.changed = true
      } else out.push({ session: s, changed: isFresh })
    }
    return out
  }

  private output(rows: { k: unknown[]; s: StoredSession }[]): ColumnarBatch<unknown> {
    const n = rows.length
    const keyBuilders = this.keys.map((k) => new VectorBuilder(k.type, n))
    const windows = new Array<unknown>(n)
    const accs = this.accumulators()
    rows.forEach((r, j) => {
      for (let i = 0; i < keyBuilders.length; i++) keyBuilders[i].append(r.k[i])
      windows[j] = { start: new Date(r.s.start), end: new Date(r.s.end) }
      for (let i = 0; i < accs.length; i++) accs[i].setState(j, r.s.a[i])
    })
    const keyCols: Vector[] = keyBuilders.map((b) => b.finish())
    keyCols.splice(this.sessionPosition, 0, objectVector(this.sessionType, windows))
    return new ColumnarBatch(this.schema, [...keyCols, ...accs.map((a) => a.result(n))], n)
  }

  progress(): StateOperatorProgress {
    return stateOperatorProgress('sessionWindowStateStoreSave', this.state, this.last)
  }

  describe(): string {
    return `SessionWindowAggregate keys=[${this.keys.map((k) => k.name).join(', ')}] time=${this.time.name} gap=${this.gap.name} functions=[${this.aggregates.map((a) => a.name).join(', ')}] stateOperator=${this.operatorId}`
  }

  stateSignature(): string {
    return `SessionWindowAggregate ${keysText(this.keys)} time=${exprText(this.time.expr)} gap=${exprText(this.gap.expr)} ${aggregatesText(this.aggregates)}`
  }
}
