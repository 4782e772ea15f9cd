/**
 * A batch query is a streaming query that runs once over a bounded input: every source
 * is read from its initial offset to everything available, and the plan runs once.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { ColumnarBatch } from '../batch/columnar-batch.js'
import { FileReadBar, progressBarWanted } from '../observe/progress-bar.js'
import { requiredColumnsOf } from '../plan/column-pruning.js'
import { type LogicalPlan, uniqueSources } from '../plan/logical-plan.js'
import { toPhysical } from '../plan/planner.js'
import type { Session } from './session.js'

export async function executeBatch(session: Session, plan: LogicalPlan): Promise<ColumnarBatch<unknown>> {
  const operator = toPhysical(plan)
  const sources = uniqueSources(plan)
  const inputs = new Map<number, ColumnarBatch<unknown>>()
  const scratch = sources.length > 0 ? await mkdtemp(path.join(tmpdir(), 'tributary-batch-')) : null
  try {
    const drawBars =
      sources.length > 0 && progressBarWanted((k) => session.conf.get(k), session.progressBarStream)
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]
      // A read over many files draws a bar on a terminal (observe/progress-bar.ts).
      const bar = drawBars
        ? new FileReadBar(`${s.spec.provider.name} ${s.spec.path ?? ''}`.trim(), session.progressBarStream)
        : null
      const source = await s.spec.provider.createSource({
        options: s.spec.options,
        schema: s.schema,
        path: s.spec.path,
        metadataDir: path.join(scratch!, String(i)),
        bounded: true,
        requiredColumns: requiredColumnsOf(plan, s),
        onProgress: bar ? (done, total, rows, unit) => bar.read(done, total, rows, unit) : undefined,
      })
      try {
        const start = await source.initialOffset()
        const end = await source.latestOffset(start, 'all')
        inputs.set(i, (await source.getBatch(start, end)).data)
      } finally {
        bar?.stop()
        await source.stop()
      }
    }
    const now = Date.now()
    return await operator.execute({
      batchId: 0,
      eval: { batchTimestampMs: now, timeZone: session.conf.get('tributary.sql.session.timeZone', 'UTC') },
      inputs,
      watermarkMs: 0,
      outputMode: 'complete',
      state: null,
      watermarks: null,
    })
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}
