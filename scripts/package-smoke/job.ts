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

const batch = await session
  .createDataFrame(expected, schema({ user: 'string', slowest: 'double', n: 'long' }))
  .collect()
const first: string = batch[0].user
assert.equal(first, 'ada')
console.log('package smoke: typed job ran against the packed tarballs')
