/**
 * Generated input files with known good and malformed records, for the end-to-end bad
 * input tests: each record knows what a reader must make of it, so a test can say which
 * rows a query must output and which records it must drop, keep as corrupt, or send to
 * the dead letters.
 */
import { statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import { parquetFormat } from '../../src/formats/codecs/parquet.js'
import { type Schema, schema } from '../../src/index.js'
import { Options } from '../../src/util/options.js'

export type LineFormat = 'json' | 'csv' | 'text'
export type FuzzFormat = LineFormat | 'parquet'

/** One line of a line-based file. */
export interface Line {
  /** valid: a row; malformed: dropped, kept as corrupt, or a dead letter; blank: skipped (json, csv). */
  readonly kind: 'valid' | 'malformed' | 'blank'
  readonly bytes: Buffer
  /** How the row reads back, for valid lines: `id=<n>`, or `v=<text>` for text. */
  readonly row?: string
}

export interface BadFile {
  readonly name: string
  /** keep; deleted or truncated (to `cut` bytes) after the source listed it and before it is read. */
  readonly fate: 'keep' | 'delete' | 'truncate'
  readonly cut: number
  /** Line-based formats. */
  readonly lines: readonly Line[]
  /** Parquet: the file is readable with `rows` rows, or is not a parquet file at all. */
  readonly parquet?: {
    readonly readable: boolean
    readonly ids: readonly number[]
    readonly junk: Uint8Array
  }
}

export const lineSchemas = {
  json: schema({ id: 'long', name: 'string', _corrupt_record: 'string' }),
  csv: schema({ id: 'long', name: 'string', _corrupt_record: 'string' }),
  text: schema({ value: 'string' }),
  parquet: schema({ id: 'long', name: 'string' }),
} as const

const HUGE = 150_000
const utf8 = (s: string) => Buffer.from(s, 'utf8')
const INVALID = Buffer.from([0xff, 0xfe, 0xc3])

/** A JSON Lines record of each kind; `id` makes valid rows recognisable. */
function jsonLine(kind: string, id: number, name: string): Line {
  const valid = (n: string): Line => ({
    kind: 'valid',
    bytes: utf8(JSON.stringify({ id, name: n })),
    row: `id=${id}`,
  })
  const bad = (b: Buffer): Line => ({ kind: 'malformed', bytes: b })
  switch (kind) {
    case 'valid':
      return valid(name)
    case 'huge':
      return valid('x'.repeat(HUGE))
    case 'broken':
      return bad(utf8(`{"id":${id},"name":${JSON.stringify(name)}`))
    case 'notObject':
      return bad(utf8(`[${id},${JSON.stringify(name)}]`))
    case 'wrongType':
      return bad(utf8(`{"id":"x${id}","name":${JSON.stringify(name)}}`))
    case 'hugeBroken':
      return bad(utf8(`{"id":${id},"name":"${'y'.repeat(HUGE)}`))
    case 'invalidUtf8':
      return bad(Buffer.concat([utf8(`{"id":${id},"name":"`), INVALID, utf8('"}')]))
    default:
      return { kind: 'blank', bytes: utf8('  ') }
  }
}

function csvLine(kind: string, id: number, name: string): Line {
  const valid = (n: string): Line => ({ kind: 'valid', bytes: utf8(`${id},${n}`), row: `id=${id}` })
  const bad = (b: Buffer): Line => ({ kind: 'malformed', bytes: b })
  switch (kind) {
    case 'valid':
      return valid(name)
    case 'huge':
      return valid('x'.repeat(HUGE))
    case 'broken':
      return bad(utf8(`${id},${name},extra`))
    case 'notObject':
      return bad(utf8(`${id}`))
    case 'wrongType':
      return bad(utf8(`x${id},${name}`))
    case 'hugeBroken':
      return bad(utf8(`${id},${'y'.repeat(HUGE)},z`))
    case 'invalidUtf8':
      return bad(Buffer.concat([utf8(`${id},a`), INVALID]))
    default:
      return { kind: 'blank', bytes: utf8('') }
  }
}

/** Text: every line is a row; only bytes that are not UTF-8 make one malformed. */
function textLine(kind: string, id: number, name: string): Line {
  const valid = (t: string): Line => ({ kind: 'valid', bytes: utf8(t), row: `v=${t}` })
  switch (kind) {
    case 'invalidUtf8':
      return { kind: 'malformed', bytes: Buffer.concat([utf8(`t${id}`), INVALID]) }
    case 'huge':
    case 'hugeBroken':
      return valid(`t${id}${'x'.repeat(HUGE)}`)
    case 'blank':
      return valid('')
    default:
      return valid(`t${id} ${name}`)
  }
}

const lineMakers: Record<LineFormat, (kind: string, id: number, name: string) => Line> = {
  json: jsonLine,
  csv: csvLine,
  text: textLine,
}

const KINDS = ['valid', 'valid', 'valid', 'broken', 'notObject', 'wrongType', 'invalidUtf8', 'blank'] as const
const RARE_KINDS = ['huge', 'hugeBroken'] as const

/** Files of random records: some empty, some deleted or truncated while the query reads them. */
export function badFiles(format: FuzzFormat): fc.Arbitrary<BadFile[]> {
  const name = fc.stringMatching(/^[a-z0-9 ]{0,10}$/)
  const kind = fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...KINDS) },
    { weight: 1, arbitrary: fc.constantFrom(...RARE_KINDS) },
  )
  const fate = fc.oneof(
    { weight: 8, arbitrary: fc.constant<'keep'>('keep') },
    { weight: 1, arbitrary: fc.constant<'delete'>('delete') },
    // CSV lines cut short are often still good rows with other values: no oracle for them.
    { weight: format === 'csv' ? 0 : 1, arbitrary: fc.constant<'truncate'>('truncate') },
  )
  const file = fc.record({
    records: fc.array(fc.tuple(kind, name), { maxLength: 12 }),
    fate,
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
    readable: fc.boolean(),
    junk: fc.uint8Array({ maxLength: 64 }),
  })
  return fc.array(file, { minLength: 1, maxLength: 6 }).map((files) => {
    let id = 0
    return files.map((f, i): BadFile => {
      const base = { name: `f${i}.${format === 'text' ? 'txt' : format}`, fate: f.fate, cut: f.cut }
      if (format === 'parquet') {
        const ids = f.records.map(() => id++)
        return { ...base, lines: [], parquet: { readable: f.readable, ids, junk: f.junk } }
      }
      return { ...base, lines: f.records.map(([k, n]) => lineMakers[format](k, id++, n)) }
    })
  })
}

export function fileBytes(f: BadFile): Buffer {
  return Buffer.concat(f.lines.flatMap((l) => [l.bytes, utf8('\n')]))
}

/** Writes the files as they are before anything happens to them. */
export async function writeBadFiles(
  dir: string,
  format: FuzzFormat,
  files: readonly BadFile[],
): Promise<void> {
  for (const f of files) {
    const file = path.join(dir, f.name)
    if (format !== 'parquet') {
      writeFileSync(file, fileBytes(f))
    } else if (f.parquet!.readable) {
      const s = lineSchemas.parquet as Schema<unknown>
      const rows = f.parquet!.ids.map((id) => ({ id, name: `p${id}` }))
      await parquetFormat.write(ColumnarBatch.fromRows(s, rows), file, new Options({}))
    } else {
      writeFileSync(file, f.parquet!.junk)
    }
  }
}

/** What a reader must see in each file, after its fate: the lines (or parquet verdict) as read. */
export interface Expected {
  /** Rows when malformed records are dropped (canonical strings, a multiset). */
  readonly validRows: string[]
  /** Rows under PERMISSIVE: valid rows plus `corrupt=<raw text>` for each malformed line. */
  readonly permissiveRows: string[]
  /** `<file>:<line>` of every malformed record (`<file>` alone for a parquet file). */
  readonly malformed: string[]
  /** The raw text of every malformed record, as a dead letter or the corrupt-record column holds it. */
  readonly malformedRaw: string[]
  /** Records that are not blank: rows + dropped must add up to it. */
  records: number
}

const lenient = new TextDecoder('utf-8')
const strict = new TextDecoder('utf-8', { fatal: true })

function isUtf8(b: Buffer): boolean {
  try {
    strict.decode(b)
    return true
  } catch {
    return false
  }
}

/** The lines a reader finds in a file cut to `length` bytes: whole lines keep their kind; a cut line gets one by its bytes. */
function linesAfterCut(format: LineFormat, f: BadFile, length: number): Line[] {
  const out: Line[] = []
  let at = 0
  for (const l of f.lines) {
    if (at >= length) break
    const room = length - at
    if (room >= l.bytes.length) {
      out.push(l)
    } else {
      const part = l.bytes.subarray(0, room)
      if (format === 'text') {
        const t = lenient.decode(part)
        out.push(
          isUtf8(part) ? { kind: 'valid', bytes: part, row: `v=${t}` } : { kind: 'malformed', bytes: part },
        )
      } else {
        // Every JSON record is one `{...}` or `[...]`: cut short, it is not JSON any more.
        out.push({ kind: part.toString('latin1').trim() === '' ? 'blank' : 'malformed', bytes: part })
      }
    }
    at += l.bytes.length + 1
  }
  return out
}

export function cutLength(f: BadFile, size: number): number {
  return Math.floor(f.cut * size)
}

export function expected(format: FuzzFormat, dir: string, files: readonly BadFile[]): Expected {
  const e: Expected = { validRows: [], permissiveRows: [], malformed: [], malformedRaw: [], records: 0 }
  for (const f of files) {
    if (f.fate === 'delete') continue
    const file = path.join(dir, f.name)
    if (format === 'parquet') {
      const p = f.parquet!
      const size = statSync(file).size
      if (p.readable && (f.fate === 'keep' || cutLength(f, size) >= size)) {
        for (const id of p.ids) e.validRows.push(`id=${id}`)
        e.records += p.ids.length
      } else {
        e.malformed.push(file)
        e.malformedRaw.push('')
        e.records += 1
      }
      continue
    }
    const all = fileBytes(f)
    const lines = f.fate === 'truncate' ? linesAfterCut(format, f, cutLength(f, all.length)) : f.lines
    lines.forEach((l, i) => {
      if (l.kind === 'blank') return
      e.records++
      if (l.kind === 'valid') {
        e.validRows.push(l.row!)
        e.permissiveRows.push(l.row!)
      } else {
        e.malformed.push(`${file}:${i + 1}`)
        e.malformedRaw.push(lenient.decode(l.bytes))
        e.permissiveRows.push(
          format === 'text' ? `v=${lenient.decode(l.bytes)}` : `corrupt=${lenient.decode(l.bytes)}`,
        )
      }
    })
  }
  return e
}

/** An output row as the canonical string of Expected. */
export function canonical(format: FuzzFormat, r: Record<string, unknown>): string {
  if (format === 'text') return `v=${r.value}`
  if (r._corrupt_record !== null && r._corrupt_record !== undefined) return `corrupt=${r._corrupt_record}`
  return `id=${r.id}`
}

export const sorted = (xs: readonly string[]): string[] => [...xs].sort()
