/**
 * The file source's own options (Spark's FileStreamOptions). Format options (mode, header,
 * ...) pass through to the format untouched.
 */
import { OptionError } from '../../util/errors.js'
import type { Options } from '../../util/options.js'

export const FILE_SOURCE_OPTIONS = [
  'maxFilesPerTrigger',
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
] as const

export type CleanSourceMode = 'off' | 'archive' | 'delete'

export interface FileSourceOptions {
  readonly maxFilesPerTrigger: number | undefined
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

export function parseFileSourceOptions(options: Options): FileSourceOptions {
  const maxFilesPerTrigger = options.getPositiveInt('maxFilesPerTrigger')
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
