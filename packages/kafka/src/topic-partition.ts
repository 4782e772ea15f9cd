/**
 * Topic-partitions and the offsets JSON the checkpoint stores: `{"topic": {"0": 42}}`, each
 * number the next offset to read, as Spark's KafkaSourceOffset. The JSON is written in one
 * canonical order (topics, then partitions, sorted) because the micro-batch loop compares
 * offsets as JSON text to decide whether there is new data.
 */
import { type JsonValue, OptionError } from '@tributary/core'
import type { OffsetMap, TopicPartition } from './adapter.js'

/** A map key; ':' cannot occur in a Kafka topic name. */
export const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`

export function tpOf(key: string): TopicPartition {
  const i = key.lastIndexOf(':')
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) }
}

/** As Spark and Kafka print it: `topic-0`. */
export const tpName = (tp: TopicPartition | string): string => {
  const t = typeof tp === 'string' ? tpOf(tp) : tp
  return `${t.topic}-${t.partition}`
}

export function compareTp(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
}

export const sortedTps = (tps: Iterable<TopicPartition>): TopicPartition[] => [...tps].sort(compareTp)

export const sortedKeys = (m: ReadonlyMap<string, unknown>): string[] =>
  sortedTps([...m.keys()].map(tpOf)).map(tpKey)

/** The checkpoint form of an offset map. */
export function toJson(offsets: ReadonlyMap<string, number>): { [topic: string]: { [p: string]: number } } {
  const out: { [topic: string]: { [p: string]: number } } = {}
  for (const key of sortedKeys(offsets)) {
    const { topic, partition } = tpOf(key)
    out[topic] ??= {}
    out[topic][String(partition)] = offsets.get(key)!
  }
  return out
}

/** Parses `{"topic": {"0": n}}` from a checkpoint or an option; `what` names it for errors. */
export function fromJson(value: JsonValue | string, what: string): OffsetMap {
  let parsed: unknown = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value)
    } catch (e) {
      throw new OptionError(
        `${what} is not valid JSON (${(e as Error).message}); expected e.g. {"topicA":{"0":23,"1":-1}}.`,
        'INVALID_OPTION',
      )
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OptionError(`${what} must be a JSON object like {"topicA":{"0":23,"1":-1}}.`, 'INVALID_OPTION')
  }
  const out: OffsetMap = new Map()
  for (const [topic, parts] of Object.entries(parsed)) {
    if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) {
      throw new OptionError(
        `${what}: topic '${topic}' must map partitions to numbers, like {"${topic}":{"0":23}}.`,
        'INVALID_OPTION',
      )
    }
    for (const [p, n] of Object.entries(parts as Record<string, unknown>)) {
      const partition = Number(p)
      if (!Number.isInteger(partition) || partition < 0 || typeof n !== 'number' || !Number.isInteger(n)) {
        throw new OptionError(
          `${what}: ${topic} partition '${p}' → ${JSON.stringify(n)} is not a partition number mapped to an integer.`,
          'INVALID_OPTION',
        )
      }
      out.set(tpKey({ topic, partition }), n)
    }
  }
  return out
}

/** `{topic-0=5, topic-1=7}` for messages. */
export function describeOffsets(offsets: ReadonlyMap<string, number>): string {
  return `{${sortedKeys(offsets)
    .map((k) => `${tpName(k)}=${offsets.get(k)}`)
    .join(', ')}}`
}
