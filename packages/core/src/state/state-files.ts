/**
 * State files: `<version>.delta` holds the changes that made version N from N-1;
 * `<version>.snapshot` holds the whole map at version N. Both are v8-serialized (Dates,
 * Maps, typed arrays survive) and written atomically. A torn or foreign file is reported
 * with its path, never read as empty state.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import { atomicWrite } from '../checkpoint/atomic-file.js'
import { CheckpointError } from '../util/errors.js'

const MAGIC = 'TRIBUTARY-STATE-1'

/** One change: a put (with the new value) or a removal (value undefined). */
export type StateChange = readonly [key: string, value: unknown, removed: boolean]

export async function writeDelta(
  dir: string,
  version: number,
  changes: readonly StateChange[],
): Promise<void> {
  await atomicWrite(path.join(dir, `${version}.delta`), serialize([MAGIC, changes]))
}

export async function writeSnapshot(
  dir: string,
  version: number,
  entries: Iterable<[string, unknown]>,
): Promise<void> {
  await atomicWrite(path.join(dir, `${version}.snapshot`), serialize([MAGIC, [...entries]]))
}

async function readFileOf(file: string): Promise<unknown> {
  const bytes = await fs.readFile(file)
  let decoded: unknown
  try {
    decoded = deserialize(bytes)
  } catch {
    throw corruptState(file, 'cannot be decoded (truncated or not a state file)')
  }
  if (!Array.isArray(decoded) || decoded[0] !== MAGIC || !Array.isArray(decoded[1])) {
    throw corruptState(file, 'is not a Tributary state file of this version')
  }
  return decoded[1]
}

export function corruptState(file: string, problem: string): CheckpointError {
  return new CheckpointError(
    `CORRUPT_CHECKPOINT_FILE: state file ${file} ${problem}. Restore the state folder from a backup, or delete the checkpoint to start the query over.`,
    'CORRUPT_CHECKPOINT_FILE',
  )
}

export async function readDelta(file: string): Promise<StateChange[]> {
  return (await readFileOf(file)) as StateChange[]
}

export async function readSnapshot(file: string): Promise<[string, unknown][]> {
  return (await readFileOf(file)) as [string, unknown][]
}

/** The versions that have delta and snapshot files in dir. */
export async function listVersions(dir: string): Promise<{ deltas: Set<number>; snapshots: Set<number> }> {
  let names: string[] = []
  try {
    names = await fs.readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  const deltas = new Set<number>()
  const snapshots = new Set<number>()
  for (const n of names) {
    const m = /^(\d+)\.(delta|snapshot)$/.exec(n)
    if (!m) continue
    ;(m[2] === 'delta' ? deltas : snapshots).add(Number(m[1]))
  }
  return { deltas, snapshots }
}

/** Loads the map at `version` from the newest snapshot at or below it plus the deltas after it. */
export async function loadVersion(dir: string, version: number): Promise<Map<string, unknown>> {
  const map = new Map<string, unknown>()
  if (version === 0) return map
  const { deltas, snapshots } = await listVersions(dir)
  let base = 0
  for (const s of snapshots) if (s <= version && s > base) base = s
  if (base > 0) for (const [k, v] of await readSnapshot(path.join(dir, `${base}.snapshot`))) map.set(k, v)
  for (let v = base + 1; v <= version; v++) {
    if (!deltas.has(v)) {
      throw corruptState(
        path.join(dir, `${v}.delta`),
        `is missing, so state version ${version} cannot be rebuilt (snapshot ${base || 'none'} + deltas)`,
      )
    }
    for (const [k, value, removed] of await readDelta(path.join(dir, `${v}.delta`))) {
      if (removed) map.delete(k)
      else map.set(k, value)
    }
  }
  return map
}

/** Deletes files not needed to load any version >= minVersion. */
export async function cleanUp(dir: string, minVersion: number): Promise<void> {
  const { deltas, snapshots } = await listVersions(dir)
  let keepSnapshot = 0
  for (const s of snapshots) if (s <= minVersion && s > keepSnapshot) keepSnapshot = s
  for (const s of snapshots)
    if (s < keepSnapshot) await fs.rm(path.join(dir, `${s}.snapshot`), { force: true })
  for (const d of deltas) if (d <= keepSnapshot) await fs.rm(path.join(dir, `${d}.delta`), { force: true })
}
