/** Shared test helpers: isolated sessions and temporary folders that clean up after the test. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach } from 'vitest'
import { Session } from '../src/index.js'

const cleanups: (() => void | Promise<void>)[] = []

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A fresh folder under the OS temp dir, removed after the test. */
export function tempDir(prefix = 'tributary-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A session of its own (not the shared getOrCreate one), stopped after the test. */
export function newSession(conf: Record<string, string> = {}): Session {
  const b = Session.builder().appName('test')
  for (const [k, v] of Object.entries(conf)) b.config(k, v)
  const s = b.create()
  cleanups.push(() => s.stop())
  return s
}
