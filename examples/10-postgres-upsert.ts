/**
 * 10 — Upserts into PostgreSQL, exactly once
 *
 * A stream of account balance changes keeps a PostgreSQL table current: each row upserts
 * its account (insert or update by key), and a row with `closed = true` deletes it. The
 * sink writes every micro-batch in one transaction together with the batch id in the
 * `_tributary_batches` table, so a batch that runs again after a crash is recognized and
 * skipped: exactly once, whatever the moment of the crash.
 *
 * To show it, the script stops the query and removes `commits/1` from the checkpoint — the
 * state a crash leaves between the database commit and the checkpoint commit. The
 * restarted query runs batch 1 again; the sink skips it, and the table is unchanged.
 *
 * Needs a PostgreSQL server. Connection from PGHOST, PGPORT, PGUSER, PGPASSWORD and
 * PGDATABASE (defaults 127.0.0.1, 5432, postgres, no password, test). Without a reachable
 * server the script says so and exits.
 *
 * Run: npx tsx examples/10-postgres-upsert.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { col, MemoryStream, Session, schema } from '@tributary/core'
import { executeSql } from '@tributary/sql'

const connection = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD,
  database: process.env.PGDATABASE ?? 'test',
}

// Step 0: is PostgreSQL there? An example must not fail where there is no server.
const reachable = await new Promise<boolean>((resolve) => {
  const socket = new Socket()
  const done = (ok: boolean) => {
    socket.destroy()
    resolve(ok)
  }
  socket.setTimeout(1500, () => done(false))
  socket.once('error', () => done(false))
  socket.connect(connection.port, connection.host, () => done(true))
})
if (!reachable) {
  console.log(
    `PostgreSQL is not reachable at ${connection.host}:${connection.port}: nothing to show. Start a server, or set PGHOST/PGPORT (and PGUSER, PGPASSWORD, PGDATABASE) to one.`,
  )
  process.exit(0)
}

const table = `example_balances_${process.pid}`
const checkpoint = mkdtempSync(path.join(tmpdir(), 'tributary-example-10-'))
const session = Session.builder().appName('postgres-upsert').getOrCreate()

try {
  // Step 1: the changes arrive on a stream (a MemoryStream here; Kafka in real life).
  const changes = new MemoryStream(
    session,
    schema({ account: 'string', balance: 'double', closed: 'boolean' }),
  )

  // Step 2: upsert by account into a table the sink creates, deleting closed accounts.
  const start = () =>
    changes
      .toDF()
      .writeStream.format('postgres')
      .options(connection)
      .options({
        table,
        mode: 'upsert',
        keyColumns: 'account',
        deleteFlagColumn: 'closed',
        autoCreate: true,
      })
      .option('checkpointLocation', checkpoint)
      .start()
  const balances = () => session.read.format('postgres').options(connection).option('table', table).load()

  let query = await start()
  changes.addData([
    { account: 'alice', balance: 100, closed: false },
    { account: 'bob', balance: 50, closed: false },
  ])
  await query.processAllAvailable()
  changes.addData([
    { account: 'alice', balance: 80, closed: false },
    { account: 'carol', balance: 10, closed: false },
  ])
  await query.processAllAvailable()
  console.log('After batches 0 and 1:')
  await balances().orderBy('account').show()
  console.log('sink metrics:', query.lastProgress?.sink.metrics)

  // Step 3: a "crash" after the database commit of batch 1, before its checkpoint commit.
  await query.stop()
  rmSync(path.join(checkpoint, 'commits', '1'))

  // Step 4: the restart runs batch 1 again; the batch log says it is in, so nothing is written.
  query = await start()
  await query.processAllAvailable()
  const replay = query.recentProgress[0]
  console.log(`\nRestarted: batch ${replay.batchId} ran again; sink metrics:`, replay.sink.metrics)
  await balances().orderBy('account').show()

  // Step 5: the stream goes on: bob's balance changes, carol closes her account.
  changes.addData([
    { account: 'bob', balance: 75, closed: false },
    { account: 'carol', balance: 0, closed: true },
  ])
  await query.processAllAvailable()
  console.log('After batch 2:')
  await balances().orderBy('account').show()
  console.log('sink metrics:', query.lastProgress?.sink.metrics)

  // Step 6: the batch log row of this query: its newest batch id, written with the rows.
  await session.read
    .format('postgres')
    .options(connection)
    .option('table', '_tributary_batches')
    .load()
    .where(col('table_name').equalTo(table))
    .select('table_name', 'query_id', 'batch_id')
    .show(20, false)
  await query.stop()
} finally {
  // Step 7: clean up: the table, this query's batch log row, the checkpoint.
  await executeSql('postgres', connection, `DROP TABLE IF EXISTS "${table}"`)
  await executeSql('postgres', connection, 'DELETE FROM _tributary_batches WHERE table_name = $1', [
    table,
  ]).catch(() => {})
  rmSync(checkpoint, { recursive: true, force: true })
  await session.stop()
}
