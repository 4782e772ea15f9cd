// `npm run pack`: a clean build of every published package, then one tarball each in
// .tmp/packs (what `npm publish` would upload). Private workspaces (the benchmarks) are skipped.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const out = join(root, '.tmp', 'packs')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const published = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private)

// Stale files in dist/ (from a source since renamed or removed) would ship: build from empty.
for (const { dir } of published) rmSync(join(root, 'packages', dir, 'dist'), { recursive: true, force: true })
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

// Core first: the connectors compile against its declarations.
const order = [...published].sort((a, b) => (a.dir === 'core' ? -1 : b.dir === 'core' ? 1 : 0))
for (const { pkg } of order)
  execFileSync(npm, ['run', 'build', '-w', pkg.name], { cwd: root, stdio: 'inherit' })

const packed = JSON.parse(
  execFileSync(
    npm,
    ['pack', '--json', '--pack-destination', out, ...published.flatMap(({ pkg }) => ['-w', pkg.name])],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  ),
)
for (const p of packed)
  console.log(`${join('.tmp/packs', p.filename)}  ${p.entryCount} files, ${(p.size / 1024).toFixed(0)} kB`)
