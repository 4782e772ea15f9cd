/**
 * `npm run bench -- <name> [options]`: runs one benchmark. Each benchmark is a module with
 * `main(args)`, loaded only when asked for, so that one benchmark's dependencies never
 * slow down or break another.
 */

export {}

interface Benchmark {
  readonly description: string
  load(): Promise<{ main(args: readonly string[]): Promise<void> }>
}

const benchmarks: Record<string, Benchmark> = {
  state: {
    description:
      'streaming groupBy(key).agg(count, sum) over N distinct keys: [--keys N] [--provider lmdb|memory] [--batch N]',
    load: () => import('./state-store-bench.js'),
  },
  nexmark: {
    description:
      'Nexmark queries through Tributary and peers (JS loop, RxJS, DuckDB, arquero): [--queries q0,q1,...] [--events N] [--quick] [--cpu-prof]',
    load: () => import('./nexmark-bench.js'),
  },
  files: {
    description:
      'file jobs (JSON → Parquet, CSV → windowed aggregation, Parquet → Parquet) through Tributary, a hand-written script and DuckDB: [--events N] [--files F] [--quick] [--repeat R] [--jobs ...] [--ways ...]',
    load: () => import('./files-bench.js'),
  },
  batchcost: {
    description:
      "the engine's fixed cost per micro-batch: CPU of a 10 000 rows/s stream by trigger and fsync setting: [--rate N] [--seconds S] [--configs trigger0,trigger100ms,trigger1s,nofsync]",
    load: () => import('./batch-cost-bench.js'),
  },
  micro: {
    description:
      'micro-benchmarks of hot kernels (hash aggregation, window assignment, expressions, state store, offset log): [--filter name] [--time ms]',
    load: () => import('./micro-bench.js'),
  },
  restart: {
    description:
      'restart time, checkpoint size and sink log against the number of batches run before: [--batches 100,1000,5000]',
    load: () => import('./restart-bench.js'),
  },
  longrun: {
    description:
      'a file ETL and a windowed count running for a long time, sampled: RSS, heap, fds, checkpoint size, batch time and their trends: [--minutes M] [--sample S]',
    load: () => import('./long-run.js'),
  },
  sql: {
    description: 'SQL parse time and dialect coverage, with optional peer parsers: [--peers dir] [--time ms]',
    load: () => import('./sql-parse-bench.js'),
  },
  profile: {
    description: 'hottest functions of V8 CPU profiles: <file.cpuprofile>... [--top N]',
    load: () => import('./profile-summary.js'),
  },
}

function usage(): string {
  const lines = Object.entries(benchmarks).map(([name, b]) => `  ${name.padEnd(10)} ${b.description}`)
  return `usage: npm run bench -- <benchmark> [options]\n\nbenchmarks:\n${lines.join('\n')}`
}

// Benchmarks measure the engine, not what an operator watches it with: no line per batch and
// no dashboard server (their children inherit this), unless the caller sets them.
process.env.TRIBUTARY_LOG ??= 'warn'
process.env.TRIBUTARY_UI ??= 'false'

const [name, ...args] = process.argv.slice(2)
const benchmark = name === undefined ? undefined : benchmarks[name]
if (!benchmark) {
  console.error(name === undefined ? usage() : `unknown benchmark '${name}'.\n\n${usage()}`)
  process.exit(2)
}
await (await benchmark.load()).main(args)
