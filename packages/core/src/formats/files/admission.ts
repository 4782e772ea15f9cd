/**
 * Admission control for the file source: which of the listed files the next batch takes.
 * Oldest first (newest first with latestFirst), never a file taken before, at most
 * maxFilesPerTrigger of them and, past the first, no more than maxBytesPerTrigger bytes.
 */
import * as path from 'node:path'
import type { ListedFile } from './listing.js'
import type { SeenFiles } from './seen-files.js'

export interface AdmissionRules {
  readonly latestFirst: boolean
  /** undefined: no limit. */
  readonly maxFiles: number | undefined
  /** Soft limit on the bytes (on disk) of a batch: files are taken until it is reached, at least one. undefined: no limit. */
  readonly maxBytes?: number | undefined
  readonly fileNameOnly: boolean
}

/** How the seen set knows a file: by its path, or by its name only (files moved between folders). */
export function seenKey(file: string, fileNameOnly: boolean): string {
  return fileNameOnly ? path.basename(file) : file
}

/** Modification time, then path, so that equal times still give one order on every run. */
function compareFiles(a: ListedFile, b: ListedFile): number {
  return a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
}

/**
 * The files the next batch takes. `tooOld` receives the files skipped because they are
 * older than maxFileAge (e.g. copied with their old modification time by `cp -p`).
 */
export function selectNewFiles(
  listed: readonly ListedFile[],
  seen: SeenFiles,
  rules: AdmissionRules,
  tooOld?: (file: ListedFile) => void,
): ListedFile[] {
  const ordered = [...listed].sort(compareFiles)
  if (rules.latestFirst) ordered.reverse()
  const fresh: ListedFile[] = []
  const takenNow = new Set<string>()
  let bytes = 0
  for (const f of ordered) {
    const key = seenKey(f.path, rules.fileNameOnly)
    // With fileNameOnly two folders may hold the same name in one listing; take one.
    if (!seen.isNew(key, f.mtimeMs) || takenNow.has(key)) {
      if (tooOld && seen.isTooOld(key, f.mtimeMs)) tooOld(f)
      continue
    }
    if (rules.maxBytes !== undefined && fresh.length > 0 && bytes + f.size > rules.maxBytes) break
    bytes += f.size
    takenNow.add(key)
    fresh.push(f)
    if (rules.maxFiles !== undefined && fresh.length >= rules.maxFiles) break
  }
  return fresh
}
