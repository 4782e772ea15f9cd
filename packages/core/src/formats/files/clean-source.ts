/**
 * cleanSource: once a batch is committed, its input files are moved to sourceArchiveDir
 * (keeping their absolute path below it, as Spark does) or deleted. A file already gone is
 * not an error: cleaning runs again after a crash and must not fail on its own earlier work.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { OptionError } from '../../util/errors.js'
import type { InputPath } from './input-path.js'
import type { CleanSourceMode } from './source-options.js'

export interface SourceCleaner {
  clean(file: string): Promise<void>
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT'

/** cleanSource on a sink's output would delete files that the sink's log still lists. */
export function cleanSourceOnSinkOutput(input: InputPath): OptionError {
  return new OptionError(
    `CLEAN_SOURCE_UNSUPPORTED: ${input.display} is the output of a file sink (it has a _tributary_metadata log); cleanSource would remove files that its log still lists. Remove option cleanSource, or read a folder that no sink writes to.`,
    'CLEAN_SOURCE_UNSUPPORTED',
  )
}

export function sourceCleaner(
  mode: CleanSourceMode,
  archiveDir: string | undefined,
  input: InputPath,
): SourceCleaner | null {
  if (mode === 'off') return null
  if (mode === 'delete') {
    return {
      async clean(file) {
        await fs.unlink(file).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)))
      },
    }
  }
  const archive = path.resolve(archiveDir!)
  const listedRoot = input.glob?.base ?? input.absolute
  if (archive === listedRoot || archive.startsWith(`${listedRoot}${path.sep}`)) {
    throw new OptionError(
      `SOURCE_ARCHIVE_DIR_INSIDE_SOURCE: sourceArchiveDir ${archive} is inside the source path ${input.display}, so archived files would be read again. Choose an archive folder outside ${listedRoot}.`,
      'INVALID_OPTION',
    )
  }
  return {
    async clean(file) {
      const target = path.join(archive, path.resolve(file).replace(/^([A-Za-z]:)?[\\/]+/, ''))
      await fs.mkdir(path.dirname(target), { recursive: true })
      try {
        await fs.rename(file, target)
      } catch (e) {
        if (isMissing(e)) return
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e
        // Another file system: rename cannot cross it.
        await fs.copyFile(file, target)
        await fs.unlink(file)
      }
    },
  }
}
