// Lists optional dependencies that the lock file names but does not describe: `npm ci` refuses
// such a lock file. The usual cause is a registry that lacks a platform package of some version.
import { readFileSync } from 'node:fs'

const lock = JSON.parse(readFileSync(process.argv[2] ?? 'package-lock.json', 'utf8'))
const packages = lock.packages ?? {}
const missing = []
for (const [where, pkg] of Object.entries(packages)) {
  for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
    // Node resolves from the package's own node_modules up through each enclosing one.
    const parts = where ? where.split('/node_modules/') : []
    const candidates = []
    for (let i = parts.length; i >= 0; i--) {
      const base = parts.slice(0, i).join('/node_modules/')
      candidates.push(`${base ? `${base}/` : ''}node_modules/${name}`)
    }
    if (!candidates.some((c) => packages[c])) missing.push(`${name} (wanted by ${where || 'root'})`)
  }
}
if (missing.length) {
  console.error(`package-lock.json lacks ${missing.length} optional package(s):\n  ${missing.join('\n  ')}`)
  process.exit(1)
}
console.log('package-lock.json: every optional dependency is described')
