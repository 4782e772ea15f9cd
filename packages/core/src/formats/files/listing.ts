/**
 * Listing the data files of an input path the way Spark does: folders recursively,
 * hidden names skipped (`.x`, `_x` but not `_x=y` partition folders), files still being
 * written by a copy or a writer that renames when done (`x._COPYING_`, `x.tmp`,
 * `x.partial`: counted in `ListingStats.inProgress`), and
 * for the output folder of a file sink only the files its log has committed.
 *
 * There is a synchronous listing for `load()` (schema inference cannot await) and an
 * asynchronous one for streaming triggers, which must not block the event loop.
 */
import { type Dirent, promises as fs, readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import type { InputPath } from './input-path.js'
import { pathNotFound } from './input-path.js'
import { committedFilesSync, hasSinkLog, type SinkFileStatus, type SinkLogReader } from './sink-log.js'

export interface ListedFile {
  readonly path: string
  readonly mtimeMs: number
  readonly size: number
}

/** Names of files still being written: `hdfs dfs -put`'s `._COPYING_`, and the usual temporary suffixes. */
export function isInProgressName(name: string): boolean {
  return name.endsWith('._COPYING_') || name.endsWith('.tmp') || name.endsWith('.partial')
}

/** Names a listing never returns: hidden files, sink logs, temporary and in-copy files. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || (name.startsWith('_') && !name.includes('=')) || isInProgressName(name)
}

/** What a listing left out, for the source's metrics. */
export interface ListingStats {
  /** Visible files with an in-progress name (isInProgressName), seen by the last listing. */
  inProgress: number
}

/** True for a plain folder with a file sink log: only committed files are then read. */
export function readsThroughSinkLog(input: InputPath): boolean {
  return input.glob === null && hasSinkLog(input.absolute)
}

function fromSinkLog(input: InputPath, files: readonly SinkFileStatus[]): ListedFile[] {
  return files.map((f) => ({
    path: path.join(input.absolute, ...f.path.split('/')),
    mtimeMs: f.mtimeMs,
    size: f.size,
  }))
}

interface WalkStep {
  readonly include: boolean
  readonly descend: boolean
  /** A folder the glob matched: every file below it is read. */
  readonly matchedFolder: boolean
}

function decide(
  input: InputPath,
  relative: string,
  depth: number,
  isDir: boolean,
  underMatch: boolean,
): WalkStep {
  const glob = input.glob
  if (glob === null || underMatch) return { include: !isDir, descend: isDir, matchedFolder: underMatch }
  const matched = glob.matches(relative)
  if (!isDir) return { include: matched, descend: false, matchedFolder: false }
  return { include: false, descend: matched || depth < glob.maxDepth, matchedFolder: matched }
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT'

export function listFilesSync(input: InputPath): ListedFile[] {
  if (readsThroughSinkLog(input)) return fromSinkLog(input, committedFilesSync(input.absolute))
  const root = input.glob?.base ?? input.absolute
  let rootStat: ReturnType<typeof statSync>
  try {
    rootStat = statSync(root)
  } catch (e) {
    if (isMissing(e) && input.glob) return []
    throw isMissing(e) ? pathNotFound(input) : e
  }
  if (rootStat.isFile())
    return input.glob ? [] : [{ path: root, mtimeMs: rootStat.mtimeMs, size: rootStat.size }]
  const out: ListedFile[] = []
  const walk = (dir: string, relative: string, depth: number, underMatch: boolean): void => {
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch (e) {
      if (isMissing(e)) return
      throw e
    }
    for (const entry of entries) {
      if (isHiddenName(entry.name)) continue
      const full = path.join(dir, entry.name)
      const rel = relative ? `${relative}/${entry.name}` : entry.name
      let stat: ReturnType<typeof statSync>
      try {
        stat = statSync(full)
      } catch (e) {
        if (isMissing(e)) continue
        throw e
      }
      const step = decide(input, rel, depth + 1, stat.isDirectory(), underMatch)
      if (step.include && stat.isFile()) out.push({ path: full, mtimeMs: stat.mtimeMs, size: stat.size })
      if (step.descend) walk(full, rel, depth + 1, step.matchedFolder)
    }
  }
  walk(root, '', 0, false)
  return out
}

/** Stats at most this many entries of a folder at once. */
const STAT_CONCURRENCY = 64

/** With `sinkLog`, the files its entries commit; otherwise what is on disk. */
export async function listFiles(
  input: InputPath,
  sinkLog: SinkLogReader | null,
  stats?: ListingStats,
): Promise<ListedFile[]> {
  if (sinkLog) return fromSinkLog(input, await sinkLog.committedFiles())
  const root = input.glob?.base ?? input.absolute
  let rootStat: Awaited<ReturnType<typeof fs.stat>>
  try {
    rootStat = await fs.stat(root)
  } catch (e) {
    if (isMissing(e) && input.glob) return []
    throw isMissing(e) ? pathNotFound(input) : e
  }
  if (rootStat.isFile())
    return input.glob ? [] : [{ path: root, mtimeMs: rootStat.mtimeMs, size: rootStat.size }]
  const out: ListedFile[] = []
  const walk = async (dir: string, relative: string, depth: number, underMatch: boolean): Promise<void> => {
    let entries: Dirent[]
    try {
      entries = await fs.readdir(dir, { withFileTypes: true })
    } catch (e) {
      if (isMissing(e)) return
      throw e
    }
    const visible = entries.filter((e) => !isHiddenName(e.name))
    if (stats)
      for (const e of entries)
        if (e.isFile() && !e.name.startsWith('.') && isInProgressName(e.name)) stats.inProgress++
    for (let i = 0; i < visible.length; i += STAT_CONCURRENCY) {
      const chunk = visible.slice(i, i + STAT_CONCURRENCY)
      const stats = await Promise.all(
        chunk.map((entry) =>
          fs
            .stat(path.join(dir, entry.name))
            .catch((e: unknown) => (isMissing(e) ? null : Promise.reject(e))),
        ),
      )
      for (let j = 0; j < chunk.length; j++) {
        const stat = stats[j]
        if (stat === null) continue
        const full = path.join(dir, chunk[j].name)
        const rel = relative ? `${relative}/${chunk[j].name}` : chunk[j].name
        const step = decide(input, rel, depth + 1, stat.isDirectory(), underMatch)
        if (step.include && stat.isFile()) out.push({ path: full, mtimeMs: stat.mtimeMs, size: stat.size })
        if (step.descend) await walk(full, rel, depth + 1, step.matchedFolder)
      }
    }
  }
  await walk(root, '', 0, false)
  return out
}
