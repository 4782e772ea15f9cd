#!/usr/bin/env node
/**
 * `npx tributary-schema <path> [--format parquet|json|csv] [--name ordersSchema]`: infers the
 * schema of the files at <path> once and prints the TypeScript that declares it, for a
 * typed `session.read.schema(ordersSchema).parquet(path)`. Commit the output; a file that
 * later stops matching it fails the read naming the column (PARQUET_SCHEMA_MISMATCH).
 */
import { parseArgs } from 'node:util'
import { Session } from '../api/session.js'
import { schemaSource } from '../types/schema-source.js'
import { TributaryError } from '../util/errors.js'

const usage =
  'usage: tributary-schema <path> [--format parquet|json|csv] [--name <constName>] [--header] (csv: reads a header line)'

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'parquet' },
      name: { type: 'string', default: 'inputSchema' },
      header: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help || positionals.length !== 1) {
    console.error(usage)
    return values.help ? 0 : 2
  }
  const session = Session.builder().appName('tributary-schema').getOrCreate()
  try {
    let reader = session.read.format(values.format)
    if (values.format === 'csv') reader = reader.option('header', values.header).option('inferSchema', true)
    const inferred = reader.load(positionals[0]).schema
    process.stdout.write(schemaSource(inferred, values.name))
    return 0
  } catch (e) {
    console.error(e instanceof TributaryError ? e.message : e)
    return 1
  } finally {
    await session.stop()
  }
}

process.exitCode = await main()
