/**
 * What a source reads, as recorded in the checkpoint: its format, its path, and the options
 * that name its input (topics, streams, subjects, tables). A checkpoint copied from a query
 * that read something else would merge that query's progress and state into this one's
 * output; comparing identities at start refuses it, saying what differs.
 *
 * Connection settings (URLs, hosts, credentials) are left out: moving a broker is not
 * reading another input, and no secret may reach the checkpoint or an error.
 */
import * as path from 'node:path'
import type { SourceSpec } from '../sources/source.js'

/** Option keys that name what is read, across the built-in sources and connectors. */
const IDENTITY_OPTIONS = [
  'subscribe',
  'subscribePattern',
  'assign',
  'topic',
  'topics',
  'stream',
  'streams',
  'subject',
  'subjects',
  'queue',
  'table',
  'dbtable',
  'query',
] as const

/** A URL's user and password never go to disk or to a message. */
function withoutCredentials(p: string): string {
  return p.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
}

function resolvedPath(p: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? withoutCredentials(p) : path.resolve(p)
}

/** The identity of one source: a flat record of strings, compared field by field. */
export function sourceIdentity(spec: SourceSpec): Record<string, string> {
  const id: Record<string, string> = { format: spec.provider.name }
  const p = spec.path ?? spec.options.get('path')
  if (p !== undefined) id.path = resolvedPath(p)
  for (const key of IDENTITY_OPTIONS) {
    const v = spec.options.get(key)
    if (v !== undefined) id[key] = v
  }
  return id
}

/** What differs between the recorded identity and the current one, in words; [] when none. */
export function identityChanges(
  index: number,
  recorded: Readonly<Record<string, string>>,
  now: Readonly<Record<string, string>>,
): string[] {
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(now)])]
  const changes: string[] = []
  for (const k of keys) {
    if (recorded[k] === now[k]) continue
    const was = recorded[k] === undefined ? `no ${k}` : `${k} '${recorded[k]}'`
    const is = now[k] === undefined ? `no ${k}` : `${k} '${now[k]}'`
    changes.push(`source ${index} was written with ${was}, and this query has ${is}`)
  }
  return changes
}
