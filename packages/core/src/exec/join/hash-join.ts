/**
 * Joins where at least one side is bounded: batch joins, and stream-static joins whose
 * static side is hashed once per query run while each micro-batch of the stream probes
 * it. With equality keys the build side goes into a JoinKeyIndex; without, every build
 * row is a candidate (a nested loop join). Residual conditions run on candidate pairs.
 */
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import { take } from '../../batch/vector.js'
import type { Compiled } from '../../expr/compiled.js'
import type { Side } from '../../plan/join-analysis.js'
import {
  type JoinType,
  joinTypeName,
  keepsUnmatchedLeft,
  keepsUnmatchedRight,
  outputsLeftOnly,
} from '../../plan/join-type.js'
import type { Schema } from '../../types/schema.js'
import type { ExecContext, PhysicalOperator } from '../operator.js'
import { JoinKeyIndex } from './join-key-index.js'
import { type JoinOutput, takeOrNull } from './join-output.js'
import { IndexPairs, PAIR_CHUNK, passMask, residualSelection } from './pairs.js'

export interface HashJoinSpec {
  readonly joinType: JoinType
  readonly leftKeys: readonly Compiled[]
  readonly rightKeys: readonly Compiled[]
  readonly leftFilter: Compiled | null
  readonly rightFilter: Compiled | null
  readonly residual: Compiled | null
  readonly pairSchema: Schema<unknown>
  readonly output: JoinOutput
  /** The hashed side: the static side of a stream-static join; for batch inner joins, the smaller. */
  readonly build: Side | 'smaller'
  /**
   * Whether build rows that matched nothing are output (full and build-side outer joins).
   * Only a batch join can know: a stream-static join's next batch may still match them.
   */
  readonly bounded: boolean
  readonly broadcastHint: boolean
  /** The condition as the user wrote it. */
  readonly text: string
  /** The condition as explain() shows it: qualified columns, quoted strings. */
  readonly explainText?: string
}

interface BuildTable {
  readonly batch: ColumnarBatch<unknown>
  readonly index: JoinKeyIndex | null
  /** Nested loop: the build rows that pass the build side's filter. */
  readonly candidates: Int32Array
}

export class HashJoin implements PhysicalOperator {
  readonly name: string
  readonly children: readonly PhysicalOperator[]
  readonly schema: Schema<unknown>
  private table: BuildTable | null = null

  constructor(
    readonly left: PhysicalOperator,
    readonly right: PhysicalOperator,
    private readonly spec: HashJoinSpec,
  ) {
    this.children = [left, right]
    this.schema = spec.output.schema
    this.name = spec.leftKeys.length > 0 ? 'HashJoin' : 'NestedLoopJoin'
  }

  private buildTable(side: Side, batch: ColumnarBatch<unknown>, ctx: ExecContext): BuildTable {
    // The static side is the same batch every micro-batch: hash it once per run.
    if (this.table?.batch === batch) return this.table
    const keys = side === 'left' ? this.spec.leftKeys : this.spec.rightKeys
    const include = passMask(side === 'left' ? this.spec.leftFilter : this.spec.rightFilter, batch, ctx.eval)
    let index: JoinKeyIndex | null = null
    let candidates = new Int32Array(0)
    if (keys.length > 0) {
      index = new JoinKeyIndex(keys.length)
      index.build(
        keys.map((k) => k.evaluate(batch, ctx.eval)),
        batch.numRows,
        include,
      )
    } else {
      const rows: number[] = []
      for (let i = 0; i < batch.numRows; i++) if (include === null || include[i] === 1) rows.push(i)
      candidates = Int32Array.from(rows)
    }
    this.table = { batch, index, candidates }
    return this.table
  }

  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const left = await this.left.execute(ctx)
    const right = await this.right.execute(ctx)
    const t = this.spec.joinType
    const buildSide: Side =
      this.spec.build === 'smaller' ? (left.numRows < right.numRows ? 'left' : 'right') : this.spec.build
    const probeSide: Side = buildSide === 'left' ? 'right' : 'left'
    const build = buildSide === 'left' ? left : right
    const probe = buildSide === 'left' ? right : left
    const table = this.buildTable(buildSide, build, ctx)

    const probeKeys = (probeSide === 'left' ? this.spec.leftKeys : this.spec.rightKeys).map((k) =>
      k.evaluate(probe, ctx.eval),
    )
    const probePass = passMask(
      probeSide === 'left' ? this.spec.leftFilter : this.spec.rightFilter,
      probe,
      ctx.eval,
    )
    const ids = table.index ? table.index.probe(probeKeys, probe.numRows) : null
    const offsets = table.index?.offsetsOfKeys
    const rows = table.index ? table.index.buildRows : table.candidates

    const matchedProbe = new Uint8Array(probe.numRows)
    // Only a batch join reports build rows by whether they matched; a static side is probed per batch.
    const matchedBuild = new Uint8Array(this.spec.bounded ? build.numRows : 0)
    const matched = new IndexPairs()
    const chunk = new IndexPairs()
    const flush = (): void => {
      if (chunk.length === 0) return
      const p = chunk.first
      const b = chunk.second
      const [li, ri] = probeSide === 'left' ? [p, b] : [b, p]
      const sel = this.spec.residual
        ? residualSelection(
            this.spec.residual,
            this.spec.pairSchema,
            left.columns.map((c) => take(c, li)),
            right.columns.map((c) => take(c, ri)),
            chunk.length,
            ctx.eval,
          )
        : null
      const n = sel ? sel.length : chunk.length
      for (let k = 0; k < n; k++) {
        const at = sel ? sel[k] : k
        matchedProbe[p[at]] = 1
        if (matchedBuild.length > 0) matchedBuild[b[at]] = 1
        matched.push(li[at], ri[at])
      }
      chunk.clear()
    }
    for (let i = 0; i < probe.numRows; i++) {
      if (probePass !== null && probePass[i] === 0) continue
      let start = 0
      let end = rows.length
      if (ids && offsets) {
        const id = ids[i]
        if (id < 0) continue
        start = offsets[id]
        end = offsets[id + 1]
      }
      for (let j = start; j < end; j++) chunk.push(i, rows[j])
      if (chunk.length >= PAIR_CHUNK) flush()
    }
    flush()

    const matchedLeft = probeSide === 'left' ? matchedProbe : matchedBuild
    const matchedRight = probeSide === 'left' ? matchedBuild : matchedProbe
    // A stream-static join only outputs unmatched rows of the stream: the static side's
    // rows may still match a later batch.
    const knows = (s: Side) => s === probeSide || this.spec.bounded
    if (outputsLeftOnly(t)) {
      const keep: number[] = []
      if (knows('left')) {
        const want = t === 'left_semi' ? 1 : 0
        for (let i = 0; i < left.numRows; i++) if (matchedLeft[i] === want) keep.push(i)
      }
      const li = Int32Array.from(keep)
      return this.spec.output.build(
        left.columns.map((c) => take(c, li)),
        [],
        li.length,
      )
    }
    const out = matched
    if (keepsUnmatchedLeft(t) && knows('left'))
      for (let i = 0; i < left.numRows; i++) if (!matchedLeft[i]) out.push(i, -1)
    if (keepsUnmatchedRight(t) && knows('right'))
      for (let i = 0; i < right.numRows; i++) if (!matchedRight[i]) out.push(-1, i)
    const li = out.first
    const ri = out.second
    return this.spec.output.build(
      left.columns.map((c) => takeOrNull(c, li)),
      right.columns.map((c) => takeOrNull(c, ri)),
      out.length,
    )
  }

  describe(): string {
    const keys = this.spec.leftKeys.length
      ? ` [${this.spec.leftKeys.map((k) => k.name).join(', ')}], [${this.spec.rightKeys.map((k) => k.name).join(', ')}]`
      : ''
    const build =
      this.spec.build === 'smaller' ? 'BuildSmaller' : `Build${this.spec.build === 'left' ? 'Left' : 'Right'}`
    return `${this.spec.broadcastHint ? 'Broadcast' : ''}${this.name}${keys}, ${joinTypeName(this.spec.joinType)}, ${build}, ${this.spec.explainText ?? this.spec.text}`
  }
}
