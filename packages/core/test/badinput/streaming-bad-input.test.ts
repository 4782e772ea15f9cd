/**
 * Malformed input through a streaming query, for each built-in file format and each
 * mode (the codecs' own fuzz tests, test/codecs/fuzz.test.ts, read single files): broken
 * JSON, values of the wrong type, ragged CSV rows, bytes that are not UTF-8, huge lines,
 * empty files, and files deleted or cut short between the listing and the read. The
 * query never fails but for FAILFAST, which names the file and the line; DROPMALFORMED
 * counts what it dropped in progress and loses nothing (rows + dead letters = records);
 * PERMISSIVE keeps the raw record in the corrupt-record column.
 */
import { rmSync, statSync, truncateSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvFormat } from '../../src/formats/codecs/csv.js'
import { jsonFormat } from '../../src/formats/codecs/json.js'
import { parquetFormat } from '../../src/formats/codecs/parquet.js'
import { textFormat } from '../../src/formats/codecs/text.js'
import type { FileFormat } from '../../src/formats/file-format.js'
import { fileFormatProviders } from '../../src/formats/files/providers.js'
import {
  type DeadLetterRecord,
  MalformedRecordError,
  type Schema,
  StreamingQueryException,
} from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'
import {
  type BadFile,
  badFiles,
  canonical,
  cutLength,
  expected,
  type FuzzFormat,
  lineSchemas,
  sorted,
  writeBadFiles,
} from './bad-files.js'

// BAD_INPUT_RUNS=500 for a longer hunt.
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 12)

const formats: Record<FuzzFormat, FileFormat> = {
  json: jsonFormat,
  csv: csvFormat,
  text: textFormat,
  parquet: parquetFormat,
}

interface Outcome {
  readonly rows: string[]
  readonly dropped: number
  readonly deadLetters: DeadLetterRecord[]
  readonly error: unknown
}

/** The format, with each file's fate (deleted, cut short) happening right before its read. */
function withFates(format: FileFormat, files: readonly BadFile[]): FileFormat {
  const fates = new Map(files.map((f) => [f.name, f]))
  const done = new Set<string>()
  return {
    ...format,
    async read(file, s, options) {
      const f = fates.get(path.basename(file))
      if (f && !done.has(f.name)) {
        done.add(f.name)
        if (f.fate === 'delete') rmSync(file)
        if (f.fate === 'truncate') truncateSync(file, cutLength(f, statSync(file).size))
      }
      return format.read(file, s, options)
    },
  }
}

async function runQuery(
  format: FuzzFormat,
  mode: string,
  dir: string,
  files: readonly BadFile[],
  maxFiles: number,
): Promise<Outcome> {
  const session = newSession()
  const deadLetters: DeadLetterRecord[] = []
  const q = await session.readStream
    .format(fileFormatProviders(withFates(formats[format], files)).source)
    .schema(lineSchemas[format] as Schema<unknown>)
    .options({ mode, maxFilesPerTrigger: maxFiles, ignoreMissingFiles: true })
    .load(dir)
    .writeStream.format('memory')
    .queryName('out')
    .trigger({ availableNow: true })
    .withDeadLetters((letters) => {
      deadLetters.push(...letters)
    })
    .start()
  const error = await q.awaitTermination().then(
    () => null,
    (e: unknown) => e,
  )
  const rows = (await session.table('out').collect()).map((r) =>
    canonical(format, r as Record<string, unknown>),
  )
  const dropped = q.recentProgress.reduce((n, p) => n + p.numDroppedMalformedRows, 0)
  return { rows, dropped, deadLetters, error }
}

const where = (d: DeadLetterRecord) =>
  d.position.line === undefined ? String(d.position.file) : `${d.position.file}:${d.position.line}`

/** The (file, line) a FAILFAST error names, as `<file>:<line>`, or `<file>` for a parquet file. */
function named(e: unknown): string {
  expect(e).toBeInstanceOf(StreamingQueryException)
  const cause = (e as StreamingQueryException).cause
  expect(cause).toBeInstanceOf(MalformedRecordError)
  const message = (cause as Error).message
  const line = /^MALFORMED_RECORD: malformed record in (.+), line (\d+)/.exec(message)
  if (line) return `${line[1]}:${line[2]}`
  const file = /^CORRUPT_FILE: (.+?) is not a readable parquet file/.exec(message)
  expect(file, message).not.toBeNull()
  return file![1]
}

const property = (
  format: FuzzFormat,
  check: (dir: string, files: BadFile[], maxFiles: number) => Promise<void>,
) =>
  fc.assert(
    fc.asyncProperty(badFiles(format), fc.integer({ min: 1, max: 3 }), async (files, maxFiles) => {
      const dir = tempDir()
      await writeBadFiles(dir, format, files)
      await check(dir, files, maxFiles)
    }),
    { numRuns: RUNS, seed: 4242 + format.length },
  )

describe.each(['json', 'csv', 'text', 'parquet'] as const)(
  '%s files with bad input, through a streaming query',
  (format) => {
    it('DROPMALFORMED: never fails; drops and counts exactly the malformed records; rows + dead letters = records', async () => {
      await property(format, async (dir, files, maxFiles) => {
        const want = expected(format, dir, files)
        const got = await runQuery(format, 'DROPMALFORMED', dir, files, maxFiles)
        expect(got.error).toBeNull()
        expect(sorted(got.rows)).toEqual(sorted(want.validRows))
        expect(got.dropped).toBe(want.malformed.length)
        expect(sorted(got.deadLetters.map(where))).toEqual(sorted(want.malformed))
        expect(sorted(got.deadLetters.map((d) => d.raw))).toEqual(sorted(want.malformedRaw))
        expect(got.rows.length + got.deadLetters.length).toBe(want.records)
        for (const d of got.deadLetters) expect(d.error.length).toBeGreaterThan(0)
      })
    })

    it('PERMISSIVE: keeps every record, malformed ones with their raw text (parquet: a corrupt file stops the query, naming it)', async () => {
      await property(format, async (dir, files, maxFiles) => {
        const want = expected(format, dir, files)
        const got = await runQuery(format, 'PERMISSIVE', dir, files, maxFiles)
        if (format === 'parquet') {
          if (want.malformed.length > 0) expect(want.malformed).toContain(named(got.error))
          else expect(got.error).toBeNull()
          return
        }
        expect(got.error).toBeNull()
        expect(sorted(got.rows)).toEqual(sorted(want.permissiveRows))
        expect(got.dropped).toBe(0)
        // Dead letters say where and why, also for the records kept.
        expect(sorted(got.deadLetters.map(where))).toEqual(sorted(want.malformed))
      })
    })

    it('FAILFAST: reads everything, or stops with an error naming a malformed record’s file and line', async () => {
      await property(format, async (dir, files, maxFiles) => {
        const want = expected(format, dir, files)
        const got = await runQuery(format, 'FAILFAST', dir, files, maxFiles)
        if (want.malformed.length === 0) {
          expect(got.error).toBeNull()
          expect(sorted(got.rows)).toEqual(sorted(want.validRows))
        } else {
          expect(want.malformed).toContain(named(got.error))
        }
      })
    })
  },
)
