/**
 * Crash-test hook (internal, not exported from the package). The crash tests and the soak
 * (`npm run soak`) must kill a query at exact steps of the micro-batch protocol that no
 * public API can reach, such as between the sink write and the commit log, or after a
 * checkpoint file's temporary copy is written but before it is renamed.
 *
 * Inactive unless the environment variable TRIBUTARY_TEST_KILL_POINT is set: then every
 * call is one environment lookup and nothing else. Its value is
 *
 *     <step>[:<where>][#<n>]
 *
 * - `step`: the name passed by the caller (the steps are listed in docs/guarantees.md).
 * - `where`: if given, must match the caller's `where` as a path suffix on a segment
 *   boundary: `3` matches batch 3 (not 13); `offsets/3` matches `/ckpt/offsets/3`.
 * - `n`: stop at the n-th matching call in this process (default 1).
 *
 * At the chosen call the process kills itself with SIGKILL (no cleanup, no flush), as a
 * power cut or an OOM kill would. With TRIBUTARY_TEST_KILL_ACTION=throw it throws
 * instead, for tests that restart a query inside the same process; with
 * TRIBUTARY_TEST_KILL_ACTION=exitThread it ends the current thread with process.exit(70),
 * which in a worker thread ends that worker only (the executor's crash tests).
 */

let seenSpec: string | undefined
let hits = 0

/** Where a step happens: a batch id, a state version, or a file path. */
export function killPoint(step: string, where?: string | number): void {
  const spec = process.env.TRIBUTARY_TEST_KILL_POINT
  if (spec === undefined || spec === '') return
  if (spec !== seenSpec) {
    seenSpec = spec
    hits = 0
  }
  const hash = spec.lastIndexOf('#')
  const target = hash >= 0 ? spec.slice(0, hash) : spec
  const nth = hash >= 0 ? Number(spec.slice(hash + 1)) : 1
  const colon = target.indexOf(':')
  const wantStep = colon >= 0 ? target.slice(0, colon) : target
  if (wantStep !== step) return
  if (colon >= 0 && !`/${String(where)}`.endsWith(`/${target.slice(colon + 1)}`)) return
  if (++hits !== nth) return
  if (process.env.TRIBUTARY_TEST_KILL_ACTION === 'throw') {
    throw new Error(
      `TRIBUTARY_TEST_KILL_POINT ${spec}: stopped at ${step}${where === undefined ? '' : ` ${where}`}`,
    )
  }
  if (process.env.TRIBUTARY_TEST_KILL_ACTION === 'exitThread') process.exit(70)
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable: SIGKILL did not stop the process')
}
