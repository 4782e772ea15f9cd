/**
 * @tributary/bench (private): the Nexmark generator as a Tributary source, the blackhole
 * sink, and the benchmarks run by `npm run bench -- <name>` (see cli.ts).
 */
export { type BlackholeResult, blackholeResult, blackholeSinkProvider } from './nexmark/blackhole.js'
export { type Cell, Checksum, type ColumnData } from './nexmark/checksum.js'
export { DEFAULT_CONFIG, type NexmarkConfig, NexmarkGenerator } from './nexmark/generator.js'
export { QUERIES } from './nexmark/queries.js'
export { registerNexmark } from './nexmark/register.js'
export {
  AUCTION_SCHEMA,
  BID_SCHEMA,
  NexmarkSource,
  nexmarkSourceProvider,
  PERSON_SCHEMA,
} from './nexmark/source.js'
