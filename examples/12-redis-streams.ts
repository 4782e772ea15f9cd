/**
 * 12 — Redis Streams in, the latest reading per sensor out
 *
 * Two buildings write temperature readings to their own Redis stream with XADD. One query
 * reads both streams, parses the fields with a schema (a reading that is not a number is
 * kept, with the raw entry in `_corrupt_record`), and keeps a Redis hash per sensor with
 * its latest reading: what a dashboard would read.
 *
 * The offsets are entry ids per stream, kept in Tributary's checkpoint: a batch is read
 * again with XRANGE over exactly the same ids. The hash sink is idempotent (a replayed
 * batch sets the same values), so the hashes are exact, whatever the restarts.
 *
 * Needs a Redis server (7.0 or newer) at REDIS_URL (default redis://127.0.0.1:6379).
 * Without one the script says so and exits. Its keys start with `example-12:<pid>:` and
 * are deleted at the end.
 *
 * Run: npx tsx examples/12-redis-streams.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { col, Session, schema } from '@tributary/core'
import '@tributary/redis'
import { createClient } from 'redis'

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const { hostname, port } = new URL(url)

// Step 0: is Redis there? An example must not fail where there is no server.
const reachable = await new Promise<boolean>((resolve) => {
  const socket = new Socket()
  const done = (ok: boolean) => {
    socket.destroy()
    resolve(ok)
  }
  socket.setTimeout(1500, () => done(false))
  socket.once('error', () => done(false))
  socket.connect(Number(port || 6379), hostname, () => done(true))
})
if (!reachable) {
  console.log(
    `Redis is not reachable at ${hostname}:${port || 6379}: nothing to show. Start redis-server, or set REDIS_URL.`,
  )
  process.exit(0)
}

// Step 1: two streams of readings, one per building, and a place for the checkpoint.
const redis = createClient({ url })
await redis.connect()
const prefix = `example-12:${process.pid}:`
const north = `${prefix}readings:north`
const south = `${prefix}readings:south`
const checkpoint = mkdtempSync(path.join(tmpdir(), 'tributary-example-12-'))
const session = Session.builder().appName('redis-streams').getOrCreate()

const add = async (stream: string, readings: Record<string, string>[]) => {
  for (const r of readings) await redis.xAdd(stream, '*', r)
}

try {
  await add(north, [
    { sensor: 'n1', celsius: '21.5' },
    { sensor: 'n2', celsius: '19.0' },
  ])
  await add(south, [{ sensor: 's1', celsius: '24.1' }])

  // Step 2: read both streams; the schema types the fields, _id and _timestamp come from the entry.
  const readings = session.readStream
    .format('redis')
    .option('url', url)
    .option('streams', `${north},${south}`)
    .option('startingPosition', 'earliest')
    .option('maxEntriesPerTrigger', 4)
    .schema(
      schema({
        _stream: 'string',
        _timestamp: 'timestamp',
        sensor: 'string',
        celsius: 'double',
        _corrupt_record: 'string',
      }),
    )
    .load()
  readings.printSchema()

  // Step 3: one hash per sensor, `<prefix>sensor:<sensor>`, with its latest reading.
  const query = await readings
    .select(col('sensor'), col('celsius'), col('_timestamp').alias('at'), col('_corrupt_record').alias('bad'))
    .writeStream.format('redis')
    .option('url', url)
    .option('mode', 'hash')
    .option('keyColumns', 'sensor')
    .option('keyPrefix', `${prefix}sensor:`)
    .option('ttl', '1 hour')
    .option('checkpointLocation', checkpoint)
    .start()
  await query.processAllAvailable()

  // Step 4: more readings arrive, one of them malformed; the query picks them up.
  await add(north, [
    { sensor: 'n1', celsius: '22.0' },
    { sensor: 'n2', celsius: 'warm' },
  ])
  await add(south, [
    { sensor: 's1', celsius: '23.7' },
    { sensor: 's2', celsius: '18.2' },
  ])
  await query.processAllAvailable()
  await query.stop()

  // Step 5: what each batch read (offsets are the last entry id per stream), and the hashes.
  for (const p of query.recentProgress) {
    console.log(
      `batch ${p.batchId}: ${p.numInputRows} readings, offsets ${JSON.stringify(p.sources[0].endOffset)}`,
    )
  }
  console.log('\nLatest reading per sensor:')
  for (const sensor of ['n1', 'n2', 's1', 's2']) {
    console.log(`  ${sensor}`, await redis.hGetAll(`${prefix}sensor:${sensor}`))
  }
} finally {
  // Step 6: clean up the keys, the checkpoint and the connections.
  await session.stop()
  const keys: string[] = []
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch)
  if (keys.length > 0) await redis.del(keys)
  await redis.close()
  rmSync(checkpoint, { recursive: true, force: true })
}
