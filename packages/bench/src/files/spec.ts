/** What the file benchmark's orchestrator and its child processes say to each other. */
import type { DataSet } from './data.js'
import type { FileWay, Job } from './jobs.js'

export interface FileRunSpec {
  readonly job: Job
  readonly way: FileWay
  readonly data: DataSet
  readonly maxFilesPerTrigger?: number
  /** Tributary's executor threads (tributary.executor.threads); absent = the default, one per core. */
  readonly threads?: number
  readonly columnPruning?: boolean
}

export interface FileRunResult {
  readonly job: Job
  readonly way: FileWay
  readonly wallS: number
  readonly cpuS: number
  /** Seconds in GC pauses (perf_hooks GC entries; wall time, so load inflates it as it does wall). */
  readonly gcS: number
  readonly peakRssMb: number
  readonly rows: number
  readonly checksum: string
  readonly note?: string
}

export const FILE_RESULT_MARK = '@@files-result '
