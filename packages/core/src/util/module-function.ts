/**
 * A user function given by module reference: the function itself, marked with the module
 * it is exported from and its export name. A worker thread cannot receive a closure, but it
 * can import the module and take the export: the plan carries the reference, and each
 * worker runs the module's own function. On the coordinating thread the function runs as
 * it is. So that results never depend on where it runs, the query checks at start that the
 * module's export is this very function (moduleFunctionProblem).
 */
import { TributaryError } from './errors.js'

const MODULE_REF = Symbol.for('tributary.moduleFunction')

export interface ModuleRef {
  /** The module's URL (`import.meta.url` of the file that exports the function). */
  readonly url: string
  /** The export's name. */
  readonly name: string
}

/**
 * Marks `fn` as the export `name` of the module at `url`, so that a query may run it on
 * worker threads: `moduleFunction(import.meta.url, 'celsius', celsius)`. The function must
 * be a named export of that module and should depend only on its arguments (a worker has
 * its own copy of the module's variables).
 */
export function moduleFunction<F extends (...args: never[]) => unknown>(url: string, name: string, fn: F): F {
  if (typeof fn !== 'function') {
    throw new TributaryError(
      `moduleFunction(${JSON.stringify(url)}, ${JSON.stringify(name)}, …): the third argument must be the function exported as ${JSON.stringify(name)}, got ${typeof fn}.`,
      'BAD_MODULE_FUNCTION',
    )
  }
  if (typeof url !== 'string' || !/^(file|data):/.test(url) || typeof name !== 'string' || name === '') {
    throw new TributaryError(
      `moduleFunction(${JSON.stringify(url)}, ${JSON.stringify(name)}, …) needs the module's URL (pass import.meta.url) and the export's name.`,
      'BAD_MODULE_FUNCTION',
    )
  }
  const existing = moduleRefOf(fn)
  if (existing && (existing.url !== url || existing.name !== name)) {
    throw new TributaryError(
      `moduleFunction: this function is already marked as ${existing.name} of ${existing.url}; a function has one module reference.`,
      'BAD_MODULE_FUNCTION',
    )
  }
  if (!existing) Object.defineProperty(fn, MODULE_REF, { value: { url, name } satisfies ModuleRef })
  return fn
}

/** The module reference of a function marked by moduleFunction, or null (a plain closure). */
export function moduleRefOf(fn: unknown): ModuleRef | null {
  if (typeof fn !== 'function') return null
  return (
    ((fn as unknown as Record<symbol, ModuleRef | undefined>)[MODULE_REF] as ModuleRef | undefined) ?? null
  )
}

let typeScriptHooks: Promise<boolean> | null = null

/**
 * Imports a module. A TypeScript one may fail in a worker, which runs the bundled engine
 * without the user's tsx hooks: Node 20 does not load `.ts` at all, and Node 22.18+ strips
 * the types but does not map `./x.js` imports to `./x.ts`, as tsx and TypeScript do. Then
 * tsx's ESM hooks are registered in this thread (once, when tsx can be found from here) and
 * the import is tried again.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (e) {
    if (!/\.[cm]?tsx?$/.test(new URL(url).pathname)) throw e
    typeScriptHooks ??= registerTsx()
    if (!(await typeScriptHooks)) throw e
    // The loader remembers the failed import of this URL: ask again under another one.
    const again = new URL(url)
    again.searchParams.set('tributary-ts', '1')
    return (await import(again.href)) as Record<string, unknown>
  }
}

async function registerTsx(): Promise<boolean> {
  // A variable specifier: tsx is the user's (optional) dependency, not the engine's.
  const specifier = 'tsx/esm/api'
  try {
    const tsx = (await import(specifier)) as { register(): unknown }
    tsx.register()
    return true
  } catch {
    return false
  }
}

/** The export a reference names, imported (a worker calls this before it rebuilds the plan). */
export async function importModuleFunction(ref: ModuleRef): Promise<(...args: never[]) => unknown> {
  let mod: Record<string, unknown>
  try {
    mod = await importModule(ref.url)
  } catch (e) {
    throw new TributaryError(
      `moduleFunction: cannot import ${ref.url} for its export ${JSON.stringify(ref.name)}: ${e instanceof Error ? e.message : String(e)}. Pass the URL of the module that exports the function (import.meta.url in that file).`,
      'BAD_MODULE_FUNCTION',
      { cause: e },
    )
  }
  const fn = mod[ref.name]
  if (typeof fn !== 'function') {
    throw new TributaryError(
      `moduleFunction: ${ref.url} has no exported function ${JSON.stringify(ref.name)}${fn === undefined ? '' : ` (it exports a ${typeof fn})`}. Export the function under that name, or pass the name it is exported as.`,
      'BAD_MODULE_FUNCTION',
    )
  }
  return fn as (...args: never[]) => unknown
}

/**
 * Checks, on the coordinating thread, that a marked function is its module's export: if
 * it were not (another function, a closure passed by mistake), workers would run other
 * code than the coordinating thread and results would depend on the thread count.
 */
export async function checkModuleFunction(fn: unknown): Promise<void> {
  const ref = moduleRefOf(fn)
  if (!ref) return
  const exported = await importModuleFunction(ref)
  if (exported !== fn) {
    throw new TributaryError(
      `moduleFunction(${JSON.stringify(ref.url)}, ${JSON.stringify(ref.name)}, fn): fn is not the module's export ${JSON.stringify(ref.name)}, so worker threads would run other code than this thread. Pass the exported function itself (moduleFunction(import.meta.url, '${ref.name}', ${ref.name})).`,
      'BAD_MODULE_FUNCTION',
    )
  }
}
