/**
 * A user's first typed job, compiled against the packed tarballs (not the workspace) with
 * `skipLibCheck: false`, then run. `scripts/smoke-packages.mjs` sets it up; it fails if
 * the declarations do not type-check, a package does not load, or the answer is wrong.
 */
import { strict as assert } from 'node:assert'
import { col, functions as F, MemoryStream, Session, schema } from '@tributary/core'
import '@tributary/kafka'
import '@tributary/mqtt'
import '@tributary/nats'
import '@tributary/redis'
import '@tributary/sql'
import { AddData, CheckAnswer, testStream } from '@tributary/testing'

const session = Session.builder().appName('package-smoke').getOrCreate()
const input = new MemoryStream(session, schema({ ts: 'timestamp', user: 'string', ms: 'double' }))
const slowest = input
  .toDF()
  .where(col('ms').gt(100))
  .groupBy('user')
  .agg(F.max('ms').alias('slowest'), F.count(col('ms')).alias('n'))

// The row type comes from the schema: a misspelt column would not compile.
type Row = { user: string; slowest: number; n: number }
const expected: Row[] = [
  { user: 'ada', slowest: 900, n: 2 },
  { user: 'bob', slowest: 150, n: 1 },
]

await testStream(
  slowest,
  { outputMode: 'complete' },
  AddData(
    input,
    { ts: new Date('2026-12-01T10:00:00Z'), user: 'ada', ms: 900 },
    { ts: new Date('2026-12-01T10:00:01Z'), user: 'ada', ms: 300 },
    { ts: new Date('2026-12-01T10:00:02Z'), user: 'bob', ms: 150 },
    { ts: new Date('2026-12-01T10:00:03Z'), user: 'bob', ms: 50 },
  ),
  CheckAnswer(...expected),
)

const batch = session.createDataFrame(expected, schema({ user: 'string', slowest: 'double', n: 'long' }))
// Aggregates by column name are typed from the column; Avro round-trips through avsc.
const top: { user: string; 'max(slowest)': number }[] = await batch
  .groupBy('user')
  .agg(F.max('slowest'))
  .collect()
assert.equal(top.length, 2)
const packed = batch.select(F.to_avro(F.struct('user', 'n')).alias('v'))
const avroSchema = {
  type: 'record',
  name: 'topLevelRecord',
  fields: [
    { name: 'user', type: ['null', 'string'] },
    { name: 'n', type: ['null', 'long'] },
  ],
}
const unpacked = await packed
  .select(F.from_avro<{ user: string; n: number }>(col('v'), avroSchema).alias('r'))
  .collect()
assert.deepEqual(
  unpacked.map((r) => r.r),
  [
    { user: 'ada', n: 2 },
    { user: 'bob', n: 1 },
  ],
)
// A parquet file for `tributary-schema` (the smoke runs the installed command on it).
await batch.write.mode('overwrite').parquet('out/users')
console.log('package smoke: typed job ran against the packed tarballs')
