/** Registers `format('nexmark')` and `format('blackhole')` with Tributary; safe to call more than once. */
import { registerSinkProvider, registerSourceProvider } from '@tributary/core'
import { blackholeSinkProvider } from './blackhole.js'
import { nexmarkSourceProvider } from './source.js'

export function registerNexmark(): void {
  registerSourceProvider(nexmarkSourceProvider)
  registerSinkProvider(blackholeSinkProvider)
}
