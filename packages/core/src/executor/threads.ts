/**
 * How many worker threads a query runs on: `tributary.executor.threads` if set, else
 * Spark's master URL (`Session.builder().master('local[4]')`, `local[*]`, `local`), else
 * every core the process may use (os.availableParallelism()). One thread means the
 * query runs on the coordinating thread, as before there were workers.
 */
import { availableParallelism } from 'node:os'
import { OptionError } from '../util/errors.js'

export const THREADS_CONF = 'tributary.executor.threads'
export const MASTER_CONF = 'tributary.master'

function positive(text: string, what: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new OptionError(
      `INVALID_OPTION: ${what} must be a whole number of threads of at least 1, got '${text}'. Use 1 to run on the coordinating thread only.`,
      'INVALID_OPTION',
    )
  }
  return n
}

/** The number of threads in a master URL: local → 1, local[N] → N, local[*] → every core. */
export function threadsOfMaster(master: string): number {
  const m = /^local(?:\[(\*|\d+)\])?$/.exec(master.trim())
  if (!m) {
    throw new OptionError(
      `INVALID_OPTION: master '${master}' is not supported. Tributary runs on one machine: use 'local', 'local[N]' or 'local[*]'.`,
      'INVALID_OPTION',
    )
  }
  if (m[1] === undefined) return 1
  return m[1] === '*' ? availableParallelism() : positive(m[1], `master '${master}'`)
}

export function executorThreads(conf: (key: string) => string | undefined): number {
  const threads = conf(THREADS_CONF)
  if (threads !== undefined && threads !== '') return positive(threads, THREADS_CONF)
  const master = conf(MASTER_CONF)
  if (master !== undefined && master !== '') return threadsOfMaster(master)
  return availableParallelism()
}

export const MIN_WORKER_READ_CONF = 'tributary.executor.minWorkerReadBytes'
/** A batch of source files smaller than this is read on the coordinating thread: 1 MiB. */
const DEFAULT_MIN_WORKER_READ_BYTES = 1 << 20

/**
 * Below how many bytes of source partitions (files) a batch is read on the coordinating
 * thread rather than by the workers (a round trip costs more than parsing a small batch).
 */
export function minWorkerReadBytes(conf: (key: string) => string | undefined): number {
  const text = conf(MIN_WORKER_READ_CONF)
  if (text === undefined || text.trim() === '') return DEFAULT_MIN_WORKER_READ_BYTES
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new OptionError(
      `INVALID_OPTION: ${MIN_WORKER_READ_CONF} must be a whole number of bytes, 0 or more, got '${text}'. Use 0 to have workers read every batch of files.`,
      'INVALID_OPTION',
    )
  }
  return n
}

export const MIN_SPLIT_CONF = 'tributary.executor.minSplitBytes'
/** Splits of a file read by different workers are no smaller than this by default: 4 MiB (Spark's openCostInBytes). */
const DEFAULT_MIN_SPLIT_BYTES = 4 << 20

/** How small a split of a file may be when a batch has fewer files than threads. */
export function minSplitBytes(conf: (key: string) => string | undefined): number {
  const text = conf(MIN_SPLIT_CONF)
  if (text === undefined || text.trim() === '') return DEFAULT_MIN_SPLIT_BYTES
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new OptionError(
      `INVALID_OPTION: ${MIN_SPLIT_CONF} must be a whole number of bytes, 1 or more, got '${text}'. Use a large number to never split files.`,
      'INVALID_OPTION',
    )
  }
  return n
}
