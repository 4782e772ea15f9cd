/** Bytes and files below a folder, for the benchmarks that watch a checkpoint grow. */
import { readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'

/** Bytes and files below `dir`; zero when it does not exist. */
export function diskUsage(dir: string): { bytes: number; files: number } {
  let bytes = 0
  let files = 0
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return { bytes, files }
  }
  for (const n of names) {
    const p = path.join(dir, n)
    const s = statSync(p, { throwIfNoEntry: false })
    if (!s) continue
    if (s.isDirectory()) {
      const d = diskUsage(p)
      bytes += d.bytes
      files += d.files
    } else {
      bytes += s.size
      files++
    }
  }
  return { bytes, files }
}
