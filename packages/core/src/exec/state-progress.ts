import type { OperatorState } from '../state/state-manager.js'
import type { StateOperatorProgress } from '../streaming/progress.js'

/** What a stateful operator counted in its last batch. */
export interface StateCounts {
  readonly updated: number
  readonly removed: number
  readonly dropped: number
}

export const noStateCounts: StateCounts = { updated: 0, removed: 0, dropped: 0 }

/** Spark's StateOperatorProgress from an operator's state and its counts of the last batch. */
export function stateOperatorProgress(
  operatorName: string,
  state: OperatorState | null,
  counts: StateCounts,
): StateOperatorProgress {
  const m = state?.metrics() ?? { numKeys: 0, memoryUsedBytes: 0, commitTimeMs: 0 }
  return {
    operatorName,
    numRowsTotal: m.numKeys,
    numRowsUpdated: counts.updated,
    numRowsRemoved: counts.removed,
    numRowsDroppedByWatermark: counts.dropped,
    memoryUsedBytes: m.memoryUsedBytes,
    commitTimeMs: m.commitTimeMs,
    // The engine knows the partitions; it fills these in for the progress report.
    numShufflePartitions: 0,
    numStateStoreInstances: 0,
    customMetrics: {},
  }
}
