/**
 * The logical plan as plain data for a worker: plan nodes and expressions already are
 * plain objects tagged by `kind`; what is not is made so here. Schemas travel as their
 * fields; a source travels as its provider's name and schema (a worker never reads a
 * source: it receives the rows), and the structured clone of postMessage keeps shared
 * nodes shared, so a source read twice is still one source (uniqueSources numbers sources
 * by identity). A function given by module reference (moduleFunction) travels as its
 * module's URL and export name, and the worker imports it (loadPlanFunctions) before it
 * rebuilds the plan. Any other JavaScript function in the plan (a udf, map, filter or
 * groupByKey closure) cannot cross threads: encoding reports it, and the query runs on the
 * coordinating thread.
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { LogicalPlan } from '../plan/logical-plan.js'
import { Schema } from '../types/schema.js'
import {
  checkModuleFunction,
  importModuleFunction,
  type ModuleRef,
  moduleRefOf,
} from '../util/module-function.js'

const SCHEMA_TAG = '__tributarySchema'
const FUNCTION_TAG = '__tributaryModuleFunction'

type UserFunction = (...args: never[]) => unknown
/** The module functions of an encoded plan, by `url#name`. */
export type PlanFunctions = ReadonlyMap<string, UserFunction>
const refKey = (ref: ModuleRef): string => `${ref.url}#${ref.name}`

/** Why a plan cannot be sent to workers. */
export class UntransferablePlan extends Error {}

export function encodePlan(plan: LogicalPlan): unknown {
  const memo = new Map<object, unknown>()
  const walk = (v: unknown, where: string): unknown => {
    if (typeof v === 'function') {
      const ref = moduleRefOf(v)
      if (ref) return { [FUNCTION_TAG]: { url: ref.url, name: ref.name } }
      throw new UntransferablePlan(
        `${where} is a JavaScript function (a closure cannot move to a worker thread; give it by module reference, moduleFunction(import.meta.url, 'name', fn), to run it on workers)`,
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

/**
 * Checks every function of the plan given by module reference against its module's export
 * (checkModuleFunction), on any thread count: a wrong reference fails the query at start
 * with one thread too, not only once it runs on workers.
 */
export async function checkPlanFunctions(plan: LogicalPlan): Promise<void> {
  const seen = new Set<unknown>()
  const found: unknown[] = []
  const walk = (v: unknown): void => {
    if (typeof v === 'function') {
      if (moduleRefOf(v)) found.push(v)
      return
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) return
    seen.add(v)
    const proto = Object.getPrototypeOf(v)
    if (Array.isArray(v)) for (const x of v) walk(x)
    else if (proto === Object.prototype || proto === null) for (const x of Object.values(v)) walk(x)
  }
  walk(plan)
  for (const fn of new Set(found)) await checkModuleFunction(fn)
}

/** Every module function an encoded plan references. */
function moduleRefs(data: unknown): ModuleRef[] {
  const refs = new Map<string, ModuleRef>()
  const seen = new Set<object>()
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v) || v instanceof Date)
      return
    seen.add(v)
    if (FUNCTION_TAG in v) {
      const ref = (v as Record<string, ModuleRef>)[FUNCTION_TAG]
      refs.set(refKey(ref), ref)
      return
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x)
  }
  walk(data)
  return [...refs.values()]
}

/** Imports the module functions an encoded plan references (in the worker, before decodePlan). */
export async function loadPlanFunctions(data: unknown): Promise<PlanFunctions> {
  const out = new Map<string, UserFunction>()
  for (const ref of moduleRefs(data)) out.set(refKey(ref), await importModuleFunction(ref))
  return out
}

export function decodePlan(data: unknown, functions: PlanFunctions = new Map()): LogicalPlan {
  const memo = new Map<object, unknown>()
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v
    if (v instanceof Date || ArrayBuffer.isView(v)) return v
    const seen = memo.get(v)
    if (seen !== undefined) return seen
    let out: unknown
    if (Array.isArray(v)) out = v.map(walk)
    else if (SCHEMA_TAG in v) out = new Schema((v as Record<string, never>)[SCHEMA_TAG])
    else if (FUNCTION_TAG in v) {
      const ref = (v as Record<string, ModuleRef>)[FUNCTION_TAG]
      const fn = functions.get(refKey(ref))
      if (!fn)
        throw new Error(`the module function ${ref.name} of ${ref.url} was not loaded before decodePlan`)
      out = fn
    } else {
      const o: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) o[k] = walk(x)
      out = o
    }
    memo.set(v, out)
    return out
  }
  return walk(data) as LogicalPlan
}
