/**
 * Turns a logical plan into physical operators, compiling every expression against its
 * input schema. Compilation is also name and type resolution: a plan that plans is a plan
 * that is valid, so the analyzer's schema checks are this function.
 */
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Vector } from '../batch/vector.js'
import { accumulatorFor } from '../exec/aggregate/functions.js'
import { type AggregateSpec, HashAggregate } from '../exec/aggregate/hash-aggregate.js'
import { SessionWindowAggregate } from '../exec/aggregate/session-window-aggregate.js'
import { type EventTimeKey, StreamingAggregate, windowStruct } from '../exec/aggregate/streaming-aggregate.js'
import { Distinct } from '../exec/distinct.js'
import { EventTimeWatermark } from '../exec/event-time-watermark.js'
import { Filter } from '../exec/filter.js'
import { FlatMapGroupsWithState, type GroupsWithStateFunction } from '../exec/flat-map-groups-with-state.js'
import { afterStreamStreamJoin } from '../exec/join/join-watermark.js'
import type { PhysicalOperator } from '../exec/operator.js'
import { type GeneratorItem, Project, type ProjectItem } from '../exec/project.js'
import { MapRows, RowFilter } from '../exec/row-functions.js'
import { LocalScan, SourceScan } from '../exec/scan.js'
import { Limit, Sort, type SortKey } from '../exec/sort.js'
import { StreamingDeduplicate } from '../exec/streaming-deduplicate.js'
import { Union } from '../exec/union.js'
import { WINDOW_START_COLUMN, WindowAssign } from '../exec/window-assign.js'
import { compileExpr } from '../expr/compile.js'
import type { Compiled } from '../expr/compiled.js'
import { type Expr, exprName, stripAlias, walkExpr } from '../expr/expr.js'
import { lookupFunction } from '../expr/registry.js'
import {
  commonType,
  type DataType,
  type StructField,
  structOf,
  TimestampType,
  typeToString,
} from '../types/data-types.js'
import { Schema, unknownColumn } from '../types/schema.js'
import { AnalysisError } from '../util/errors.js'
import { splitAggregateExpressions } from './aggregate-expressions.js'
import { columnsReadBySource } from './column-pruning.js'
import { sessionWindowCall, watermarkedColumns, windowCall, windowColumns } from './event-time.js'
import { planJoinNode } from './join-planner.js'
import { isStreamingPlan, type LogicalPlan, uniqueSources } from './logical-plan.js'

/**
 * The input columns that expressions read, by name; null when that cannot be told (a '*').
 * Lets a window assignment repeat only those columns for every window of a row.
 */
function referencedColumns(schema: Schema<unknown>, exprs: readonly Expr[]): Set<string> | null {
  const names = new Set<string>()
  let all = false
  for (const e of exprs) {
    walkExpr(e, (x) => {
      if (x.kind === 'star') all = true
      else if (x.kind === 'column') names.add(schema.indexOf(x.path) >= 0 ? x.path : x.path.split('.')[0])
    })
  }
  return all ? null : names
}

export function toPhysical(plan: LogicalPlan): PhysicalOperator {
  const indexOf = new Map<LogicalPlan, number>(uniqueSources(plan).map((s, i) => [s, i]))
  return new Planner(indexOf, columnsReadBySource(plan)).plan(plan)
}

const schemaCache = new WeakMap<LogicalPlan, Schema<unknown>>()

/** The output schema of a plan; throws AnalysisError when the plan does not resolve. */
export function schemaOf(plan: LogicalPlan): Schema<unknown> {
  let s = schemaCache.get(plan)
  if (!s) {
    s = toPhysical(plan).schema
    schemaCache.set(plan, s)
  }
  return s
}

class Planner {
  /** Stateful operators and watermarks are numbered in plan order: the ids name their state folders. */
  private nextStateOperatorId = 0
  private nextWatermarkId = 0

  constructor(
    private readonly sourceIndex: ReadonlyMap<LogicalPlan, number>,
    /** What each source's columns the plan reads (column pruning), for explain's ReadSchema. */
    private readonly columnsRead: ReadonlyMap<LogicalPlan, ReadonlySet<string> | null>,
  ) {}

  plan(p: LogicalPlan): PhysicalOperator {
    // A stateful operator fed by a stream-stream join runs with the join's output watermark.
    return afterStreamStreamJoin(this.planNode(p))
  }

  private planNode(p: LogicalPlan): PhysicalOperator {
    switch (p.kind) {
      case 'source': {
        const readSchema = p.spec.provider.readSchema?.(
          p.schema,
          p.spec.options,
          this.columnsRead.get(p) ?? null,
        )
        return new SourceScan(this.sourceIndex.get(p) ?? 0, p.schema, p.spec.provider.name, readSchema)
      }
      case 'localRelation':
        return new LocalScan(p.batch as ColumnarBatch<unknown>)
      case 'project':
        return this.project(this.plan(p.child), p.exprs)
      case 'filter': {
        const child = this.plan(p.child)
        const cond = compileExpr(child.schema, p.condition)
        if (cond.type.kind !== 'boolean') {
          throw new AnalysisError(
            `DATATYPE_MISMATCH: the filter condition ${cond.name} is ${typeToString(cond.type)}, not boolean.`,
            'DATATYPE_MISMATCH',
          )
        }
        return new Filter(child, cond)
      }
      case 'rowFilter':
        return new RowFilter(this.plan(p.child), p.predicate as (row: unknown) => boolean)
      case 'mapRows':
        return new MapRows(this.plan(p.child), p.fn as (row: unknown) => unknown, p.flat, p.schema)
      case 'union':
        return this.union(p)
      case 'aggregate': {
        const split = splitAggregateExpressions(p.aggregates)
        const op = afterStreamStreamJoin(
          this.aggregate(split.finals ? { ...p, aggregates: split.aggregates } : p),
        )
        if (!split.finals) return op
        const keys: Expr[] = op.schema.names
          .slice(0, p.groupBy.length)
          .map((n) => ({ kind: 'column', path: n }))
        return this.project(op, [...keys, ...split.finals])
      }
      case 'groupsWithState': {
        const child = this.plan(p.child)
        const watermarked = watermarkedColumns(p.child)
        const eventTimeIndex = child.schema.names.findIndex((n) => watermarked.has(n))
        return new FlatMapGroupsWithState(
          child,
          p.keyFn as (row: unknown) => unknown,
          p.fn as GroupsWithStateFunction,
          p.flat,
          p.timeout,
          p.schema,
          this.nextStateOperatorId++,
          eventTimeIndex,
        )
      }
      case 'watermark': {
        const child = this.plan(p.child)
        const index = child.schema.indexOf(p.column)
        if (index < 0) throw unknownColumn(p.column, child.schema.names)
        const type = child.schema.fields[index].type
        if (type.kind !== 'timestamp' && type.kind !== 'date') {
          throw new AnalysisError(
            `DATATYPE_MISMATCH: withWatermark('${p.column}') needs a timestamp column, but it is ${typeToString(type)}. Convert it with to_timestamp() first.`,
            'DATATYPE_MISMATCH',
          )
        }
        return new EventTimeWatermark(child, this.nextWatermarkId++, index, p.delayMs)
      }
      case 'sort': {
        const child = this.plan(p.child)
        const keys: SortKey[] = p.orders.map((o) =>
          o.kind === 'sortOrder'
            ? {
                compiled: compileExpr(child.schema, o.child),
                ascending: o.ascending,
                nullsFirst: o.nullsFirst,
              }
            : { compiled: compileExpr(child.schema, o), ascending: true, nullsFirst: true },
        )
        return new Sort(child, keys)
      }
      case 'limit':
        return new Limit(this.plan(p.child), p.n)
      case 'join':
      case 'subqueryAlias':
      case 'hint':
        return planJoinNode(p, {
          plan: (c) => this.plan(c),
          planStatic: toPhysical,
          nextStateOperatorId: () => this.nextStateOperatorId++,
        })
      case 'distinct': {
        const child = this.plan(p.child)
        const cols = p.columns ?? child.schema.names
        const idx = cols.map((c) => {
          const i = child.schema.indexOf(c)
          if (i < 0) throw unknownColumn(c, child.schema.names)
          return i
        })
        if (!isStreamingPlan(p.child)) return new Distinct(child, idx)
        return this.streamingDeduplicate(p, child, idx)
      }
    }
  }

  private project(child: PhysicalOperator, exprs: readonly Expr[]): PhysicalOperator {
    const items: ProjectItem[] = []
    const fields: StructField[] = []
    let generator: GeneratorItem | null = null
    for (const e of exprs) {
      if (e.kind === 'star') {
        child.schema.fields.forEach((f, index) => {
          items.push({ kind: 'input', index, field: f })
          fields.push(f)
        })
        continue
      }
      const inner = stripAlias(e)
      if (inner.kind === 'call' && lookupFunction(inner.name).kind === 'generator') {
        if (generator) {
          throw new AnalysisError(
            'UNSUPPORTED_GENERATOR: only one explode() is allowed per select; explode in two steps.',
            'UNSUPPORTED_GENERATOR',
          )
        }
        const def = lookupFunction(inner.name)
        if (def.kind !== 'generator') throw new Error('unreachable')
        const args = inner.args.map((a) => compileExpr(child.schema, a))
        const bound = def.bind(args, inner.options ?? {})
        const outputs =
          e.kind === 'alias' && bound.outputs.length === 1
            ? [{ ...bound.outputs[0], name: e.name }]
            : bound.outputs
        generator = { position: fields.length, input: args[0], outputs, outer: bound.outer }
        for (const o of outputs) fields.push({ name: o.name, type: o.type, nullable: true })
        continue
      }
      const compiled: Compiled = compileExpr(child.schema, e)
      // A bare column reference passes the input vector through (zero copy).
      if (e.kind === 'column' && child.schema.indexOf(e.path) >= 0) {
        const index = child.schema.indexOf(e.path)
        items.push({ kind: 'input', index, field: child.schema.fields[index] })
        fields.push(child.schema.fields[index])
        continue
      }
      items.push({ kind: 'expr', compiled })
      fields.push({ name: compiled.name, type: compiled.type, nullable: true })
    }
    return new Project(child, items, new Schema(fields), generator)
  }

  private union(p: Extract<LogicalPlan, { kind: 'union' }>): PhysicalOperator {
    const kids = p.children.map((c) => this.plan(c))
    const first = kids[0].schema
    let names = first.names
    if (p.byName && p.allowMissingColumns) {
      names = [...new Set(kids.flatMap((k) => k.schema.names))]
    }
    const mapping = kids.map((k, c) => {
      if (!p.byName) {
        if (k.schema.length !== first.length) {
          throw new AnalysisError(
            `NUM_COLUMNS_MISMATCH: union needs inputs with the same number of columns, but input 1 has ${first.length} and input ${c + 1} has ${k.schema.length}. Use unionByName to match columns by name.`,
            'NUM_COLUMNS_MISMATCH',
          )
        }
        return names.map((_, i) => i)
      }
      return names.map((n) => {
        const i = k.schema.indexOf(n)
        if (i < 0 && !p.allowMissingColumns) {
          throw new AnalysisError(
            `UNRESOLVED_COLUMN: unionByName: input ${c + 1} has no column '${n}' (it has ${k.schema.names.join(', ')}). Pass allowMissingColumns = true to fill it with nulls.`,
            'UNRESOLVED_COLUMN',
          )
        }
        return i
      })
    })
    const fields: StructField[] = names.map((name, i) => {
      let type = null as StructField['type'] | null
      kids.forEach((k, c) => {
        const j = mapping[c][i]
        if (j < 0) return
        const t = k.schema.fields[j].type
        const common = type === null ? t : commonType(type, t)
        if (!common) {
          throw new AnalysisError(
            `INCOMPATIBLE_COLUMN_TYPE: union column '${name}' is ${typeToString(type!)} in one input and ${typeToString(t)} in another. Cast one of them.`,
            'INCOMPATIBLE_COLUMN_TYPE',
          )
        }
        type = common
      })
      return { name, type: type!, nullable: true }
    })
    return new Union(kids, mapping, new Schema(fields))
  }

  private streamingDeduplicate(
    p: Extract<LogicalPlan, { kind: 'distinct' }>,
    child: PhysicalOperator,
    keyIndices: number[],
  ): PhysicalOperator {
    const watermarked = watermarkedColumns(p.child)
    const timeName = child.schema.names.find(
      (n) => watermarked.has(n) && (p.withinWatermark || p.columns?.includes(n)),
    )
    if (p.withinWatermark && timeName === undefined) {
      throw new AnalysisError(
        'DEDUPLICATE_WITHIN_WATERMARK_NEEDS_WATERMARK: dropDuplicatesWithinWatermark needs withWatermark(...) on an event-time column of the stream.',
        'DEDUPLICATE_WITHIN_WATERMARK_NEEDS_WATERMARK',
      )
    }
    const timeIndex = timeName === undefined ? -1 : child.schema.indexOf(timeName)
    const keys = p.withinWatermark ? keyIndices.filter((i) => i !== timeIndex) : keyIndices
    if (timeName === undefined && !p.withinWatermark) {
      // No event-time column among the keys, but perhaps a window of one: its end is the event time.
      const windows = windowColumns(p.child)
      const windowName = child.schema.names.find((n) => windows.has(n) && p.columns?.includes(n))
      if (windowName !== undefined) {
        const eventTime = { columnIndex: child.schema.indexOf(windowName), expireAfterMs: 0, windowEnd: true }
        return new StreamingDeduplicate(child, keys, this.nextStateOperatorId++, eventTime)
      }
    }
    const eventTime =
      timeName === undefined
        ? null
        : {
            columnIndex: timeIndex,
            expireAfterMs: p.withinWatermark ? watermarked.get(timeName)! : 0,
            windowEnd: false,
          }
    return new StreamingDeduplicate(child, keys, this.nextStateOperatorId++, eventTime)
  }

  private sessionAggregate(
    p: Extract<LogicalPlan, { kind: 'aggregate' }>,
    sessionIndex: number,
  ): PhysicalOperator {
    const child = this.plan(p.child)
    if (p.groupBy.some((g) => windowCall(g)) || p.groupBy.filter((g) => sessionWindowCall(g)).length > 1) {
      throw new AnalysisError(
        'MULTIPLE_TIME_WINDOWS: a groupBy can have one session_window() and no window() beside it.',
        'MULTIPLE_TIME_WINDOWS',
      )
    }
    const call = sessionWindowCall(p.groupBy[sessionIndex])!
    const time = compileExpr(child.schema, call.time)
    if (time.type.kind !== 'timestamp' && time.type.kind !== 'date') {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: session_window() needs a timestamp column, but ${time.name} is ${typeToString(time.type)}.`,
        'DATATYPE_MISMATCH',
      )
    }
    const gap = compileExpr(child.schema, call.gap)
    if (gap.type.kind !== 'string' && !['int', 'long', 'double', 'float'].includes(gap.type.kind)) {
      throw new AnalysisError(
        `DATATYPE_MISMATCH: the gap of session_window() must be a duration string ('5 minutes') or milliseconds, but ${gap.name} is ${typeToString(gap.type)}.`,
        'DATATYPE_MISMATCH',
      )
    }
    const others = p.groupBy.filter((_, i) => i !== sessionIndex).map((g) => compileExpr(child.schema, g))
    const specs = this.aggregateSpecs(child, p.aggregates)
    const sessionType: DataType = structOf([
      { name: 'start', type: TimestampType, nullable: true },
      { name: 'end', type: TimestampType, nullable: true },
    ])
    const g = p.groupBy[sessionIndex]
    const keyFields: StructField[] = others.map((k) => ({ name: k.name, type: k.type, nullable: true }))
    keyFields.splice(sessionIndex, 0, {
      name: g.kind === 'alias' ? g.name : 'session_window',
      type: sessionType,
      nullable: true,
    })
    const schema = new Schema([...keyFields, ...this.aggregateFields(specs)])
    const t = stripAlias(call.time)
    const watermarked = t.kind === 'column' && watermarkedColumns(p.child).has(t.path)
    return new SessionWindowAggregate(
      child,
      others,
      time,
      gap,
      specs,
      schema,
      this.nextStateOperatorId++,
      sessionIndex,
      sessionType,
      watermarked,
    )
  }

  private aggregateSpecs(child: PhysicalOperator, aggregates: readonly Expr[]): AggregateSpec[] {
    return aggregates.map((a) => {
      const inner = stripAlias(a)
      if (inner.kind !== 'call' || lookupFunction(inner.name).kind !== 'aggregate') {
        throw new AnalysisError(
          `NOT_AN_AGGREGATE: agg() takes aggregate functions such as count, sum, avg, min, max; '${exprName(a)}' is not one. Compute it in a select() after the aggregation.`,
          'NOT_AN_AGGREGATE',
        )
      }
      const args = inner.args.map((x) => compileExpr(child.schema, x))
      const def = lookupFunction(inner.name)
      if (def.kind === 'aggregate') def.resultType(args, inner.options ?? {})
      return { name: exprName(a), fn: inner.name, args, options: inner.options ?? {} }
    })
  }

  private aggregateFields(specs: readonly AggregateSpec[]): StructField[] {
    return specs.map((s) => ({
      name: s.name,
      type: accumulatorFor(
        s.fn,
        s.args.map((x) => x.type),
        s.options,
      ).resultType,
      nullable: true,
    }))
  }

  private aggregate(p: Extract<LogicalPlan, { kind: 'aggregate' }>): PhysicalOperator {
    const sessionIndex = p.groupBy.findIndex((g) => sessionWindowCall(g) !== null)
    if (sessionIndex >= 0) return this.sessionAggregate(p, sessionIndex)
    let child = this.plan(p.child)
    const streaming = isStreamingPlan(p.child)
    const watermarked = watermarkedColumns(p.child)
    const windows = p.groupBy.map(windowCall)
    if (windows.filter(Boolean).length > 1) {
      throw new AnalysisError(
        'MULTIPLE_TIME_WINDOWS: a groupBy can have one window() expression; several would multiply every row by each window.',
        'MULTIPLE_TIME_WINDOWS',
      )
    }
    const windowIndex = windows.findIndex(Boolean)
    const win = windowIndex >= 0 ? windows[windowIndex]! : null
    if (win) {
      const time = compileExpr(child.schema, win.time)
      if (time.type.kind !== 'timestamp' && time.type.kind !== 'date') {
        throw new AnalysisError(
          `DATATYPE_MISMATCH: window() needs a timestamp column, but ${time.name} is ${typeToString(time.type)}.`,
          'DATATYPE_MISMATCH',
        )
      }
      child = new WindowAssign(
        child,
        time,
        win,
        referencedColumns(child.schema, [...p.groupBy, ...p.aggregates]),
      )
    }
    const keys = p.groupBy.map((g, i) =>
      i === windowIndex
        ? compileExpr(child.schema, { kind: 'column', path: WINDOW_START_COLUMN })
        : compileExpr(child.schema, g),
    )
    const windowType: DataType = structOf([
      { name: 'start', type: TimestampType, nullable: true },
      { name: 'end', type: TimestampType, nullable: true },
    ])
    const identity = (v: Vector) => v
    const keyOutput = keys.map((_, i) =>
      i === windowIndex ? windowStruct(windowType, win!.sizeMs) : identity,
    )
    const specs = this.aggregateSpecs(child, p.aggregates)
    const keyName = (i: number): string => {
      const g = p.groupBy[i]
      return g.kind === 'alias' ? g.name : 'window'
    }
    const fields: StructField[] = [
      ...keys.map((k, i) =>
        i === windowIndex
          ? { name: keyName(i), type: windowType, nullable: true }
          : { name: k.name, type: k.type, nullable: true },
      ),
      ...this.aggregateFields(specs),
    ]
    const schema = new Schema(fields)
    if (!streaming) return new HashAggregate(child, keys, specs, schema, keyOutput)
    let eventTimeKey: EventTimeKey | null = null
    if (win) {
      const t = stripAlias(win.time)
      if (t.kind === 'column' && watermarked.has(t.path))
        eventTimeKey = { keyIndex: windowIndex, windowSizeMs: win.sizeMs }
    } else {
      const i = p.groupBy.findIndex((g) => {
        const inner = stripAlias(g)
        return inner.kind === 'column' && watermarked.has(inner.path)
      })
      if (i >= 0) eventTimeKey = { keyIndex: i, windowSizeMs: 0 }
    }
    return new StreamingAggregate(
      child,
      keys,
      specs,
      schema,
      this.nextStateOperatorId++,
      eventTimeKey,
      keyOutput,
    )
  }
}
