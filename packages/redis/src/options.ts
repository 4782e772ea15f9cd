/**
 * The options of the `redis` source and sinks, read once at `load()` / `start()`. The
 * password is never part of a message: errors name the option, and URLs are shown as
 * host:port only.
 */
import { OptionError, type Options } from '@tributary/core'
import { isStreamId } from './stream-id.js'

export const DEFAULT_URL = 'redis://127.0.0.1:6379'

export interface ConnectionOptions {
  readonly url: string
  readonly username: string | undefined
  readonly password: string | undefined
}

export const CONNECTION_OPTIONS = ['url', 'username', 'password'] as const

/** Where a stream starts the first time a query runs. */
export type StartingPosition = 'earliest' | 'latest' | { readonly id: string }

export const PARSE_MODES = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'] as const
export type ParseMode = (typeof PARSE_MODES)[number]

export interface SourceOptions extends ConnectionOptions {
  readonly streams: readonly string[]
  readonly startingPositions: ReadonlyMap<string, StartingPosition>
  readonly maxEntriesPerTrigger: number | undefined
  readonly failOnDataLoss: boolean
  readonly mode: ParseMode
  readonly corruptColumn: string
}

export const SOURCE_OPTIONS = [
  ...CONNECTION_OPTIONS,
  'streams',
  'startingPosition',
  'maxEntriesPerTrigger',
  'failOnDataLoss',
  'mode',
  'columnNameOfCorruptRecord',
] as const

export const SINK_MODES = ['stream', 'hash', 'key-value'] as const
export type SinkMode = (typeof SINK_MODES)[number]

export interface SinkOptions extends ConnectionOptions {
  readonly mode: SinkMode
  readonly stream: string | undefined
  readonly maxLen: number | undefined
  readonly idColumn: string | undefined
  /** Mode stream without idColumn: record each batch id beside the stream, so a replay is recognized. */
  readonly recordBatches: boolean
  readonly keyColumns: readonly string[]
  readonly keyPrefix: string
  readonly ttlMs: number | undefined
  readonly valueColumn: string | undefined
}

export const SINK_OPTIONS = [
  ...CONNECTION_OPTIONS,
  'mode',
  'stream',
  'maxLen',
  'idColumn',
  'recordBatches',
  'keyColumns',
  'keyPrefix',
  'ttl',
  'valueColumn',
] as const

const nonEmpty = (options: Options, key: string): string | undefined => {
  const v = options.get(key)
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

export function readConnectionOptions(options: Options): ConnectionOptions {
  const url = options.getString('url', DEFAULT_URL).trim()
  if (!/^rediss?:\/\//i.test(url)) {
    throw new OptionError(
      `${options.owner}: option 'url' must start with redis:// or rediss://, e.g. '${DEFAULT_URL}'.`,
      'INVALID_OPTION',
    )
  }
  try {
    new URL(url)
  } catch {
    throw new OptionError(
      `${options.owner}: option 'url' is not a URL Redis can use; write it as redis://host:port or redis://host:port/db.`,
      'INVALID_OPTION',
    )
  }
  return { url, username: nonEmpty(options, 'username'), password: options.get('password') }
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

function parsePosition(owner: string, raw: string, where: string): StartingPosition {
  const t = raw.trim()
  if (t.toLowerCase() === 'earliest' || t === '0' || t === '0-0' || t === '-') return 'earliest'
  if (t.toLowerCase() === 'latest' || t === '$') return 'latest'
  if (isStreamId(t)) return { id: t.includes('-') ? t : `${t}-0` }
  throw new OptionError(
    `${owner}: ${where} must be 'earliest' ('0-0'), 'latest' ('$') or an entry id like '1700000000000-0', got '${raw}'.`,
    'INVALID_OPTION',
  )
}

/**
 * One position for every stream, or a JSON object per stream: `{"a": "earliest", "b": "1700000000000-5"}`
 * (an id means: start after it). Streams the object leaves out start at the default.
 */
function readStartingPositions(
  options: Options,
  streams: readonly string[],
  bounded: boolean,
): Map<string, StartingPosition> {
  // Spark's default: a stream starts at new data, a batch read takes everything stored.
  const fallback: StartingPosition = bounded ? 'earliest' : 'latest'
  const raw = options.get('startingPosition')?.trim()
  const out = new Map<string, StartingPosition>(streams.map((s) => [s, fallback]))
  if (raw === undefined || raw === '') return out
  if (!raw.startsWith('{')) {
    const p = parsePosition(options.owner, raw, "option 'startingPosition'")
    for (const s of streams) out.set(s, p)
    return out
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new OptionError(
      `${options.owner}: option 'startingPosition' starts with '{' but is not JSON. Write it as {"stream": "earliest", "other": "1700000000000-0"}.`,
      'INVALID_OPTION',
    )
  }
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!streams.includes(k)) {
      throw new OptionError(
        `${options.owner}: option 'startingPosition' names stream '${k}', which is not in option 'streams' (${streams.join(', ')}).`,
        'INVALID_OPTION',
      )
    }
    out.set(k, parsePosition(options.owner, String(v), `startingPosition of stream '${k}'`))
  }
  return out
}

export function readSourceOptions(options: Options, bounded: boolean): SourceOptions {
  const streams = list(
    options.require(
      'streams',
      "Name the stream keys to read, separated by commas, e.g. .option('streams', 'sensors,clicks').",
    ),
  )
  if (streams.length === 0 || new Set(streams).size !== streams.length) {
    throw new OptionError(
      `${options.owner}: option 'streams' must list distinct stream keys separated by commas, got '${options.get('streams')}'.`,
      'INVALID_OPTION',
    )
  }
  const ps = readStartingPositions(options, streams, bounded)
  return {
    ...readConnectionOptions(options),
    streams,
    startingPositions: ps,
    maxEntriesPerTrigger: options.getPositiveInt('maxEntriesPerTrigger'),
    failOnDataLoss: options.getBoolean('failOnDataLoss', true),
    mode: options.oneOf('mode', PARSE_MODES, 'PERMISSIVE'),
    corruptColumn: options.getString('columnNameOfCorruptRecord', '_corrupt_record'),
  }
}

export function readSinkOptions(options: Options): SinkOptions {
  const mode = options.oneOf('mode', SINK_MODES, 'stream')
  const maxLen = options.getPositiveInt('maxLen')
  const ttlMs = options.getDurationMs('ttl')
  if (ttlMs !== undefined && ttlMs <= 0) {
    throw new OptionError(
      `${options.owner}: option 'ttl' must be positive, e.g. '10 minutes'.`,
      'INVALID_OPTION',
    )
  }
  const keyColumns = list(options.get('keyColumns') ?? '')
  const onlyFor = (key: string, modes: readonly SinkMode[]) => {
    if (options.has(key) && !modes.includes(mode)) {
      throw new OptionError(
        `${options.owner}: option '${key}' applies to mode ${modes.map((m) => `'${m}'`).join(' or ')}, not '${mode}'. Remove it, or choose that mode.`,
        'INVALID_OPTION',
      )
    }
  }
  onlyFor('stream', ['stream'])
  onlyFor('maxLen', ['stream'])
  onlyFor('idColumn', ['stream'])
  onlyFor('recordBatches', ['stream'])
  if (options.has('recordBatches') && options.has('idColumn')) {
    throw new OptionError(
      `${options.owner}: options 'recordBatches' and 'idColumn' exclude each other: with idColumn the rows' own ids recognize a replayed batch. Remove one.`,
      'INVALID_OPTION',
    )
  }
  onlyFor('keyColumns', ['hash', 'key-value'])
  onlyFor('keyPrefix', ['hash', 'key-value'])
  onlyFor('ttl', ['hash', 'key-value'])
  onlyFor('valueColumn', ['key-value'])
  if (mode !== 'stream' && keyColumns.length === 0) {
    options.require(
      'keyColumns',
      `Mode '${mode}' writes one key per row: name the columns that make the key, e.g. .option('keyColumns', 'user'), and a prefix with keyPrefix.`,
    )
  }
  return {
    ...readConnectionOptions(options),
    mode,
    stream: nonEmpty(options, 'stream'),
    maxLen,
    idColumn: nonEmpty(options, 'idColumn'),
    recordBatches: options.getBoolean('recordBatches', true),
    keyColumns,
    keyPrefix: options.getString('keyPrefix', ''),
    ttlMs,
    valueColumn: nonEmpty(options, 'valueColumn'),
  }
}
