// Prints the one closing line CI reads, `N passed, N failed`, from Vitest's JSON reports.
// Arguments come in pairs, `<report.json> <exit status>`, one per run of the suite (one per
// Node version); the counts are summed. A run that never reached the test runner (type check
// or lint failed, Node could not be installed) has no report and counts as one failure.
import { existsSync, readFileSync } from 'node:fs'

const args = process.argv.slice(2)
if (args.length === 0) args.push('.tmp/vitest-report.json', '0')
let passed = 0
let failed = 0
let skipped = 0
for (let i = 0; i < args.length; i += 2) {
  const [file, status = '0'] = [args[i], args[i + 1]]
  if (!existsSync(file)) {
    failed += status === '0' ? 0 : 1
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed += report.numPassedTests ?? 0
  failed += report.numFailedTests ?? 0
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  // Failed suites (a file that did not load) have no failed tests but a failed status.
  if (status !== '0' && (report.numFailedTests ?? 0) === 0) failed += 1
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
