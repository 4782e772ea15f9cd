/**
 * The file source's own options (Spark's FileStreamOptions). Format options (mode, header,
 * ...) pass through to the format untouched.
 */
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'

export const FILE_SOURCE_OPTIONS = [
  'maxFilesPerTrigger',
  'maxBytesPerTrigger',
  'latestFirst',
  'maxFileAge',
  'minFileAge',
  'logCompactInterval',
  'cleanSource',
  'sourceArchiveDir',
  'fileNameOnly',
  'ignoreMissingFiles',
  'inferSchema',
  'schemaInference',
  'columnPruning',
] as const

export type CleanSourceMode = 'off' | 'archive' | 'delete'

export interface FileSourceOptions {
  readonly maxFilesPerTrigger: number | undefined
  /** Soft byte limit per batch; DEFAULT_MAX_BYTES_PER_TRIGGER when neither limit is set. */
  readonly maxBytesPerTrigger: number | undefined
  readonly latestFirst: boolean
  /** Infinity when age does not limit what is read. */
  readonly maxFileAgeMs: number
  /** Files modified less than this long ago are left for a later batch (still being written). */
  readonly minFileAgeMs: number
  readonly cleanSource: CleanSourceMode
  readonly sourceArchiveDir: string | undefined
  readonly fileNameOnly: boolean
  readonly ignoreMissingFiles: boolean
  /** The checkpoint's file log is compacted every this many source batches (Spark's compactInterval, 10). */
  readonly logCompactInterval: number
}

const SEVEN_DAYS_MS = 7 * 86_400_000

/**
 * Without a limit a batch took every file listed, and its memory grew with the backlog
 * (2.2× the peak of a batch per file, and no faster, on the file benchmark). Unless the
 * user sets maxFilesPerTrigger or maxBytesPerTrigger, a batch takes files until their
 * size on disk reaches this (always at least one file), as Spark bounds file batches.
 */
export const DEFAULT_MAX_BYTES_PER_TRIGGER = 32 * 1024 * 1024

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
}

/** `maxBytesPerTrigger`: a number of bytes, or with a unit (`64m`, `1g`, `512kb`). */
function byteSize(options: Options, key: string): number | undefined {
  const raw = options.get(key)
  if (raw === undefined) return undefined
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw)
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new OptionError(
      `${options.owner}: option '${key}' must be a positive number of bytes, optionally with a unit (b, k, m, g), such as '64m'; got '${raw}'.`,
      'INVALID_OPTION',
    )
  }
  return bytes
}

export function parseFileSourceOptions(
  options: Options,
  defaultMaxBytes: number = DEFAULT_MAX_BYTES_PER_TRIGGER,
): FileSourceOptions {
  const maxFilesPerTrigger = options.getPositiveInt('maxFilesPerTrigger')
  const maxBytes = byteSize(options, 'maxBytesPerTrigger')
  const maxBytesPerTrigger = maxBytes ?? (maxFilesPerTrigger === undefined ? defaultMaxBytes : undefined)
  const latestFirst = options.getBoolean('latestFirst', false)
  // Spark: with latestFirst and a per-trigger limit, older files not yet taken are still
  // due, so age must not drop them.
  const maxFileAgeMs =
    latestFirst && maxFilesPerTrigger !== undefined
      ? Number.POSITIVE_INFINITY
      : (options.getDurationMs('maxFileAge', SEVEN_DAYS_MS) ?? SEVEN_DAYS_MS)
  const cleanSource = options.oneOf('cleanSource', ['off', 'archive', 'delete'] as const, 'off')
  const sourceArchiveDir = options.get('sourceArchiveDir')
  if (cleanSource === 'archive' && !sourceArchiveDir) {
    throw new OptionError(
      `${options.owner}: cleanSource 'archive' needs option 'sourceArchiveDir', the folder processed files are moved to. Add .option('sourceArchiveDir', '/path/to/archive'), or use cleanSource 'delete'.`,
      'MISSING_OPTION',
    )
  }
  return {
    maxFilesPerTrigger,
    maxBytesPerTrigger,
    latestFirst,
    maxFileAgeMs,
    minFileAgeMs: options.getDurationMs('minFileAge', 0) ?? 0,
    cleanSource,
    sourceArchiveDir,
    fileNameOnly: options.getBoolean('fileNameOnly', false),
    ignoreMissingFiles: options.getBoolean('ignoreMissingFiles', false),
    logCompactInterval: options.getPositiveInt('logCompactInterval', 10) ?? 10,
  }
}

/** Whether a streaming source may infer its schema from the files present at `load()`. */
export function streamingSchemaInference(options: Options): boolean {
  return options.getBoolean('schemaInference', false) || options.getBoolean('inferSchema', false)
}
