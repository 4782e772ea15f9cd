/** Child process entry of the Nexmark benchmark: `run-one.ts '<RunSpec as JSON>'` prints one result line. */
import { runFromArgv } from './runner.js'

await runFromArgv(process.argv[2] ?? '{}')
