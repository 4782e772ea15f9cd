/**
 * The `tributary` command (the `bin` of @tributary/core):
 *   tributary checkpoint inspect <dir> [--sink <output folder>] [--batch <id>]
 */
import { parseArgs } from 'node:util'
import { inspectCheckpoint } from './inspect.js'

const USAGE = `Usage: tributary checkpoint inspect <checkpoint folder> [--sink <output folder>] [--batch <id>]

  Prints the offset and commit logs, the watermark, state rows and files per operator and
  partition, and with --sink the file sink's log of that output folder.
`

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (positionals[0] !== 'checkpoint' || positionals[1] !== 'inspect' || positionals.length !== 3) {
    process.stderr.write(USAGE)
    return 2
  }
  const batch = values.batch === undefined ? undefined : Number(values.batch)
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 0)) {
    process.stderr.write(`--batch must be a batch id (a whole number), got '${values.batch}'.\n`)
    return 2
  }
  try {
    process.stdout.write(await inspectCheckpoint(positionals[2], { sink: values.sink, batchId: batch }))
    return 0
  } catch (e) {
    process.stderr.write(`tributary: ${(e as Error).message}\n`)
    return 1
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      sink: { type: 'string' },
      batch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}
