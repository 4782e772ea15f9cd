/**
 * Docs move with code: every error code a published package raises is explained in the
 * docs, and every code the docs name is one a source still raises (issue #17 found
 * `STREAMING_AGGREGATION_NOT_YET_SUPPORTED` documented long after it was gone). A failure
 * lists each code with the file and line where its other half is missing.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { allSourceFiles, docNames, publishedSourceFiles, sourceNames } from './error-codes.js'

const root = fileURLToPath(new URL('../../../../', import.meta.url))

/** UPPER_SNAKE names the docs mention that are not Tributary's codes and that no source uses. */
const NOT_CODES: Record<string, string> = {
  CONCURRENT_TRANSACTIONS: 'a Kafka broker error, on the Kafka page',
}
const isEnvironmentVariable = (name: string) => name.startsWith('TRIBUTARY_')

describe('error codes', () => {
  const { codes } = sourceNames(root, publishedSourceFiles(root))
  // Names the sources use otherwise (constants, protocol names, other libraries' codes, the
  // benchmarks' settings) may appear in the docs without being codes.
  const { others } = sourceNames(root, allSourceFiles(root))
  const docs = docNames(root)

  it('finds codes on both sides', () => {
    expect(codes.get('UNRESOLVED_COLUMN')?.file).toMatch(/^packages\/core\/src\//)
    expect(codes.has('STREAM_STREAM_JOIN_WITHOUT_WATERMARK')).toBe(true) // raised through refuse()
    expect(codes.has('MQTT_AUTH_FAILED')).toBe(true) // a `code:` property
    expect(codes.has('SASL_SSL')).toBe(false) // a protocol name, not a code
    expect(docs.get('UNRESOLVED_COLUMN')?.file).toBe('docs/errors.md')
  })

  it('every code a published package raises is documented', () => {
    const missing = [...codes]
      .filter(([code]) => !docs.has(code))
      .map(
        ([code, at]) =>
          `${code}, raised at ${at.file}:${at.line}, is named on no page of docs/: add it to docs/errors.md (or the connector's page)`,
      )
    expect(missing, `\n${missing.join('\n')}\n`).toEqual([])
  })

  it('every code the docs name is raised by a source', () => {
    const stale = [...docs]
      .filter(
        ([name]) =>
          !codes.has(name) && !others.has(name) && !(name in NOT_CODES) && !isEnvironmentVariable(name),
      )
      .map(
        ([name, at]) =>
          `${name}, named at ${at.file}:${at.line}, is raised by no source: remove it or fix its name`,
      )
    expect(stale, `\n${stale.join('\n')}\n`).toEqual([])
  })
})
