/** The console sink: each batch printed as a table under a `Batch: N` header. For development. */
import { showString } from '../api/show.js'
import type { Sink, SinkProvider } from './sink.js'

export const consoleSinkProvider: SinkProvider & { allowsTemporaryCheckpoint: true } = {
  name: 'console',
  knownOptions: ['numRows', 'truncate', 'checkpointLocation'],
  allowsTemporaryCheckpoint: true,
  createSink(ctx): Sink {
    const numRows = ctx.options.getPositiveInt('numRows', 20)!
    const truncate = ctx.options.getBoolean('truncate', true)
    const write = (text: string) => process.stdout.write(text)
    return {
      description: 'ConsoleSink',
      async addBatch(batchId, data) {
        const rule = '-------------------------------------------'
        write(`${rule}\nBatch: ${batchId}\n${rule}\n${showString(data, numRows, truncate)}\n`)
      },
    }
  },
}
