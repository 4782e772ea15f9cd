/**
 * The path a file source reads: a file, a folder (read recursively), or a glob. Resolved
 * once, so that every listing and every partition value is relative to the same folder.
 */
import { statSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AnalysisError } from '../../util/errors.js'
import { compileGlob, type GlobPattern, isGlob } from './glob.js'

export interface InputPath {
  /** As the user wrote it, for messages. */
  readonly display: string
  readonly absolute: string
  readonly glob: GlobPattern | null
  /** Partition folders (`col=value`) are read from the path below this folder. */
  readonly partitionRoot: string
}

export function resolveInputPath(raw: string): InputPath {
  const absolute = path.resolve(raw.startsWith('file:') ? fileURLToPath(raw) : raw)
  if (isGlob(absolute)) {
    const glob = compileGlob(absolute)
    return { display: raw, absolute, glob, partitionRoot: glob.base }
  }
  return {
    display: raw,
    absolute,
    glob: null,
    partitionRoot: isFile(absolute) ? path.dirname(absolute) : absolute,
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}

export function requirePath(p: string | undefined, role: 'source' | 'sink', format: string): string {
  if (p !== undefined && p !== '') return p
  const how =
    role === 'source'
      ? `session.read(Stream).format('${format}').load('/path/to/dir'), or .option('path', '/path/to/dir')`
      : `.start('/path/to/dir') / .save('/path/to/dir'), or .option('path', '/path/to/dir')`
  throw new AnalysisError(
    `PATH_REQUIRED: the ${format} file ${role} needs a path. Give one with ${how}.`,
    'PATH_REQUIRED',
  )
}

export function pathNotFound(input: InputPath): AnalysisError {
  return new AnalysisError(
    `PATH_NOT_FOUND: ${input.display} does not exist${input.display !== input.absolute ? ` (${input.absolute})` : ''}. Fix the path, or create the folder (an empty folder is fine for a streaming source).`,
    'PATH_NOT_FOUND',
  )
}
