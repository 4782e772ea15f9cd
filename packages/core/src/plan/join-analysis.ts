/**
 * Resolves a join against its two sides and takes its condition apart the way Spark's
 * planner does: equalities between the sides become hash keys, conjuncts over one side
 * become that side's pre-join filter, the rest is the residual evaluated on candidate
 * pairs. Comparisons between the sides' event times (`a.t >= b.t - 3600000`) bound how
 * long a stream-stream join must keep each side's rows (Spark's state watermarks).
 */
import { compileExpr, resolvePath } from '../expr/compile.js'
import { explainExpr } from '../expr/explain-text.js'
import { type Expr, exprName, stripAlias } from '../expr/expr.js'
import { commonType, type DataType, type StructField, typesEqual, typeToString } from '../types/data-types.js'
import { Schema, unknownColumn } from '../types/schema.js'
import { AnalysisError } from '../util/errors.js'
import { windowCall } from './event-time.js'
import type { JoinSideInfo } from './join-sides.js'
import { type JoinType, keepsUnmatchedLeft, keepsUnmatchedRight, outputsLeftOnly } from './join-type.js'

export type Side = 'left' | 'right'

/** One output column: a column of one side, or (full outer using-join) the first non-null key of the two. */
export type OutputItem =
  | { readonly from: Side; readonly index: number }
  | { readonly from: 'coalesce'; readonly left: number; readonly right: number; readonly type: DataType }

/**
 * When a stored row of a side can no longer match anything the other side may still send:
 * by its key (an event time, or a window over one, compared with the watermark), or by a
 * value column (removable once `value <= watermark + offsetMs`).
 */
export type StateEviction =
  | { readonly kind: 'key'; readonly keyIndex: number }
  | { readonly kind: 'value'; readonly column: number; readonly offsetMs: number }

export interface JoinAnalysis {
  readonly joinType: JoinType
  /** Key expressions over each side's own columns, cast to the type both compare as. */
  readonly leftKeys: readonly Expr[]
  readonly rightKeys: readonly Expr[]
  readonly leftFilter: Expr | null
  readonly rightFilter: Expr | null
  /** The rest of the condition, over `pairSchema` (left columns `__l<i>`, then right `__r<j>`). */
  readonly residual: Expr | null
  readonly pairSchema: Schema<unknown>
  readonly output: readonly OutputItem[]
  readonly outputSchema: Schema<unknown>
  readonly leftEviction: StateEviction | null
  readonly rightEviction: StateEviction | null
  /**
   * How far below the watermark the event time of a row this side contributes to the
   * output can be (0 or less), or -Infinity when nothing bounds it. Operators after the
   * join need it: their watermark is the join's output watermark.
   */
  readonly leftTimeBoundMs: number
  readonly rightTimeBoundMs: number
  /** Each side's event-time column (index), or a window over it, or -1: late rows are judged by it. */
  readonly leftEventTime: number
  readonly rightEventTime: number
  /** The condition as written, for explain and for the checkpoint's record of the operator. */
  readonly text: string
  /** The condition for explain(): qualified columns (sides named) and quoted strings. */
  readonly explainText: string
}

interface Ref {
  readonly side: Side
  readonly index: number
  readonly fields: readonly string[]
}

const pairName = (side: Side, index: number): string => `${side === 'left' ? '__l' : '__r'}${index}`

/** Rebuilds an expression with every column reference replaced. */
function mapColumns(e: Expr, f: (path: string) => Expr): Expr {
  switch (e.kind) {
    case 'column':
      return f(e.path)
    case 'alias':
    case 'cast':
    case 'sortOrder':
      return { ...e, child: mapColumns(e.child, f) }
    case 'call':
    case 'udf':
      return { ...e, args: e.args.map((a) => mapColumns(a, f)) }
    case 'case':
      return {
        ...e,
        branches: e.branches.map((b) => ({ when: mapColumns(b.when, f), result: mapColumns(b.result, f) })),
        otherwise: e.otherwise ? mapColumns(e.otherwise, f) : null,
      }
    default:
      return e
  }
}

function conjuncts(e: Expr): Expr[] {
  const inner = stripAlias(e)
  if (inner.kind === 'call' && inner.name === 'and' && inner.args.length === 2)
    return [...conjuncts(inner.args[0]), ...conjuncts(inner.args[1])]
  return [e]
}

const and = (parts: readonly Expr[]): Expr | null =>
  parts.length === 0 ? null : parts.reduce((a, b) => ({ kind: 'call', name: 'and', args: [a, b] }))

/** The type two join keys compare as: Spark's comparison rules (a string against a number is cast). */
function keyType(a: DataType, b: DataType): DataType | undefined {
  const c = commonType(a, b)
  if (c) return c
  if (a.kind === 'string' && b.kind !== 'string') return b
  if (b.kind === 'string' && a.kind !== 'string') return a
  return undefined
}

class Resolver {
  constructor(
    private readonly left: JoinSideInfo,
    private readonly right: JoinSideInfo,
  ) {
    if (left.alias !== null && left.alias === right.alias) {
      throw new AnalysisError(
        `AMBIGUOUS_ALIAS: both sides of the join are aliased '${left.alias}'. Give them different names with alias().`,
        'AMBIGUOUS_ALIAS',
      )
    }
  }

  private side(s: Side): JoinSideInfo {
    return s === 'left' ? this.left : this.right
  }

  private tryOn(s: Side, path: string): Ref | null {
    try {
      const r = resolvePath(this.side(s).schema, path)
      return { side: s, index: r.index, fields: r.fields }
    } catch {
      return null
    }
  }

  resolve(path: string): Ref {
    const dot = path.indexOf('.')
    if (dot > 0) {
      const qualifier = path.slice(0, dot)
      const rest = path.slice(dot + 1)
      for (const s of ['left', 'right'] as const) {
        if (this.side(s).alias !== qualifier) continue
        const ref = this.tryOn(s, rest)
        if (ref) return ref
        throw unknownColumn(
          path,
          this.side(s).schema.names.map((n) => `${qualifier}.${n}`),
        )
      }
    }
    const l = this.tryOn('left', path)
    const r = this.tryOn('right', path)
    if (l && r) {
      const la = this.left.alias ?? 'l'
      const ra = this.right.alias ?? 'r'
      throw new AnalysisError(
        `AMBIGUOUS_REFERENCE: column '${path}' is a column of both sides of the join. Name the sides with alias() and qualify it: left.alias('${la}').join(right.alias('${ra}'), col('${la}.${path}').eq(col('${ra}.${path}'))), or join on the name: join(right, '${path}').`,
        'AMBIGUOUS_REFERENCE',
      )
    }
    if (l || r) return (l ?? r)!
    const qualified = (s: JoinSideInfo, side: string) =>
      s.schema.names.map((n) => (s.alias ? `${s.alias}.${n}` : `${n} (${side})`))
    throw unknownColumn(path, [...qualified(this.left, 'left'), ...qualified(this.right, 'right')])
  }
}

interface Conjunct {
  readonly original: Expr
  readonly sides: ReadonlySet<Side>
  /** Over the pair schema. */
  readonly pair: Expr
  /** Over the one side it reads (only meaningful when it reads one side). */
  readonly local: Expr
}

/** A time expression of one side shifted by a constant, or a constant: the terms of a time bound. */
type Linear =
  | { readonly side: Side; readonly index: number; readonly offset: number }
  | { readonly constant: number }

function linear(e: Expr): Linear | null {
  switch (e.kind) {
    case 'alias':
      return linear(e.child)
    case 'cast':
      return e.to.kind === 'timestamp' ? linear(e.child) : null
    case 'literal':
      return typeof e.value === 'number' ? { constant: e.value } : null
    case 'column': {
      const m = /^__([lr])(\d+)$/.exec(e.path)
      return m ? { side: m[1] === 'l' ? 'left' : 'right', index: Number(m[2]), offset: 0 } : null
    }
    case 'call': {
      if ((e.name !== 'add' && e.name !== 'subtract') || e.args.length !== 2) return null
      const a = linear(e.args[0])
      const b = linear(e.args[1])
      if (!a || !b || !('constant' in b)) {
        if (e.name === 'add' && a && b && 'constant' in a && !('constant' in b))
          return { ...b, offset: b.offset + a.constant }
        return null
      }
      const c = e.name === 'add' ? b.constant : -b.constant
      return 'constant' in a ? { constant: a.constant + c } : { ...a, offset: a.offset + c }
    }
    default:
      return null
  }
}

const FLIP: Record<string, string> = { lt: 'gt', lte: 'gte', gt: 'lt', gte: 'lte', eq: 'eq' }

/**
 * Bounds on `leftTime - rightTime`, per pair of time columns, and the state watermark
 * offsets they give each side, as Spark's StreamingJoinHelper.getStateValueWatermark does:
 * one per comparison, 1 ms lower for a non-strict one (`l >= r + k` leaves a left row
 * `l = W + k` able to match, so only `l <= W + k - 1` goes), the lowest of them winning.
 */
type Bounds = Map<
  string,
  { left: number; right: number; lo: number; hi: number; leftOffset: number; rightOffset: number }
>

function addBound(bounds: Bounds, e: Expr, left: JoinSideInfo, right: JoinSideInfo): void {
  const inner = stripAlias(e)
  if (inner.kind !== 'call' || !(inner.name in FLIP) || inner.args.length !== 2) return
  const a = linear(inner.args[0])
  const b = linear(inner.args[1])
  if (!a || !b || 'constant' in a || 'constant' in b || a.side === b.side) return
  // a.col + a.off OP b.col + b.off, rewritten as left - right OP k.
  const [l, r, op] = a.side === 'left' ? [a, b, inner.name] : [b, a, FLIP[inner.name]]
  const k = a.side === 'left' ? b.offset - a.offset : a.offset - b.offset
  const temporal = (s: JoinSideInfo, i: number) =>
    ['timestamp', 'date'].includes(s.schema.fields[i].type.kind)
  if (!temporal(left, l.index) || !temporal(right, r.index)) return
  const key = `${l.index},${r.index}`
  const cur = bounds.get(key) ?? {
    left: l.index,
    right: r.index,
    lo: Number.NEGATIVE_INFINITY,
    hi: Number.POSITIVE_INFINITY,
    leftOffset: Number.POSITIVE_INFINITY,
    rightOffset: Number.POSITIVE_INFINITY,
  }
  const strict = op === 'gt' || op === 'lt'
  // `left - right >(=) k`: a left row at or below W + k (W + k - 1 when non-strict) can match no later right row.
  if (op === 'gt' || op === 'gte' || op === 'eq') {
    cur.lo = Math.max(cur.lo, k)
    cur.leftOffset = Math.min(cur.leftOffset, strict ? k : k - 1)
  }
  // `left - right <(=) k`, i.e. `right >(=) left - k`: the same for the right side.
  if (op === 'lt' || op === 'lte' || op === 'eq') {
    cur.hi = Math.min(cur.hi, k)
    cur.rightOffset = Math.min(cur.rightOffset, strict ? -k : -k - 1)
  }
  bounds.set(key, cur)
}

/** The window size when a key is (a column holding) a window over the side's event time; 0 for the event time itself. */
function eventTimeKey(e: Expr, side: JoinSideInfo): number | null {
  const inner = stripAlias(e)
  const eventName = side.eventTime >= 0 ? side.schema.fields[side.eventTime].name : null
  if (inner.kind === 'column') {
    if (inner.path === eventName) return 0
    return side.windows.get(inner.path) ?? null
  }
  const w = inner.kind === 'call' && inner.name === 'window' ? windowCall(inner) : null
  const t = w ? stripAlias(w.time) : null
  return w && t?.kind === 'column' && t.path === eventName && w.slideMs === w.sizeMs ? w.sizeMs : null
}

/** Runs f; an error it throws names columns as the user wrote them, not by their pair-schema names. */
function withUserNames<T>(left: JoinSideInfo, right: JoinSideInfo, f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e
    const message = e.message.replace(/__([lr])(\d+)/g, (_, s: string, i: string) => {
      const side = s === 'l' ? left : right
      const name = side.schema.fields[Number(i)]?.name ?? `${s}${i}`
      return side.alias ? `${side.alias}.${name}` : name
    })
    throw new AnalysisError(message, e.code)
  }
}

export interface JoinSpec {
  readonly joinType: JoinType
  readonly using: readonly string[] | null
  readonly condition: Expr | null
}

export function analyzeJoin(spec: JoinSpec, left: JoinSideInfo, right: JoinSideInfo): JoinAnalysis {
  const sides = { left, right }
  const pairSchema = new Schema([
    ...left.schema.fields.map((f, i) => ({ ...f, name: pairName('left', i), nullable: true })),
    ...right.schema.fields.map((f, i) => ({ ...f, name: pairName('right', i), nullable: true })),
  ])
  const keyPairs: { left: Expr; right: Expr }[] = []
  const leftOnly: Expr[] = []
  const rightOnly: Expr[] = []
  const residual: Expr[] = []
  const bounds: Bounds = new Map()
  let collapsed: string[] = []

  if (spec.using) {
    for (const name of spec.using) {
      for (const s of ['left', 'right'] as const) {
        if (!sides[s].schema.has(name)) {
          throw new AnalysisError(
            `UNRESOLVED_USING_COLUMN: join column '${name}' is not a column of the ${s} side (it has ${sides[s].schema.names.map((n) => `'${n}'`).join(', ')}). Join on names both sides have, or pass a condition: join(other, col('a').eq(col('b'))).`,
            'UNRESOLVED_USING_COLUMN',
          )
        }
      }
      keyPairs.push({ left: { kind: 'column', path: name }, right: { kind: 'column', path: name } })
    }
  } else if (spec.condition) {
    const resolver = new Resolver(left, right)
    const parts: Conjunct[] = conjuncts(spec.condition).map((original) => {
      const refs = new Set<Side>()
      const rewrite = (toPair: boolean) =>
        mapColumns(original, (path) => {
          const ref = resolver.resolve(path)
          refs.add(ref.side)
          const base = toPair ? pairName(ref.side, ref.index) : sides[ref.side].schema.fields[ref.index].name
          return { kind: 'column', path: [base, ...ref.fields].join('.') }
        })
      const pair = rewrite(true)
      return { original, sides: refs, pair, local: rewrite(false) }
    })
    const whole = withUserNames(left, right, () => compileExpr(pairSchema, and(parts.map((p) => p.pair))!))
    if (whole.type.kind !== 'boolean' && whole.type.kind !== 'null') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the join condition ${exprName(spec.condition)} is ${typeToString(whole.type)}, not boolean.`,
        'DATATYPE_MISMATCH',
      )
    }
    for (const c of parts) {
      addBound(bounds, c.pair, left, right)
      const inner = stripAlias(c.original)
      if (c.sides.size === 2 && inner.kind === 'call' && inner.name === 'eq' && inner.args.length === 2) {
        const argSides = inner.args.map((a) => {
          const refs = new Set<Side>()
          mapColumns(a, (path) => {
            refs.add(resolver.resolve(path).side)
            return a
          })
          return refs
        })
        if (argSides.every((s) => s.size === 1) && argSides[0].has('left') !== argSides[1].has('left')) {
          const local = stripAlias(c.local) as Extract<Expr, { kind: 'call' }>
          const [l, r] = argSides[0].has('left') ? local.args : [local.args[1], local.args[0]]
          keyPairs.push({ left: l, right: r })
          continue
        }
      }
      if (c.sides.size === 1) (c.sides.has('left') ? leftOnly : rightOnly).push(c.local)
      else residual.push(c.pair)
    }
    // `col('i.adId').eq(col('c.adId'))` keeps one adId, as joining on the name would.
    collapsed = keyPairs
      .filter(
        (k) =>
          k.left.kind === 'column' &&
          k.right.kind === 'column' &&
          k.left.path === k.right.path &&
          left.schema.has(k.left.path),
      )
      .map((k) => (k.left as { path: string }).path)
  }

  // Both keys compare as one type; a key that cannot is a mistake in the condition.
  const keyTypes = keyPairs.map((k) => {
    const lt = compileExpr(left.schema, k.left).type
    const rt = compileExpr(right.schema, k.right).type
    const t = keyType(lt, rt)
    if (!t) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: join keys ${exprName(k.left)} (${typeToString(lt)}) and ${exprName(k.right)} (${typeToString(rt)}) cannot be compared. Cast one of them.`,
        'DATATYPE_MISMATCH',
      )
    }
    return { t, lt, rt }
  })
  const castTo = (e: Expr, from: DataType, to: DataType): Expr =>
    typesEqual(from, to) ? e : { kind: 'cast', child: e, to }
  const leftKeys = keyPairs.map((k, i) => castTo(k.left, keyTypes[i].lt, keyTypes[i].t))
  const rightKeys = keyPairs.map((k, i) => castTo(k.right, keyTypes[i].rt, keyTypes[i].t))

  const typeByName = new Map<string, DataType>()
  keyPairs.forEach((k, i) => {
    if (k.left.kind === 'column') typeByName.set(k.left.path, keyTypes[i].t)
  })
  const { items, schema } = outputLayout(spec, left, right, spec.using ?? collapsed, typeByName)
  const leftEviction = evictionOf('left', keyPairs, bounds, left, right)
  const rightEviction = evictionOf('right', keyPairs, bounds, left, right)

  return {
    joinType: spec.joinType,
    leftKeys,
    rightKeys,
    leftFilter: and(leftOnly),
    rightFilter: and(rightOnly),
    residual: and(residual),
    pairSchema,
    output: items,
    outputSchema: schema,
    leftEviction,
    rightEviction,
    leftTimeBoundMs: timeBound(leftEviction, keyPairs, left, right, 'left'),
    rightTimeBoundMs: timeBound(rightEviction, keyPairs, left, right, 'right'),
    leftEventTime: lateColumn(left),
    rightEventTime: lateColumn(right),
    text: spec.using
      ? `using [${spec.using.join(', ')}]`
      : spec.condition
        ? exprName(spec.condition)
        : 'true',
    explainText: spec.using
      ? `using [${spec.using.join(', ')}]`
      : spec.condition
        ? explainExpr(spec.condition)
        : 'true',
  }
}

function outputLayout(
  spec: JoinSpec,
  left: JoinSideInfo,
  right: JoinSideInfo,
  keyNames: readonly string[],
  keyTypes: ReadonlyMap<string, DataType>,
): { items: OutputItem[]; schema: Schema<unknown> } {
  const t = spec.joinType
  if (outputsLeftOnly(t)) {
    return { items: left.schema.fields.map((_, index) => ({ from: 'left', index })), schema: left.schema }
  }
  const keys = new Set(keyNames)
  const clash = left.schema.names.filter((n) => right.schema.has(n) && !keys.has(n))
  if (clash.length > 0) {
    const list = clash.map((n) => `'${n}'`).join(', ')
    // Spark keeps both copies and wants them qualified later (l.amount, r.amount); a JS row
    // object has one slot per name, so the way out is a rename before the join, spelled out.
    const renames = clash.map((n) => `.withColumnRenamed('${n}', 'right_${n}')`).join('')
    throw new AnalysisError(
      `JOIN_DUPLICATE_COLUMNS: both sides of the join have ${list}, and a result row cannot hold two columns of one name (Spark keeps both and has you qualify them; a JavaScript row has one slot per name). Rename the right side's first, one line: right${renames}, then join it and refer to ${clash.map((n) => `'right_${n}'`).join(', ')}. For a key, join on its name instead (join(other, ['${clash[0]}'])) or equate it in the condition (col('l.${clash[0]}').eq(col('r.${clash[0]}'))), which keeps one copy.`,
      'JOIN_DUPLICATE_COLUMNS',
    )
  }
  const leftNullable = keepsUnmatchedRight(t)
  const rightNullable = keepsUnmatchedLeft(t)
  const items: OutputItem[] = []
  const fields: StructField[] = []
  const keyItem = (name: string): void => {
    const li = left.schema.indexOf(name)
    const ri = right.schema.indexOf(name)
    const lf = left.schema.fields[li]
    const rf = right.schema.fields[ri]
    if (t === 'full_outer') {
      const type = keyTypes.get(name) ?? lf.type
      items.push({ from: 'coalesce', left: li, right: ri, type })
      fields.push({ name, type, nullable: lf.nullable && rf.nullable })
    } else if (t === 'right_outer') {
      items.push({ from: 'right', index: ri })
      fields.push(rf)
    } else {
      items.push({ from: 'left', index: li })
      fields.push(lf)
    }
  }
  const side = (s: Side, info: JoinSideInfo, nullable: boolean, skip: (n: string) => boolean): void => {
    info.schema.fields.forEach((f, index) => {
      if (skip(f.name)) return
      items.push({ from: s, index })
      fields.push(nullable && !f.nullable ? { ...f, nullable } : f)
    })
  }
  if (spec.using) {
    // Spark's USING join: the keys first, then the other columns of the left, then of the right.
    for (const k of spec.using) keyItem(k)
    side('left', left, leftNullable, (n) => keys.has(n))
  } else {
    // A condition join keeps the left's columns in place; a collapsed key stands where the left had it.
    left.schema.fields.forEach((f, index) => {
      if (keys.has(f.name)) {
        keyItem(f.name)
        return
      }
      items.push({ from: 'left', index })
      fields.push(leftNullable && !f.nullable ? { ...f, nullable: true } : f)
    })
  }
  side('right', right, rightNullable, (n) => keys.has(n))
  return { items, schema: new Schema(fields) }
}

/**
 * When the rows of `side` can leave state: Spark's getStateWatermark. By key, when the
 * other side's matching key is its event time (or a window over it): the other side will
 * only send keys above the watermark. By value, when the condition bounds this side's time
 * from below by the other side's event time: `this >= other + lo` means a row with
 * `this <= watermark + lo` can meet no later row of the other side.
 */
function evictionOf(
  side: Side,
  keyPairs: readonly { left: Expr; right: Expr }[],
  bounds: Bounds,
  left: JoinSideInfo,
  right: JoinSideInfo,
): StateEviction | null {
  const other = side === 'left' ? right : left
  const keyIndex = watermarkedKeyIndex(keyPairs, left, right)
  if (keyIndex >= 0) return { kind: 'key', keyIndex }
  const own = side === 'left' ? left : right
  let best: StateEviction | null = null
  for (const b of bounds.values()) {
    const otherColumn = side === 'left' ? b.right : b.left
    const ownColumn = side === 'left' ? b.left : b.right
    const offset = side === 'left' ? b.leftOffset : b.rightOffset
    if (otherColumn !== other.eventTime || !Number.isFinite(offset)) continue
    // Prefer a bound on the side's own event time: it also bounds what the join outputs.
    if (!best || ownColumn === own.eventTime) best = { kind: 'value', column: ownColumn, offsetMs: offset }
  }
  return best
}

/**
 * The join key both sides' state is evicted by (Spark's findJoinKeyOrdinalForWatermark):
 * the first key that is a watermarked event time (or a window over one) on the left, else
 * on the right. A watermark on one side's key bounds the other side too: the other side's
 * rows with an older key can only meet left rows the watermark has already dropped.
 */
function watermarkedKeyIndex(
  keyPairs: readonly { left: Expr; right: Expr }[],
  left: JoinSideInfo,
  right: JoinSideInfo,
): number {
  const onLeft = keyPairs.findIndex((k) => eventTimeKey(k.left, left) !== null)
  return onLeft >= 0 ? onLeft : keyPairs.findIndex((k) => eventTimeKey(k.right, right) !== null)
}

/**
 * The column a side's late rows are judged by: its event-time column, else a window over
 * it (a row is late once its window's end is at or below the watermark), else -1.
 */
function lateColumn(side: JoinSideInfo): number {
  if (side.eventTime >= 0) return side.eventTime
  return side.schema.names.findIndex((n) => side.windows.has(n))
}

/** How far below the watermark the event time of rows that `side` contributes to the output may lie. */
function timeBound(
  eviction: StateEviction | null,
  keyPairs: readonly { left: Expr; right: Expr }[],
  left: JoinSideInfo,
  right: JoinSideInfo,
  side: Side,
): number {
  const own = side === 'left' ? left : right
  if (!eviction) return Number.NEGATIVE_INFINITY
  // By value: the side's state watermark, whichever column it is on (Spark's
  // produceOutputWatermark takes the lowest state watermark of the two sides). A side evicted
  // by another column (auctions by `expires`) contributes rows whose eviction column lies
  // above it; its own event time is bounded only through that column (see docs/joins.md).
  if (eviction.kind === 'value') return Math.min(0, eviction.offsetMs)
  if (own.eventTime < 0) return Number.NEGATIVE_INFINITY
  const k = keyPairs[eviction.keyIndex]
  const size = eventTimeKey(side === 'left' ? k.left : k.right, own)
  // A window key keeps rows until the window's end: their times reach back one window size.
  return size === null ? Number.NEGATIVE_INFINITY : -size
}
