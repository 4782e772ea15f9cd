// Prints the one closing line CI reads, `N passed, N failed`, from Vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs'

const [file = '.tmp/vitest-report.json', status = '0'] = process.argv.slice(2)
if (!existsSync(file)) {
  // The suite did not reach the test runner (type check or lint failed).
  console.log(`0 passed, ${status === '0' ? 0 : 1} failed`)
} else {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  console.log(
    `${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
  )
}
