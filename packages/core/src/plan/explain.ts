/**
 * explain(mode), as Spark's: 'simple' (the physical plan), 'extended' (logical and
 * physical), 'cost' (the logical plan with row-count and size statistics, then the physical
 * plan), 'formatted' (a numbered outline of the physical plan and a section per operator).
 * 'codegen' is refused: expressions compile into closures, so there is no generated source
 * to show.
 */
import { explainPhysical, type PhysicalOperator } from '../exec/operator.js'
import { explainExpr } from '../expr/explain-text.js'
import type { DataType } from '../types/data-types.js'
import type { Schema } from '../types/schema.js'
import { AnalysisError } from '../util/errors.js'
import { joinTypeName } from './join-type.js'
import { children, type LogicalPlan } from './logical-plan.js'
import { toPhysical } from './planner.js'

export type ExplainMode = 'simple' | 'extended' | 'formatted' | 'cost' | 'codegen'
export const EXPLAIN_MODES: readonly ExplainMode[] = ['simple', 'extended', 'formatted', 'cost', 'codegen']

function describe(p: LogicalPlan): string {
  switch (p.kind) {
    case 'source':
      return `${p.streaming ? 'StreamingRelation' : 'Relation'} ${p.spec.provider.name}${p.spec.path ? ` [${p.spec.path}]` : ''} [${p.schema.names.join(', ')}]`
    case 'localRelation':
      return `LocalRelation [${p.batch.schema.names.join(', ')}]`
    case 'project':
      return `Project [${p.exprs.map(explainExpr).join(', ')}]`
    case 'filter':
      return `Filter ${explainExpr(p.condition)}`
    case 'rowFilter':
      return 'Filter <function>'
    case 'mapRows':
      return `${p.flat ? 'FlatMap' : 'Map'} <function> [${p.schema.names.join(', ')}]`
    case 'union':
      return p.byName ? 'Union (by name)' : 'Union'
    case 'aggregate':
      return `Aggregate [${p.groupBy.map(explainExpr).join(', ')}], [${p.aggregates.map(explainExpr).join(', ')}]`
    case 'sort':
      return `Sort [${p.orders.map(explainExpr).join(', ')}]`
    case 'limit':
      return `Limit ${p.n}`
    case 'distinct':
      return p.columns
        ? `Deduplicate${p.withinWatermark ? 'WithinWatermark' : ''} [${p.columns.join(', ')}]`
        : 'Distinct'
    case 'groupsWithState':
      return `${p.flat ? 'FlatMap' : 'Map'}GroupsWithState <function> ${p.functionOutputMode} ${p.timeout} [${p.schema.names.join(', ')}]`
    case 'watermark':
      return `EventTimeWatermark ${p.column}, ${p.delayMs} ms`
    case 'join':
      return `Join ${joinTypeName(p.joinType)}${p.using ? `, using [${p.using.join(', ')}]` : ''}${p.condition ? `, ${explainExpr(p.condition)}` : ''}`
    case 'subqueryAlias':
      return `SubqueryAlias ${p.name}`
    case 'hint':
      return `ResolvedHint (strategy=${p.name})`
  }
}

function tree(p: LogicalPlan, depth: number, line: (p: LogicalPlan) => string): string[] {
  const pad = depth === 0 ? '' : `${'   '.repeat(depth - 1)}+- `
  return [`${pad}${line(p)}`, ...children(p).flatMap((c) => tree(c, depth + 1, line))]
}

/** Spark's default sizes (DataType.defaultSize): what one value of the type is assumed to take. */
function defaultSize(t: DataType): number {
  switch (t.kind) {
    case 'boolean':
      return 1
    case 'int':
    case 'float':
    case 'date':
      return 4
    case 'long':
    case 'double':
    case 'timestamp':
      return 8
    case 'string':
    case 'binary':
      return 20
    case 'null':
      return 1
    case 'array':
      return defaultSize(t.element)
    case 'map':
      return defaultSize(t.key) + defaultSize(t.value)
    case 'struct':
      return t.fields.reduce((n, f) => n + defaultSize(f.type), 0)
  }
}

function outputSchema(p: LogicalPlan): Schema<unknown> | null {
  try {
    return toPhysical(p).schema
  } catch {
    return null
  }
}

/**
 * Row counts as Spark estimates them without column statistics: known for local rows and
 * passed through by operators that keep every row; unknown for streams and for filters,
 * joins and aggregations, whose output depends on the data.
 */
function rowCount(p: LogicalPlan): number | null {
  switch (p.kind) {
    case 'localRelation':
      return p.batch.numRows
    case 'project':
    case 'subqueryAlias':
    case 'hint':
    case 'watermark':
    case 'sort':
    case 'mapRows':
      return p.kind === 'mapRows' && p.flat ? null : rowCount(p.child)
    case 'limit': {
      const c = rowCount(p.child)
      return c === null ? p.n : Math.min(c, p.n)
    }
    case 'union': {
      const counts = p.children.map(rowCount)
      return counts.every((c) => c !== null) ? (counts as number[]).reduce((a, b) => a + b, 0) : null
    }
    default:
      return null
  }
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}

function statistics(p: LogicalPlan): string {
  const rows = rowCount(p)
  const schema = outputSchema(p)
  if (rows === null || !schema) return 'Statistics(sizeInBytes=unknown, rowCount=unknown)'
  const width = schema.fields.reduce((n, f) => n + defaultSize(f.type), 0) + 8
  return `Statistics(sizeInBytes=${bytes(rows * width)}, rowCount=${rows})`
}

/** The physical plan as an outline of numbered operators, then one section per operator. */
function formatted(op: PhysicalOperator): string {
  const numbered: { op: PhysicalOperator; n: number }[] = []
  const number = (o: PhysicalOperator): void => {
    for (const c of o.children) number(c)
    numbered.push({ op: o, n: numbered.length + 1 })
  }
  number(op)
  const id = new Map(numbered.map(({ op: o, n }) => [o, n]))
  const outline = (o: PhysicalOperator, depth: number): string[] => {
    const pad = depth === 0 ? '' : `${'   '.repeat(depth - 1)}+- `
    return [`${pad}${o.name} (${id.get(o)})`, ...o.children.flatMap((c) => outline(c, depth + 1))]
  }
  const list = (names: readonly string[]) => `[${names.length}]: [${names.join(', ')}]`
  const sections = numbered.map(({ op: o, n }) => {
    const lines = [`(${n}) ${o.name}`]
    const inputs = o.children.flatMap((c) => c.schema.names)
    if (o.children.length > 0) lines.push(`Input ${list(inputs)}`)
    lines.push(`Output ${list(o.schema.names)}`)
    lines.push(`Arguments: ${o.describe()}`)
    return lines.join('\n')
  })
  return `== Physical Plan ==\n${outline(op, 0).join('\n')}\n\n\n${sections.join('\n\n')}\n`
}

export function parseExplainMode(mode: boolean | string | undefined): ExplainMode {
  if (mode === undefined || mode === false) return 'simple'
  if (mode === true) return 'extended'
  const m = mode.toLowerCase()
  if (!(EXPLAIN_MODES as readonly string[]).includes(m)) {
    throw new AnalysisError(
      `UNSUPPORTED_EXPLAIN_MODE: explain('${mode}'): use ${EXPLAIN_MODES.filter((x) => x !== 'codegen')
        .map((x) => `'${x}'`)
        .join(', ')}.`,
      'UNSUPPORTED_EXPLAIN_MODE',
    )
  }
  return m as ExplainMode
}

/** The text of explain(mode) for a logical plan. */
export function explainPlan(plan: LogicalPlan, mode: ExplainMode): string {
  if (mode === 'codegen') {
    throw new AnalysisError(
      "UNSUPPORTED_EXPLAIN_MODE: explain('codegen') has nothing to show: Tributary compiles expressions into JavaScript closures, not generated source. Use explain('formatted') for the operators and their arguments.",
      'UNSUPPORTED_EXPLAIN_MODE',
    )
  }
  const op = toPhysical(plan)
  const physical = `== Physical Plan ==\n${explainPhysical(op)}`
  switch (mode) {
    case 'simple':
      return physical
    case 'extended':
      return `== Logical Plan ==\n${tree(plan, 0, describe).join('\n')}\n\n${physical}`
    case 'cost':
      return `== Logical Plan ==\n${tree(plan, 0, (p) => `${describe(p)}, ${statistics(p)}`).join('\n')}\n\n${physical}`
    case 'formatted':
      return formatted(op)
  }
}
