import type { OperatorState } from '../state/state-manager.js'
import type { StateOperatorProgress } from '../streaming/progress.js'

/** What a stateful operator counted in its last batch. */
export interface StateCounts {
  readonly updated: number
  readonly removed: number
  readonly dropped: number
}

export const noStateCounts: StateCounts = { updated: 0, removed: 0, dropped: 0 }

/**
 * Operators that keep their state live in their own tables besides the store's chunks
 * (streaming aggregation and dropDuplicates on the memory provider) retain more heap than
 * the chunks' estimate: measured on Node 20 after gc, 1 M keys, 1.37× (aggregation) and
 * 1.48× (dropDuplicates); 200 k keys, 1.17× and 1.39×. Their memoryUsedBytes is scaled by
 * this, so that it tracks the heap the state really holds (not RSS, which also holds Node's
 * own ~60–100 MB, the young generation and garbage not yet collected).
 */
export const LIVE_TABLE_HEAP_FACTOR = 1.45

/** The progress of an operator whose live table holds the state too: see LIVE_TABLE_HEAP_FACTOR. */
export function withLiveTable(p: StateOperatorProgress, liveKeys: number): StateOperatorProgress {
  return {
    ...p,
    numRowsTotal: liveKeys,
    memoryUsedBytes: Math.round(p.memoryUsedBytes * LIVE_TABLE_HEAP_FACTOR),
  }
}

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
