/** Option checks of the kafka source and sink: at load(), with near matches and the way out. */
import { describe, expect, it } from 'vitest'
import '@tributary/kafka'
import { MemoryStream, schema } from '@tributary/core'
import { newSession, tempDir } from './helpers.js'

const load = (options: Record<string, string | number | boolean>) => () =>
  newSession().readStream.format('kafka').options(options).load()

const BOOT = { 'kafka.bootstrap.servers': 'localhost:9092' }

describe('kafka source options', () => {
  it('requires kafka.bootstrap.servers and exactly one of subscribe, subscribePattern, assign', () => {
    expect(load({ subscribe: 't' })).toThrow(
      /option 'kafka.bootstrap.servers' is required.*host1:9092,host2:9092/,
    )
    expect(load(BOOT)).toThrow(/one of the options 'subscribe', 'subscribePattern' or 'assign' is required/)
    expect(load({ ...BOOT, subscribe: 't', assign: '{"t":[0]}' })).toThrow(
      /only one of 'subscribe', 'subscribePattern' and 'assign' may be given, got subscribe and assign/,
    )
  })

  it('refuses unknown options with near matches, kafka.* included', () => {
    expect(load({ ...BOOT, subscribe: 't', startingOffset: 'earliest' })).toThrow(
      /unknown option 'startingOffset'. Did you mean 'startingOffsets'\?/,
    )
    expect(load({ 'kafka.bootstrap.server': 'h:1', subscribe: 't' })).toThrow(
      /unknown option 'kafka.bootstrap.server'. Did you mean 'kafka.bootstrap.servers'\?/,
    )
    expect(load({ ...BOOT, 'bootstrap.servers': 'h:1', subscribe: 't' })).toThrow(
      /unknown option 'bootstrap.servers'. Did you mean 'kafka.bootstrap.servers'\?/,
    )
  })

  it('refuses the Kafka properties Spark refuses, saying what to use', () => {
    expect(load({ ...BOOT, subscribe: 't', 'kafka.auto.offset.reset': 'earliest' })).toThrow(
      "source 'kafka': option 'kafka.auto.offset.reset' is not supported: use the 'startingOffsets' option instead.",
    )
    expect(load({ ...BOOT, subscribe: 't', 'kafka.value.deserializer': 'x' })).toThrow(
      /values are always binary/,
    )
  })

  it('checks values: servers, JSON, regex, numbers, strategy', () => {
    expect(load({ 'kafka.bootstrap.servers': 'localhost', subscribe: 't' })).toThrow(
      /'localhost' is not host:port/,
    )
    expect(load({ ...BOOT, assign: '[0,1]' })).toThrow(
      /'assign' must be JSON mapping topics to partition lists/,
    )
    expect(load({ ...BOOT, subscribePattern: '(' })).toThrow(
      /'subscribePattern' is not a valid regular expression/,
    )
    expect(load({ ...BOOT, subscribe: 't', startingOffsets: '{"t":{"0":"x"}}' })).toThrow(
      /t partition '0' → "x" is not a partition number mapped to an integer/,
    )
    expect(load({ ...BOOT, subscribe: 't', startingOffsets: '{bad' })).toThrow(
      /'startingOffsets' is not valid JSON/,
    )
    expect(load({ ...BOOT, subscribe: 't', maxOffsetsPerTrigger: 0 })).toThrow(/must be a positive integer/)
    expect(load({ ...BOOT, subscribe: 't', minOffsetsPerTrigger: 10, maxOffsetsPerTrigger: 5 })).toThrow(
      /minOffsetsPerTrigger \(10\) is greater than maxOffsetsPerTrigger \(5\)/,
    )
    expect(load({ ...BOOT, subscribe: 't', startingOffsetsByTimestampStrategy: 'skip' })).toThrow(
      /must be one of 'error', 'latest'/,
    )
    expect(load({ ...BOOT, assign: '{"t":[0]}', startingOffsets: '{"t":{"0":1,"1":2}}' })).toThrow(
      /offsets are given for t-1, which 'assign' does not name/,
    )
  })

  it('checks security settings without echoing secrets', () => {
    expect(load({ ...BOOT, subscribe: 't', 'kafka.security.protocol': 'SASL_SSL' })).toThrow(
      /SASL mechanism PLAIN needs a user name and password/,
    )
    expect(load({ ...BOOT, subscribe: 't', 'kafka.sasl.mechanism': 'PLAIN' })).toThrow(
      /'kafka.sasl.mechanism' has no effect with security.protocol PLAINTEXT/,
    )
    expect(
      load({
        ...BOOT,
        subscribe: 't',
        'kafka.security.protocol': 'SASL_SSL',
        'kafka.sasl.mechanism': 'GSSAPI',
      }),
    ).toThrow(/GSSAPI\/Kerberos is not supported/)
    const jaas =
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cret";'
    expect(
      load({
        ...BOOT,
        subscribe: 't',
        'kafka.security.protocol': 'SASL_SSL',
        'kafka.sasl.jaas.config': jaas,
      }),
    ).not.toThrow()
  })

  it('is a fixed schema', () => {
    expect(() =>
      newSession()
        .readStream.format('kafka')
        .schema(schema({ v: 'string' }))
        .options({ ...BOOT, subscribe: 't' })
        .load(),
    ).toThrow(/USER_SCHEMA_NOT_SUPPORTED: the kafka source has a fixed schema/)
  })
})

describe('kafka sink options', () => {
  const start = (options: Record<string, string>, fields = { value: 'string' } as const) => {
    const session = newSession()
    const input = new MemoryStream(session, schema(fields))
    return input
      .toDF()
      .writeStream.format('kafka')
      .options(options)
      .option('checkpointLocation', tempDir())
      .start()
  }

  it('checks options and columns before connecting', async () => {
    await expect(start({ ...BOOT, topic: 'x', 'kafka.linger.ms': '5' })).rejects.toThrow(
      /unknown option 'kafka.linger.ms'/,
    )
    await expect(start({ ...BOOT })).rejects.toThrow(
      /KAFKA_SINK_NO_TOPIC: the kafka sink needs a topic.*columns: value: string/,
    )
    await expect(start({ ...BOOT, topic: 't' }, { v: 'string' } as never)).rejects.toThrow(
      /KAFKA_SINK_NO_VALUE: the kafka sink needs a 'value' column \(string or binary\); columns: v: string/,
    )
    await expect(start({ ...BOOT, topic: 't', 'kafka.transactional.id': 'tx' })).rejects.toThrow(
      /name it with .option\('transactionMarkerTopic', 'tributary-markers'\)/,
    )
    await expect(start({ ...BOOT, topic: 't', 'kafka.acks': '1' })).rejects.toThrow(/needs acks=all/)
    await expect(start({ ...BOOT, topic: 't', 'kafka.compression.type': 'zstd' })).rejects.toThrow(
      /zstd needs Node 22/,
    )
  })
})
