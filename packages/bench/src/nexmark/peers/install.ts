/**
 * Peers that must stay out of the workspace's lock file (shared/DEPENDENCIES.md: a lock
 * file naming @duckdb/node-api breaks `npm ci` here, and arquero needs an override) are
 * installed on demand into packages/bench/.peers, a git-ignored folder with its own
 * package.json, and loaded from there by path.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

export const PEERS_DIR = fileURLToPath(new URL('../../../.peers/', import.meta.url))

/** The npm registry has 1.5.6 only as 1.5.6-r.1 (a plain 1.5.6 answers ETARGET). */
export const DUCKDB_VERSION = '1.5.6-r.1'
export const ARQUERO_VERSION = '8.0.3'

const MANIFEST = {
  name: 'tributary-bench-peers',
  private: true,
  description:
    'Benchmark peers installed on demand by `npm run bench -- nexmark`; git-ignored and never in the workspace lock file.',
  dependencies: { '@duckdb/node-api': DUCKDB_VERSION, arquero: ARQUERO_VERSION },
  // arquero 8.0.3 wants @uwdata/flechette 2.7, whose @uwdata/wk-geojson the registry here does not have.
  overrides: { '@uwdata/flechette': '2.6.0' },
}

function installedVersion(name: string): string | undefined {
  const file = path.join(PEERS_DIR, 'node_modules', name, 'package.json')
  if (!existsSync(file)) return undefined
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version
}

/** Installs the peers unless they are there; returns why not when the install fails. */
export async function ensurePeers(log: (line: string) => void): Promise<string | null> {
  if (
    installedVersion('@duckdb/node-api') === DUCKDB_VERSION &&
    installedVersion('arquero') === ARQUERO_VERSION
  )
    return null
  mkdirSync(PEERS_DIR, { recursive: true })
  writeFileSync(path.join(PEERS_DIR, 'package.json'), `${JSON.stringify(MANIFEST, null, 2)}\n`)
  log(
    `installing benchmark peers into ${PEERS_DIR} (npm install --prefix; kept out of the workspace lock file)`,
  )
  try {
    await promisify(execFile)(
      'npm',
      ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--no-save'],
      {
        cwd: PEERS_DIR,
        timeout: 180_000,
      },
    )
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    const why = (err.stderr ?? err.message).split('\n').find((l) => /ERR|error/i.test(l)) ?? err.message
    return `npm install failed: ${why.trim()}`
  }
  return null
}

/** Imports a peer's entry module from .peers/node_modules. */
export async function importPeer(name: string, entry: string): Promise<unknown> {
  const file = path.join(PEERS_DIR, 'node_modules', name, entry)
  if (!existsSync(file)) throw new Error(`${name} is not installed in ${PEERS_DIR}`)
  return import(pathToFileURL(file).href)
}
