/**
 * Partition folders, Hive style as Spark writes and reads them: `country=FR/day=3/part-0.json`.
 * Values are escaped (%XX) so that any string can be a folder name; null and the empty
 * string become `__HIVE_DEFAULT_PARTITION__`.
 *
 * Long values: a folder name holds at most 255 bytes on common file systems (ext4, xfs,
 * APFS), and a longer one fails every write of that row, after every restart (a poison
 * pill). A `col=value` name longer than that is written as `col=<start of the escaped
 * value>%%<32 hex digits of the value's SHA-256>`, and the full value is kept next to the
 * data in the folder's `.tributary-partition-value` file, from which readers take it back.
 * `%%` never appears in an escaped value (a `%` is escaped as `%25`), so the two cannot mix.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import {
  type DataType,
  DoubleType,
  IntType,
  LongType,
  StringType,
  type StructField,
} from '../../types/data-types.js'
import { AnalysisError } from '../../util/errors.js'

export const DEFAULT_PARTITION_NAME = '__HIVE_DEFAULT_PARTITION__'

/** Spark's set of characters escaped in partition folder names (ExternalCatalogUtils.charToEscape). */
const ESCAPED = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '\x7f', '{', '[', ']', '^'])

export function escapePathName(value: string): string {
  let out = ''
  for (const c of value) {
    const code = c.charCodeAt(0)
    out += code < 0x20 || ESCAPED.has(c) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : c
  }
  return out
}

export function unescapePathName(name: string): string {
  return name.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

/** Bytes of one folder name (NAME_MAX) on ext4, xfs, btrfs, APFS. */
export const MAX_FOLDER_NAME_BYTES = 255
/** Separates the kept start of a long value from its hash in a folder name. */
export const LONG_VALUE_MARKER = '%%'
/** The file in a long value's folder that holds the value (hidden: listings skip it). */
export const LONG_VALUE_FILE = '.tributary-partition-value'
const HASH_DIGITS = 32

/** The value a long-value folder stands for, read once per folder. */
const longValues = new Map<string, string | null>()

function longValueOf(dir: string): string | null {
  let v = longValues.get(dir)
  if (v === undefined) {
    try {
      v = (JSON.parse(readFileSync(path.join(dir, LONG_VALUE_FILE), 'utf8')) as { value: string }).value
    } catch {
      // Not written by Tributary, or removed: the folder name is all there is.
      v = null
    }
    if (longValues.size > 10_000) longValues.clear()
    longValues.set(dir, v)
  }
  return v
}

/** The contents of LONG_VALUE_FILE for a value. */
export const longValueFile = (column: string, value: string): string =>
  `${JSON.stringify({ column, value })}\n`

/** One `col=value` folder on a file's path; `raw` is still escaped. */
export interface PartitionSegment {
  readonly column: string
  readonly raw: string
}

/** The `col=value` folders between `root` and the file, outermost first. */
export function partitionSegments(root: string, file: string): PartitionSegment[] {
  const relative = path.relative(root, path.dirname(file))
  if (relative === '' || relative.startsWith('..')) return []
  const out: PartitionSegment[] = []
  let dir = root
  for (const segment of relative.split(path.sep)) {
    dir = path.join(dir, segment)
    const eq = segment.indexOf('=')
    if (eq <= 0) continue
    let raw = segment.slice(eq + 1)
    if (raw.includes(LONG_VALUE_MARKER)) {
      const value = longValueOf(dir)
      if (value !== null) raw = escapePathName(value)
    }
    out.push({ column: unescapePathName(segment.slice(0, eq)), raw })
  }
  return out
}

/** A partition value typed as the column asks; unparsable values become null, as Spark's cast does. */
export function partitionValue(raw: string, type: DataType): unknown {
  if (raw === DEFAULT_PARTITION_NAME) return null
  const text = unescapePathName(raw)
  switch (type.kind) {
    case 'string':
      return text
    case 'int':
    case 'long':
    case 'float':
    case 'double': {
      const n = text.trim() === '' ? Number.NaN : Number(text)
      return Number.isFinite(n) ? n : null
    }
    case 'boolean': {
      const t = text.toLowerCase()
      return t === 'true' ? true : t === 'false' ? false : null
    }
    case 'timestamp':
    case 'date': {
      const ms = Date.parse(text)
      if (Number.isNaN(ms)) return null
      return type.kind === 'date' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms
    }
    default:
      return null
  }
}

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** The narrowest of int, long, double, string that holds every value (nulls aside). */
export function inferPartitionType(raws: Iterable<string>): DataType {
  let integral = true
  let fitsInt = true
  let numeric = true
  let any = false
  for (const raw of raws) {
    if (raw === DEFAULT_PARTITION_NAME) continue
    any = true
    const text = unescapePathName(raw)
    if (!DECIMAL.test(text)) return StringType
    if (!INTEGER.test(text)) integral = false
    const n = Number(text)
    if (!Number.isFinite(n)) numeric = false
    else if (integral && !Number.isSafeInteger(n)) integral = false
    if (n < -2147483648 || n > 2147483647) fitsInt = false
  }
  if (!any || !numeric) return StringType
  if (integral) return fitsInt ? IntType : LongType
  return DoubleType
}

/** Partition columns found in the paths of `files`, in the order their folders nest. */
export function discoverPartitionColumns(root: string, files: readonly string[]): Map<string, string[]> {
  const columns = new Map<string, string[]>()
  for (const file of files) {
    for (const { column, raw } of partitionSegments(root, file)) {
      let values = columns.get(column)
      if (!values) {
        values = []
        columns.set(column, values)
      }
      values.push(raw)
    }
  }
  return columns
}

/**
 * Data fields then partition fields, as Spark orders them. A partition column keeps the
 * type the user gave it; otherwise its type is inferred from the folder names.
 */
export function withPartitionFields(
  dataFields: readonly StructField[],
  discovered: ReadonlyMap<string, readonly string[]>,
  userFields: readonly StructField[] | null,
): StructField[] {
  const partitionFields: StructField[] = []
  for (const [name, raws] of discovered) {
    const given = userFields?.find((f) => f.name === name)
    partitionFields.push({ name, type: given?.type ?? inferPartitionType(raws), nullable: true })
  }
  return [...dataFields.filter((f) => !discovered.has(f.name)), ...partitionFields]
}

/**
 * The folder name of one partition value, as the sink writes it. `long` is set when the name
 * stands for a value too long for a folder name: the caller writes LONG_VALUE_FILE with it.
 */
export function partitionFolderName(column: string, value: unknown, type: DataType): string {
  const name = `${escapePathName(column)}=${formatPartitionValue(value, type)}`
  if (Buffer.byteLength(name) <= MAX_FOLDER_NAME_BYTES) return name
  return longValueFolderName(column, String(value))
}

/** `col=<start>%%<hash>` within MAX_FOLDER_NAME_BYTES; see the module notes. */
export function longValueFolderName(column: string, value: string): string {
  const col = escapePathName(column)
  const hash = createHash('sha256').update(value).digest('hex').slice(0, HASH_DIGITS)
  let room = MAX_FOLDER_NAME_BYTES - Buffer.byteLength(col) - 1 - LONG_VALUE_MARKER.length - HASH_DIGITS
  if (room < 0) {
    throw new AnalysisError(
      `PARTITION_COLUMN_NAME_TOO_LONG: the partition column name '${column.slice(0, 40)}…' is ${Buffer.byteLength(col)} bytes as a folder name; with its value it cannot fit the file system's ${MAX_FOLDER_NAME_BYTES} bytes. Rename the column (alias) before partitionBy.`,
      'PARTITION_COLUMN_NAME_TOO_LONG',
    )
  }
  // Keep whole characters (and whole %XX escapes) of the escaped value while they fit.
  let start = ''
  for (const c of value) {
    const piece = escapePathName(c)
    const bytes = Buffer.byteLength(piece)
    if (bytes > room) break
    start += piece
    room -= bytes
  }
  return `${col}=${start}${LONG_VALUE_MARKER}${hash}`
}

/** Whether a folder name written by partitionFolderName stands for a long value. */
export const isLongValueFolder = (name: string): boolean =>
  name.slice(name.indexOf('=') + 1).includes(LONG_VALUE_MARKER)

function formatPartitionValue(value: unknown, type: DataType): string {
  if (value === null || value === undefined || value === '') return DEFAULT_PARTITION_NAME
  if (type.kind === 'timestamp') return escapePathName(new Date(value as number).toISOString())
  if (type.kind === 'date') return new Date(value as number).toISOString().slice(0, 10)
  return escapePathName(String(value))
}

/** Types a partition folder can hold: what prints as a short string and reads back. */
export function isPartitionableType(type: DataType): boolean {
  return ['string', 'boolean', 'int', 'long', 'float', 'double', 'timestamp', 'date'].includes(type.kind)
}
