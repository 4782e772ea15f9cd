/** The format names: the same sink and source under each name a user may reach for. */
import type { SinkProvider, SourceProvider } from '@tributary/core'
import type { Dialect } from './dialect.js'
import { SINK_OPTIONS, SqlSink } from './sql-sink.js'
import { createSqlSource, inferSchema, SOURCE_OPTIONS } from './sql-source.js'

export function sqlSinkProvider(dialect: Dialect, name: string): SinkProvider {
  return {
    name,
    knownOptions: SINK_OPTIONS,
    createSink: (ctx) => SqlSink.open(dialect, ctx),
  }
}

export function sqlSourceProvider(dialect: Dialect, name: string): SourceProvider {
  return {
    name,
    knownOptions: SOURCE_OPTIONS,
    schemaOf: (ctx) => inferSchema(dialect, name, ctx),
    createSource: (ctx) => createSqlSource(dialect, name, ctx),
  }
}
