/** The generic file source and sink that every file format (json, csv, text, parquet) uses. */
export { FileStreamSink } from './file-sink.js'
export { FileStreamSource } from './file-source.js'
export { fileFormatProviders } from './providers.js'
export { SINK_METADATA_DIR } from './sink-log.js'
