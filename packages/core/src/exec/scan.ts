import { ColumnarBatch } from '../batch/columnar-batch.js'
import type { Schema } from '../types/schema.js'
import type { ExecContext, PhysicalOperator } from './operator.js'

/** This micro-batch's rows of one source. */
export class SourceScan implements PhysicalOperator {
  readonly name = 'SourceScan'
  readonly children = []
  constructor(
    readonly sourceIndex: number,
    readonly schema: Schema<unknown>,
    private readonly label: string,
    /** The columns the source builds (column pruning), for sources that prune; shown as ReadSchema. */
    private readonly readSchema?: Schema<unknown>,
  ) {}
  async execute(ctx: ExecContext): Promise<ColumnarBatch<unknown>> {
    return ctx.inputs.get(this.sourceIndex) ?? ColumnarBatch.empty(this.schema)
  }
  describe(): string {
    const read = this.readSchema ? ` ReadSchema: ${this.readSchema.simpleString()}` : ''
    return `SourceScan ${this.label} [${this.schema.names.join(', ')}]${read}`
  }
}

/** Rows given to createDataFrame. */
export class LocalScan implements PhysicalOperator {
  readonly name = 'LocalScan'
  readonly children = []
  readonly schema: Schema<unknown>
  constructor(private readonly batch: ColumnarBatch<unknown>) {
    this.schema = batch.schema
  }
  async execute(): Promise<ColumnarBatch<unknown>> {
    return this.batch
  }
  describe(): string {
    return `LocalTableScan [${this.schema.names.join(', ')}] (${this.batch.numRows} rows)`
  }
}
