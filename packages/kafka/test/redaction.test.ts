/** Secrets never printed: SASL passwords and JAAS configs in readers, DataFrames, writers, queries, sources and sinks. */
import { inspect } from 'node:util'
import { KafkaSink, KafkaSource } from '@tributary/kafka'
import { describe, expect, it } from 'vitest'
import { BOOTSTRAP, context, newSession, simSink, simSource, tempDir } from './helpers.js'
import { SimCluster } from './sim-cluster.js'

const SECRET = 'Hunter2-s3cret'

/** Every way a user prints an object. */
const printed = (x: unknown): string[] => [
  inspect(x, { depth: Number.POSITIVE_INFINITY }),
  inspect(x),
  String(x),
  JSON.stringify(x) ?? '',
]

const sasl = {
  'kafka.security.protocol': 'SASL_PLAINTEXT',
  'kafka.sasl.mechanism': 'PLAIN',
  'kafka.sasl.username': 'u',
  'kafka.sasl.password': SECRET,
}

describe('kafka: nothing prints the password', () => {
  it('readers, DataFrames, writers, a running query, its source and sink', async () => {
    const cluster = new SimCluster()
    cluster.createTopic('in', 1)
    cluster.createTopic('out', 1)
    cluster.produce('in', 0, [{ value: 'v', timestamp: 1 }])
    const ctx = context(cluster)
    const session = newSession()
    const reader = session.readStream
      .format(simSource(ctx))
      .options({ ...BOOTSTRAP, ...sasl, subscribe: 'in', startingOffsets: 'earliest' })
    const df = reader.load()
    const writer = df
      .select('value')
      .writeStream.format(simSink(ctx))
      .options({ ...BOOTSTRAP, ...sasl, topic: 'out', 'kafka.sasl.jaas.config': `x password="${SECRET}";` })
    const query = await writer.option('checkpointLocation', tempDir()).start()
    await query.processAllAvailable()
    expect(cluster.topics.get('out')?.[0].next).toBe(1)
    const shown = [reader, df, writer, query, session].flatMap(printed)
    for (const text of shown) expect(text).not.toContain(SECRET)
    // Sources and sinks print their description only.
    expect(typeof (KafkaSource.prototype as unknown as Record<symbol, unknown>)[inspect.custom]).toBe(
      'function',
    )
    expect(typeof (KafkaSink.prototype as unknown as Record<symbol, unknown>)[inspect.custom]).toBe(
      'function',
    )
    await query.stop()
  })
})
