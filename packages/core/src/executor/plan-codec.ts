/**
 * The logical plan as plain data for a worker: plan nodes and expressions already are
 * plain objects tagged by `kind`; what is not is made so here. Schemas travel as their
 * fields; a source travels as its provider's name and schema (a worker never reads a
 * source: it receives the rows), and the structured clone of postMessage keeps shared
 * nodes shared, so a source read twice is still one source (uniqueSources numbers sources
 * by identity). A JavaScript function anywhere in the plan (a udf, map, filter or
 * groupByKey closure) cannot cross threads: encoding reports it, and the query runs on
 * the coordinating thread.
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import { Schema } from '../types/schema.js'

const SCHEMA_TAG = '__tributarySchema'

/** Why a plan cannot be sent to workers. */
export class UntransferablePlan extends Error {}

export function encodePlan(plan: LogicalPlan): unknown {
  const memo = new Map<object, unknown>()
  const walk = (v: unknown, where: string): unknown => {
    if (typeof v === 'function') {
      throw new UntransferablePlan(
        `${where} is a JavaScript function (a closure cannot move to a worker thread)`,
      )
    }
    if (v === null || typeof v !== 'object') return v
    const seen = memo.get(v)
    if (seen !== undefined) return seen
    let out: unknown
    if (v instanceof Schema) out = { [SCHEMA_TAG]: v.fields }
    else if (v instanceof ColumnarBatch) {
      throw new UntransferablePlan(`${where} is a local relation (createDataFrame rows)`)
    } else if (v instanceof Date || ArrayBuffer.isView(v)) out = v
    else if (Array.isArray(v)) out = v.map((x, i) => walk(x, `${where}[${i}]`))
    else if (isSourceNode(v)) {
      out = {
        kind: 'source',
        spec: { provider: { name: v.spec.provider.name }, options: {} },
        schema: walk(v.schema, `${where}.schema`),
        streaming: v.streaming,
      }
    } else {
      const proto = Object.getPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null) {
        throw new UntransferablePlan(`${where} is a ${proto?.constructor?.name ?? 'class'} instance`)
      }
      const o: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) {
        const label = (v as { kind?: unknown }).kind
        o[k] = walk(x, typeof label === 'string' ? `${label}.${k}` : `${where}.${k}`)
      }
      out = o
    }
    memo.set(v, out)
    return out
  }
  return walk(plan, 'plan')
}

function isSourceNode(v: object): v is Extract<LogicalPlan, { kind: 'source' }> {
  return (v as { kind?: unknown }).kind === 'source' && 'spec' in v
}

export function decodePlan(data: unknown): LogicalPlan {
  const memo = new Map<object, unknown>()
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v
    if (v instanceof Date || ArrayBuffer.isView(v)) return v
    const seen = memo.get(v)
    if (seen !== undefined) return seen
    let out: unknown
    if (Array.isArray(v)) out = v.map(walk)
    else if (SCHEMA_TAG in v) out = new Schema((v as Record<string, never>)[SCHEMA_TAG])
    else {
      const o: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) o[k] = walk(x)
      out = o
    }
    memo.set(v, out)
    return out
  }
  return walk(data) as LogicalPlan
}
