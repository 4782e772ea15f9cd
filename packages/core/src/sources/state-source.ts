/**
 * The `state` data source, as Spark 3.5's state data source reader:
 * `session.read.format('state').option('operatorId', 0).option('batchId', 7).load(checkpoint)`
 * gives one row per state entry of that operator after that batch, with its partition.
 * Keys and values are JSON text. A streaming aggregation's chunked entries are opened into one
 * row per group (key: the grouping values, value: the aggregate states), and dropDuplicates'
 * into one row per key (value: when it expires); other operators' entries are shown as
 * stored (flatMapGroupsWithState: the group key and its state; joins: their records).
 */
import { ColumnarBatch } from '../batch/columnar-batch.js'
import { readStateEntries, type StateEntry } from '../checkpoint/checkpoint-reader.js'
import { type Schema, schema } from '../types/schema.js'
import { AnalysisError, OptionError } from '../util/errors.js'
import type { Options } from '../util/options.js'
import type { Source, SourceContext, SourceProvider } from './source.js'

export const STATE_SCHEMA = schema({ key: 'string', value: 'string', partition_id: 'int' })

export interface StateRow {
  readonly key: string
  readonly value: string
  readonly partition_id: number
}

/** JSON text for any stored value: typed arrays as arrays, Dates as ISO text, Maps as objects, bigints as text. */
export function stateJson(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString()
      if (ArrayBuffer.isView(v) && !(v instanceof DataView))
        return Array.from(v as unknown as ArrayLike<number>)
      if (v instanceof Map) return Object.fromEntries(v)
      if (v instanceof Set) return [...v]
      return v
    }) ?? 'null'
  )
}

interface Chunk {
  readonly live: ArrayLike<number>
  readonly keys: readonly ArrayLike<unknown>[]
  readonly states: readonly ArrayLike<unknown>[]
}

function isChunk(key: string, v: unknown): v is Chunk {
  if (!key.startsWith('chunk:') || typeof v !== 'object' || v === null) return false
  const c = v as Partial<Chunk>
  return c.live !== undefined && Array.isArray(c.keys) && Array.isArray(c.states)
}

/** A dropDuplicates chunk: its keys' columns and, with event time, when each key expires. */
interface DedupChunk {
  readonly live: ArrayLike<number>
  readonly keys: readonly {
    readonly numbers: ArrayLike<number> | null
    readonly nulls: ArrayLike<number> | null
    readonly values: readonly unknown[] | null
  }[]
  readonly expiry: ArrayLike<number> | null
}

function isDedupChunk(key: string, v: unknown): v is DedupChunk {
  if (!key.startsWith('chunk:') || typeof v !== 'object' || v === null) return false
  const c = v as Partial<DedupChunk>
  return c.live !== undefined && Array.isArray(c.keys) && 'expiry' in c
}

const dateAware = (v: unknown) => (v instanceof Date ? v.toISOString() : v)

function dedupKey(col: DedupChunk['keys'][number], j: number): unknown {
  if (col.values) return dateAware(col.values[j])
  if (col.nulls && col.nulls[j] === 0) return null
  return col.numbers ? col.numbers[j] : null
}

/** The rows of state entries: a chunk of groups becomes one row per live group. */
export function stateRows(entries: readonly StateEntry[]): StateRow[] {
  const rows: StateRow[] = []
  for (const { partition, key, value } of entries) {
    if (isDedupChunk(key, value)) {
      for (let j = 0; j < value.live.length; j++) {
        if (value.live[j] !== 1) continue
        const expiry = value.expiry ? value.expiry[j] : 0
        rows.push({
          key: stateJson(value.keys.map((col) => dedupKey(col, j))),
          value: stateJson({ expiresAt: expiry > 0 ? new Date(expiry).toISOString() : null }),
          partition_id: partition,
        })
      }
    } else if (isChunk(key, value)) {
      for (let j = 0; j < value.live.length; j++) {
        if (value.live[j] !== 1) continue
        rows.push({
          key: stateJson(value.keys.map((col) => dateAware(col[j]))),
          value: stateJson(value.states.map((col) => col[j])),
          partition_id: partition,
        })
      }
    } else rows.push({ key, value: stateJson(value), partition_id: partition })
  }
  return rows
}

function readOptions(options: Options): { operatorId: number; batchId: number | undefined } {
  const int = (name: string): number | undefined => {
    const raw = options.get(name)
    if (raw === undefined) return undefined
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0) {
      throw new OptionError(
        `INVALID_OPTION: state source: option '${name}' must be a whole number of 0 or more, got '${raw}'.`,
        'INVALID_OPTION',
      )
    }
    return n
  }
  return { operatorId: int('operatorId') ?? 0, batchId: int('batchId') }
}

class StateSource implements Source {
  readonly schema = STATE_SCHEMA as Schema<unknown>
  readonly replayable = true
  readonly description: string

  constructor(
    private readonly dir: string,
    private readonly options: { operatorId: number; batchId: number | undefined },
  ) {
    this.description = `StateSource[${dir}, operatorId=${options.operatorId}]`
  }

  async initialOffset() {
    return 0
  }
  async latestOffset() {
    return 1
  }
  async getBatch() {
    const rows = stateRows(await readStateEntries(this.dir, this.options))
    return { data: ColumnarBatch.fromRows(this.schema, rows) }
  }
  async commit(): Promise<void> {}
  async stop(): Promise<void> {}
}

export const stateSourceProvider: SourceProvider = {
  name: 'state',
  knownOptions: ['operatorId', 'batchId'],
  schemaOf(ctx) {
    if (ctx.streaming) {
      throw new AnalysisError(
        "UNSUPPORTED_STREAMING_SOURCE: the state source reads a checkpoint as it is: use session.read.format('state'), not readStream.",
        'UNSUPPORTED_STREAMING_SOURCE',
      )
    }
    if (ctx.userSchema) {
      throw new AnalysisError(
        `USER_SCHEMA_NOT_SUPPORTED: the state source has a fixed schema (${STATE_SCHEMA.simpleString()}). Remove .schema(...).`,
        'USER_SCHEMA_NOT_SUPPORTED',
      )
    }
    readOptions(ctx.options)
    return STATE_SCHEMA as Schema<unknown>
  },
  createSource(ctx: SourceContext): Source {
    if (!ctx.path) {
      throw new OptionError(
        "MISSING_OPTION: the state source needs the checkpoint folder: session.read.format('state').load('/path/to/checkpoint').",
        'MISSING_OPTION',
      )
    }
    return new StateSource(ctx.path, readOptions(ctx.options))
  },
}
