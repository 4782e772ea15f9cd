/**
 * The source and sink providers of one file format: what `.format('json')` finds. Every
 * file format gets the same listing, offsets, partition folders and commit log.
 */
import type { SinkProvider } from '../../sinks/sink.js'
import type { SourceProvider } from '../../sources/source.js'
import type { FileFormat } from '../file-format.js'
import { FILE_SINK_OPTIONS, FileStreamSink } from './file-sink.js'
import { FileStreamSource } from './file-source.js'
import { fileReadSchema } from './read-schema.js'
import { FILE_SOURCE_OPTIONS } from './source-options.js'
import { fileSourceSchema } from './source-schema.js'

export function fileFormatProviders(format: FileFormat): { source: SourceProvider; sink: SinkProvider } {
  const source: SourceProvider = {
    name: format.name,
    knownOptions: [...FILE_SOURCE_OPTIONS, ...format.readOptions],
    schemaOf: (ctx) => {
      // Options that would fail at the first record fail here, when the reader is built.
      format.checkReadOptions?.(ctx.options)
      return fileSourceSchema(ctx, format)
    },
    createSource: (ctx) => FileStreamSource.open(ctx, format),
    readSchema: (schema, options, required) => fileReadSchema(format, schema, options, required),
  }
  const sink: SinkProvider = {
    name: format.name,
    knownOptions: [...FILE_SINK_OPTIONS, ...format.writeOptions],
    createSink: (ctx) => FileStreamSink.open(ctx, format),
  }
  return { source, sink }
}
