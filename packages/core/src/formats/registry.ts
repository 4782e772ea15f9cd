/**
 * Format names for `.format(name)`: the built-ins register here, and connector packages
 * register theirs with `registerSourceProvider` / `registerSinkProvider`.
 */
import type { SinkProvider } from '../sinks/sink.js'
import type { SourceProvider } from '../sources/source.js'
import { OptionError } from '../util/errors.js'
import { nearMatches } from '../util/near-matches.js'

const sources = new Map<string, SourceProvider>()
const sinks = new Map<string, SinkProvider>()

export function registerSourceProvider(provider: SourceProvider): void {
  sources.set(provider.name.toLowerCase(), provider)
}

export function registerSinkProvider(provider: SinkProvider): void {
  sinks.set(provider.name.toLowerCase(), provider)
}

function unknown(kind: string, name: string, known: string[]): OptionError {
  const near = nearMatches(name, known)
  return new OptionError(
    `UNKNOWN_FORMAT: no ${kind} for format '${name}'.${near.length ? ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''} Known: ${known.sort().join(', ')}. A connector package registers its format when imported (e.g. import '@tributary/kafka').`,
    'UNKNOWN_FORMAT',
  )
}

export function sourceProvider(format: string | SourceProvider): SourceProvider {
  if (typeof format !== 'string') return format
  const p = sources.get(format.toLowerCase())
  if (!p) throw unknown('source', format, [...sources.keys()])
  return p
}

export function sinkProvider(format: string | SinkProvider): SinkProvider {
  if (typeof format !== 'string') return format
  const p = sinks.get(format.toLowerCase())
  if (!p) throw unknown('sink', format, [...sinks.keys()])
  return p
}
