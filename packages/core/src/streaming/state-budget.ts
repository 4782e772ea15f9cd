/**
 * The state memory budget: a query whose in-memory state keeps growing (an aggregation or
 * a deduplication without a watermark) fails with a clear error while the process still
 * has room, instead of being killed by the out-of-memory killer, and then killed again at
 * every restart. The check runs after each batch's state is committed and before its
 * commit log entry, so a restart loads the previous version, which was under the budget:
 * it loads, and with a larger budget (or more heap) it goes on.
 *
 * `tributary.stateStore.memoryBudget`: bytes (`512m`, `2g` and `k` suffixes allowed) or
 * `off`. By default 40 % of V8's heap limit: the estimate (memoryUsedBytes) was measured at
 * 0.7–1.0× the heap the state really retains, and a restart needs room to load it again.
 * Only providers that keep state in memory (`memory`) are checked; `lmdb` and `level` keep
 * it on disk.
 */
import { getHeapStatistics } from 'node:v8'
import { OptionError, TributaryError } from '../util/errors.js'
import type { StateOperatorProgress } from './progress.js'

export const MEMORY_BUDGET_CONF = 'tributary.stateStore.memoryBudget'

const DEFAULT_SHARE_OF_HEAP = 0.4

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** The budget in bytes, or Infinity for 'off'. */
export function readMemoryBudget(value: string | undefined): number {
  if (value === undefined) return Math.floor(getHeapStatistics().heap_size_limit * DEFAULT_SHARE_OF_HEAP)
  const t = value.trim().toLowerCase()
  if (t === 'off' || t === 'none') return Number.POSITIVE_INFINITY
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/.exec(t)
  if (!m || Number(m[1]) <= 0) {
    throw new OptionError(
      `${MEMORY_BUDGET_CONF}: '${value}' is not a size; write bytes or a size such as '512m' or '2g', or 'off'.`,
      'INVALID_OPTION',
    )
  }
  return Math.floor(Number(m[1]) * UNITS[m[2]])
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** Throws STATE_MEMORY_BUDGET_EXCEEDED when the operators' state together is over `budget`. */
export function checkStateBudget(
  operators: readonly StateOperatorProgress[],
  budget: number,
  batchId: number,
): void {
  const total = operators.reduce((n, op) => n + op.memoryUsedBytes, 0)
  if (total <= budget) return
  const largest = operators.reduce((a, b) => (b.memoryUsedBytes > a.memoryUsedBytes ? b : a))
  throw new TributaryError(
    `STATE_MEMORY_BUDGET_EXCEEDED: after batch ${batchId} the query's state holds about ${mb(total)} in memory, over ${MEMORY_BUDGET_CONF} (${mb(budget)}); most of it is in operator '${largest.operatorName}' (${largest.numRowsTotal} keys, about ${mb(largest.memoryUsedBytes)}). State without a watermark grows forever: add withWatermark(...) on the event-time column so old keys are evicted, or keep state on disk with tributary.stateStore.provider=lmdb (or level) on a new checkpoint. To go on with this checkpoint, raise ${MEMORY_BUDGET_CONF} (and node's --max-old-space-size); the restart re-runs batch ${batchId} from the state before it.`,
    'STATE_MEMORY_BUDGET_EXCEEDED',
  )
}
