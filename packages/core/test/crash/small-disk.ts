/**
 * A small tmpfs for full-disk tests (issue #13 §3), and a filler file that takes all but a
 * few bytes of it. Mounting needs root (CI runs as root); elsewhere the tests are skipped
 * with the reason printed, or fail under TRIBUTARY_REQUIRE_SERVICES=1.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'

export interface SmallDisk {
  readonly dir: string
  /** Fills the disk until `leaveBytes` are free. */
  fill(leaveBytes: number): void
  /** Frees what fill() took. */
  free(): void
  unmount(): void
}

/** Mounts a tmpfs of `sizeMb`; a string saying why when it cannot. */
export function mountSmallDisk(sizeMb: number): SmallDisk | string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-small-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    return `cannot mount a tmpfs (${((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim()}); full-disk tests need root`
  }
  const filler = path.join(dir, 'filler')
  return {
    dir,
    fill(leaveBytes) {
      const s = statfsSync(dir)
      writeFileSync(filler, Buffer.alloc(Math.max(0, s.bavail * s.bsize - leaveBytes)))
    },
    free() {
      rmSync(filler, { force: true })
    },
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' })
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function scratch(disk: SmallDisk, name: string): string {
  const p = path.join(disk.dir, name)
  mkdirSync(p, { recursive: true })
  return p
}
