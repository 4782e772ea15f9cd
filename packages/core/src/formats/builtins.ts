/** Registers the built-in formats. Imported once by the session. */
import { consoleSinkProvider } from '../sinks/console-sink.js'
import { memorySinkProvider } from '../sinks/memory-sink.js'
import { registerSinkProvider } from './registry.js'

registerSinkProvider(memorySinkProvider)
registerSinkProvider(consoleSinkProvider)
