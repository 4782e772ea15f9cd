/** Registers the built-in formats. Imported once by the session. */
import { consoleSinkProvider } from '../sinks/console-sink.js'
import { memorySinkProvider } from '../sinks/memory-sink.js'
import { observableFormatProvider } from '../sources/observable-source.js'
import { rateSourceProvider } from '../sources/rate.js'
import { rateMicroBatchSourceProvider } from '../sources/rate-micro-batch.js'
import { socketSourceProvider } from '../sources/socket.js'
import { stateSourceProvider } from '../sources/state-source.js'
import { builtinFileFormats } from './codecs/index.js'
import { fileFormatProviders } from './files/providers.js'
import { registerSinkProvider, registerSourceProvider } from './registry.js'

registerSinkProvider(memorySinkProvider)
registerSinkProvider(consoleSinkProvider)
registerSourceProvider(rateSourceProvider)
registerSourceProvider(rateMicroBatchSourceProvider)
registerSourceProvider(socketSourceProvider)
registerSourceProvider(observableFormatProvider)
registerSourceProvider(stateSourceProvider)

for (const format of builtinFileFormats) {
  const { source, sink } = fileFormatProviders(format)
  registerSourceProvider(source)
  registerSinkProvider(sink)
}
