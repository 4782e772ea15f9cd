/**
 * The static side of a stream-static join. It is a batch query of its own: read from its
 * sources (bounded, from the start to what is there) the first time a micro-batch needs
 * it, then kept for the rest of the query run, so the join hashes it once rather than per
 * batch. A restarted query reads it again, and sees the data as it is then.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { ColumnarBatch } from '../../batch/columnar-batch.js'
import type { SourceSpec } from '../../sources/source.js'
import type { Schema } from '../../types/schema.js'
import type { ExecContext, PhysicalOperator } from '../operator.js'

export interface StaticSource {
  readonly spec: SourceSpec
  readonly schema: Schema<unknown>
}

export class StaticRelation implements PhysicalOperator {
  readonly name = 'StaticRelation'
  readonly children: readonly PhysicalOperator[]
  readonly schema: Schema<unknown>
  private loaded: Promise<ColumnarBatch<unknown>> | null = null

  constructor(
    readonly plan: PhysicalOperator,
    /** The static side's sources, in the order its plan numbers them. */
    private readonly sources: readonly StaticSource[],
  ) {
    this.children = [plan]
    this.schema = plan.schema
  }

  execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    this.loaded ??= this.load(ctx)
    return this.loaded
  }

  private async load(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    const inputs = new Map<number, ColumnarBatch<unknown>>()
    const scratch = this.sources.length > 0 ? await mkdtemp(path.join(tmpdir(), 'tributary-static-')) : null
    try {
      for (let i = 0; i < this.sources.length; i++) {
        const { spec, schema } = this.sources[i]
        const source = await spec.provider.createSource({
          options: spec.options,
          schema,
          path: spec.path,
          metadataDir: path.join(scratch!, String(i)),
          bounded: true,
        })
        try {
          const start = await source.initialOffset()
          const end = await source.latestOffset(start, 'all')
          inputs.set(i, (await source.getBatch(start, end)).data)
        } finally {
          await source.stop()
        }
      }
      return await this.plan.execute({
        batchId: 0,
        eval: ctx.eval,
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

  describe(): string {
    return `StaticRelation (read once per run) [${this.schema.names.join(', ')}]`
  }
}
