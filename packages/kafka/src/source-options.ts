/**
 * The `kafka` source's options, with Spark's names, defaults and rules: which partitions to
 * read (subscribe | subscribePattern | assign), where to start and, for batch reads, where to
 * end, and the admission control of streaming queries.
 */
import { OptionError, Options } from '@tributary/core'
import type { KafkaClientConfig, OffsetMap, TopicPartition } from './adapter.js'
import { readClientConfig, SOURCE_CLIENT_OPTIONS } from './client-options.js'
import { fromJson, tpKey, tpName } from './topic-partition.js'

export const SOURCE_OPTIONS = [
  'assign',
  'subscribe',
  'subscribePattern',
  'startingOffsets',
  'startingTimestamp',
  'startingOffsetsByTimestamp',
  'startingOffsetsByTimestampStrategy',
  'endingOffsets',
  'endingTimestamp',
  'endingOffsetsByTimestamp',
  'maxOffsetsPerTrigger',
  'minOffsetsPerTrigger',
  'maxTriggerDelay',
  'failOnDataLoss',
  'includeHeaders',
  'groupIdPrefix',
] as const

export type Subscription =
  | { readonly kind: 'subscribe'; readonly topics: readonly string[] }
  | { readonly kind: 'subscribePattern'; readonly pattern: RegExp; readonly text: string }
  | { readonly kind: 'assign'; readonly partitions: readonly TopicPartition[] }

/** Spark's KafkaOffsetRangeLimit: -2 means earliest and -1 latest inside `offsets`. */
export type OffsetSpec =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'offsets'; readonly offsets: OffsetMap }
  | { readonly kind: 'timestamp'; readonly timestampMs: number }
  | { readonly kind: 'timestamps'; readonly timestamps: OffsetMap }

export const EARLIEST = -2
export const LATEST = -1

export interface KafkaSourceConfig {
  readonly subscription: Subscription
  readonly starting: OffsetSpec
  /** Batch reads only. */
  readonly ending: OffsetSpec
  /** What to do when no record is at or after a starting timestamp: fail, or start at latest. */
  readonly timestampStrategy: 'error' | 'latest'
  readonly maxOffsetsPerTrigger: number | undefined
  readonly minOffsetsPerTrigger: number | undefined
  readonly maxTriggerDelayMs: number
  readonly failOnDataLoss: boolean
  readonly includeHeaders: boolean
  /** The consumer group that receives offsets after each batch (monitoring only), if any. */
  readonly groupIdPrefix: string | undefined
  readonly groupId: string | undefined
  readonly client: KafkaClientConfig
}

function invalid(owner: string, message: string): OptionError {
  return new OptionError(`${owner}: ${message}`, 'INVALID_OPTION')
}

function readSubscription(options: Options): Subscription {
  const owner = options.owner
  const given = (['subscribe', 'subscribePattern', 'assign'] as const).filter((k) => options.has(k))
  if (given.length === 0) {
    throw new OptionError(
      `${owner}: one of the options 'subscribe', 'subscribePattern' or 'assign' is required, e.g. .option('subscribe', 'events').`,
      'MISSING_OPTION',
    )
  }
  if (given.length > 1) {
    throw invalid(
      owner,
      `only one of 'subscribe', 'subscribePattern' and 'assign' may be given, got ${given.join(' and ')}.`,
    )
  }
  const value = options.get(given[0])!
  switch (given[0]) {
    case 'subscribe': {
      const topics = [
        ...new Set(
          value
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== ''),
        ),
      ]
      if (topics.length === 0)
        throw invalid(owner, "option 'subscribe' names no topic; give a comma-separated list.")
      return { kind: 'subscribe', topics }
    }
    case 'subscribePattern': {
      if (value.trim() === '')
        throw invalid(owner, "option 'subscribePattern' is empty; give a regular expression.")
      try {
        // Spark matches the whole topic name (Java's Pattern.matches).
        return { kind: 'subscribePattern', pattern: new RegExp(`^(?:${value})$`), text: value }
      } catch (e) {
        throw invalid(
          owner,
          `option 'subscribePattern' is not a valid regular expression: ${(e as Error).message}.`,
        )
      }
    }
    case 'assign': {
      let parsed: unknown
      try {
        parsed = JSON.parse(value)
      } catch {
        parsed = undefined
      }
      const example = `e.g. {"topicA":[0,1],"topicB":[2,4]}`
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw invalid(
          owner,
          `option 'assign' must be JSON mapping topics to partition lists, ${example}; got '${value}'.`,
        )
      }
      const partitions: TopicPartition[] = []
      for (const [topic, parts] of Object.entries(parsed)) {
        if (!Array.isArray(parts) || parts.some((p) => !Number.isInteger(p) || p < 0)) {
          throw invalid(
            owner,
            `option 'assign': topic '${topic}' must map to a list of partition numbers, ${example}.`,
          )
        }
        for (const partition of new Set(parts as number[])) partitions.push({ topic, partition })
      }
      if (partitions.length === 0) throw invalid(owner, `option 'assign' names no partition, ${example}.`)
      return { kind: 'assign', partitions }
    }
  }
}

function readTimestamp(options: Options, key: string): number | undefined {
  const v = options.get(key)
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw invalid(
      options.owner,
      `option '${key}' must be epoch milliseconds (a non-negative integer), got '${v}'.`,
    )
  }
  return n
}

function readSpec(
  options: Options,
  which: 'starting' | 'ending',
  fallback: 'earliest' | 'latest',
): OffsetSpec {
  const owner = options.owner
  // Spark's precedence: a global timestamp, then per-partition timestamps, then offsets.
  const ts = readTimestamp(options, `${which}Timestamp`)
  if (ts !== undefined) return { kind: 'timestamp', timestampMs: ts }
  const byTs = options.get(`${which}OffsetsByTimestamp`)
  if (byTs !== undefined) {
    const timestamps = fromJson(byTs, `${owner}: option '${which}OffsetsByTimestamp'`)
    for (const [k, t] of timestamps) {
      if (t < 0)
        throw invalid(
          owner,
          `option '${which}OffsetsByTimestamp': ${tpName(k)} has timestamp ${t}; timestamps are epoch milliseconds ≥ 0.`,
        )
    }
    return { kind: 'timestamps', timestamps }
  }
  const raw = options.get(`${which}Offsets`)
  if (raw === undefined) return { kind: fallback }
  const t = raw.trim().toLowerCase()
  if (t === 'earliest' || t === 'latest') return { kind: t }
  const offsets = fromJson(raw, `${owner}: option '${which}Offsets'`)
  for (const [k, o] of offsets) {
    if (o < EARLIEST) {
      throw invalid(
        owner,
        `option '${which}Offsets': ${tpName(k)} has offset ${o}; use an offset ≥ 0, -2 for earliest or -1 for latest.`,
      )
    }
  }
  return { kind: 'offsets', offsets }
}

/** Spark's rules for batch reads: nothing can start at latest or end at earliest. */
function checkBatchSpecs(owner: string, starting: OffsetSpec, ending: OffsetSpec): void {
  if (starting.kind === 'latest') {
    throw invalid(
      owner,
      "a batch read cannot start at latest (it would read nothing): use 'earliest', offsets, or a timestamp for startingOffsets.",
    )
  }
  if (starting.kind === 'offsets') {
    const atLatest = [...starting.offsets].filter(([, o]) => o === LATEST).map(([k]) => tpName(k))
    if (atLatest.length > 0) {
      throw invalid(
        owner,
        `a batch read cannot start at latest (it would read nothing), but startingOffsets gives -1 (latest) for ${atLatest.join(', ')}: give those partitions an offset or -2 (earliest), or leave them out with 'assign'.`,
      )
    }
  }
  if (
    ending.kind === 'earliest' ||
    (ending.kind === 'offsets' && [...ending.offsets.values()].includes(EARLIEST))
  ) {
    throw invalid(
      owner,
      "a batch read cannot end at earliest (it would read nothing): use 'latest', offsets, or a timestamp for endingOffsets.",
    )
  }
}

export function readSourceOptions(
  options: Options,
  bounded: boolean,
  clientId = 'tributary-kafka-source',
): KafkaSourceConfig {
  const owner = options.owner
  const plain: Record<string, string> = {}
  for (const [k, v] of Object.entries(options.toRecord()))
    if (!k.toLowerCase().startsWith('kafka.')) plain[k] = v
  new Options(plain, owner).checkKnown([...SOURCE_OPTIONS, ...SOURCE_CLIENT_OPTIONS.map((k) => `kafka.${k}`)])
  const client = readClientConfig(options, 'source', clientId)
  const subscription = readSubscription(options)
  const starting = readSpec(options, 'starting', bounded ? 'earliest' : 'latest')
  const ending = readSpec(options, 'ending', 'latest')
  if (bounded) {
    checkBatchSpecs(owner, starting, ending)
  } else {
    const endings = ['endingOffsets', 'endingTimestamp', 'endingOffsetsByTimestamp'].filter((k) =>
      options.has(k),
    )
    if (endings.length > 0) {
      throw invalid(
        owner,
        `option '${endings[0]}' is for batch reads (session.read); a streaming query has no end. To stop after what is there now, use .trigger({ availableNow: true }).`,
      )
    }
  }
  if (subscription.kind === 'assign') checkSpecPartitions(owner, subscription.partitions, starting, ending)
  const maxOffsetsPerTrigger = options.getPositiveInt('maxOffsetsPerTrigger')
  const minOffsetsPerTrigger = options.getPositiveInt('minOffsetsPerTrigger')
  if (
    maxOffsetsPerTrigger !== undefined &&
    minOffsetsPerTrigger !== undefined &&
    minOffsetsPerTrigger > maxOffsetsPerTrigger
  ) {
    throw invalid(
      owner,
      `minOffsetsPerTrigger (${minOffsetsPerTrigger}) is greater than maxOffsetsPerTrigger (${maxOffsetsPerTrigger}); no batch could satisfy both.`,
    )
  }
  return {
    subscription,
    starting,
    ending,
    timestampStrategy: options.oneOf('startingOffsetsByTimestampStrategy', ['error', 'latest'], 'error'),
    maxOffsetsPerTrigger,
    minOffsetsPerTrigger,
    maxTriggerDelayMs: options.getDurationMs('maxTriggerDelay', 15 * 60_000)!,
    failOnDataLoss: options.getBoolean('failOnDataLoss', true),
    includeHeaders: options.getBoolean('includeHeaders', false),
    groupIdPrefix: options.get('groupIdPrefix'),
    groupId: client.properties['group.id'],
    client,
  }
}

/** With 'assign', offsets for partitions that are not assigned are a mistake worth naming now. */
function checkSpecPartitions(
  owner: string,
  assigned: readonly TopicPartition[],
  ...specs: OffsetSpec[]
): void {
  const known = new Set(assigned.map(tpKey))
  for (const spec of specs) {
    const m = spec.kind === 'offsets' ? spec.offsets : spec.kind === 'timestamps' ? spec.timestamps : null
    if (!m) continue
    for (const k of m.keys()) {
      if (!known.has(k)) {
        throw invalid(
          owner,
          `offsets are given for ${tpName(k)}, which 'assign' does not name. Assigned: ${assigned.map(tpName).join(', ')}.`,
        )
      }
    }
  }
}
