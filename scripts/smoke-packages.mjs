// The path a user takes before the packages are on the registry: install the tarballs from
// `npm run pack` into a fresh project outside the workspace (no links to packages/), compile
// a typed job against them with `skipLibCheck: false`, run it, and check what ships: README,
// LICENSE, declarations, and source maps whose sources exist (stack traces name real files).
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const packs = join(root, '.tmp', 'packs')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const fail = (message) => {
  console.error(`package smoke FAILED: ${message}`)
  process.exit(1)
}

if (!existsSync(packs)) fail(`no tarballs in ${packs}: run \`npm run pack\` first`)
const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'))
if (tarballs.length === 0) fail(`no tarballs in ${packs}: run \`npm run pack\` first`)

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const installedVersion = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version
const project = mkdtempSync(join(tmpdir(), 'tributary-package-smoke-'))
const keep = process.argv.includes('--keep')
try {
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'tributary-package-smoke',
        private: true,
        type: 'module',
        dependencies: Object.fromEntries(
          tarballs.map((t) => [
            `@tributary/${t.replace(/^tributary-|-\d.*$/g, '')}`,
            `file:${join(packs, t)}`,
          ]),
        ),
        // The same compiler and Node types as the workspace, so the npm cache answers.
        devDependencies: {
          typescript: installedVersion('typescript'),
          '@types/node': installedVersion('@types/node'),
        },
        allowScripts: rootPkg.allowScripts,
      },
      null,
      2,
    )}\n`,
  )
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        types: ['node'],
        outDir: 'out',
        sourceMap: true,
      },
      include: ['job.ts'],
    }),
  )
  cpSync(join(root, 'scripts', 'package-smoke', 'job.ts'), join(project, 'job.ts'))

  const run = (cmd, args) => {
    console.log(`$ ${cmd} ${args.join(' ')}`)
    try {
      return execFileSync(cmd, args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (e) {
      fail(`\`${cmd} ${args.join(' ')}\` in ${project} exited ${e.status}:\n${e.stdout}${e.stderr}`)
    }
  }
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--install-links'])

  for (const t of tarballs) {
    const name = `@tributary/${t.replace(/^tributary-|-\d.*$/g, '')}`
    const dir = join(project, 'node_modules', name)
    if (statSync(dir).isSymbolicLink?.()) fail(`${name} is a link, not an installed copy`)
    for (const f of ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts'])
      if (!existsSync(join(dir, f))) fail(`${name} ships no ${f}`)
    checkSourceMaps(name, dir)
  }

  run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'])
  const output = run(process.execPath, ['--enable-source-maps', 'out/job.js'])
  process.stdout.write(output)
  if (!output.includes('package smoke: typed job ran against the packed tarballs'))
    fail('the job did not finish')

  // The codegen step for typed batch reads, as the installed command.
  const printed = run(join(project, 'node_modules', '.bin', 'tributary-schema'), [
    'out/users',
    '--name',
    'usersSchema',
  ])
  if (!printed.includes('export const usersSchema = schema({')) fail(`tributary-schema printed:\n${printed}`)

  // A user's mistake: its stack trace must name source files that exist in node_modules.
  writeFileSync(
    join(project, 'mistake.mjs'),
    "import { MemoryStream, Session, schema } from '@tributary/core'\n" +
      'const s = Session.builder().getOrCreate()\n' +
      "try { new MemoryStream(s, schema({ a: 'int' })).toDF().select('b') } catch (e) { console.log(e.stack) }\n",
  )
  const stack = run(process.execPath, ['--enable-source-maps', 'mistake.mjs'])
  const frames = [...stack.matchAll(/\((\/[^)]+?):\d+:\d+\)/g)]
    .map((m) => m[1])
    .filter((f) => f.includes('@tributary'))
  if (frames.length === 0) fail(`the stack trace names no @tributary frame:\n${stack}`)
  for (const f of frames) {
    if (!f.endsWith('.ts'))
      fail(`a stack frame names ${f}, not a TypeScript source: source maps did not apply`)
    if (!existsSync(f)) fail(`a stack frame names ${f}, which does not exist`)
  }
  console.log(`package smoke: ${tarballs.length} packages installed from tarballs, job type-checked and ran`)
} finally {
  if (keep) console.log(`kept ${project}`)
  else rmSync(project, { recursive: true, force: true })
}

function checkSourceMaps(name, dir) {
  const maps = []
  const walk = (d) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name))
      else if (f.name.endsWith('.map')) maps.push(join(d, f.name))
    }
  }
  walk(join(dir, 'dist'))
  if (maps.length === 0) fail(`${name} ships no source maps`)
  for (const map of maps) {
    const { sources, sourceRoot = '' } = JSON.parse(readFileSync(map, 'utf8'))
    for (const s of sources) {
      const file = resolve(dirname(map), sourceRoot, s)
      if (!existsSync(file))
        fail(`${relative(dir, map)} of ${name} points at ${relative(dir, file)}, which is not in the package`)
    }
  }
}
