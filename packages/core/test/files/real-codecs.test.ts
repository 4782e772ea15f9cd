/** The file source and sink with the built-in codecs, registered by name. */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MemoryStream, type Session, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const sales = schema({ id: 'long', country: 'string', amount: 'double' })
const sale = (id: number, country = 'FR') => ({ id, country, amount: id * 1.5 })
const byId = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => (a.id as number) - (b.id as number))

async function streamInto(session: Session, format: string, out: string, ckpt: string, batches: object[][]) {
  const input = new MemoryStream(session, sales)
  const q = await input
    .toDF()
    .writeStream.format(format)
    .partitionBy('country')
    .option('checkpointLocation', ckpt)
    .start(out)
  for (const b of batches) {
    input.addData(b as ReturnType<typeof sale>[])
    await q.processAllAvailable()
  }
  await q.stop()
}

describe('file source and sink with the built-in codecs', () => {
  it('json: a streaming source reads new files once across a restart, with partition columns', async () => {
    const dir = tempDir()
    const ckpt = tempDir()
    const session = newSession()
    const put = async (rel: string, rows: object[]) => {
      await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true })
      await fs.writeFile(path.join(dir, rel), rows.map((r) => JSON.stringify(r)).join('\n'))
    }
    const run = async () => {
      const q = await session.readStream
        .format('json')
        .schema(schema({ id: 'long', amount: 'double' }))
        .load(dir)
        .writeStream.format('memory')
        .queryName('q')
        .option('checkpointLocation', ckpt)
        .start()
      await q.processAllAvailable()
      await q.stop()
    }
    await put('country=FR/a.json', [
      { id: 1, amount: 1.5 },
      { id: 2, amount: 3 },
    ])
    await run()
    await put('country=US/b.json', [{ id: 3, amount: 4.5 }])
    await run()
    expect(byId(await session.table('q').collect())).toEqual([sale(1), sale(2), sale(3, 'US')])
  })

  for (const format of ['json', 'parquet', 'csv']) {
    it(`${format}: a streaming file sink with partitionBy reads back equal, through its log`, async () => {
      const out = tempDir()
      const ckpt = tempDir()
      const session = newSession()
      await streamInto(session, format, out, ckpt, [[sale(1), sale(2, 'US')], [], [sale(3)]])
      const logged = (await fs.readdir(path.join(out, '_tributary_metadata'))).sort()
      expect(logged).toEqual(['0', '1', '2'])
      expect((await fs.readdir(out)).sort()).toEqual(['_tributary_metadata', 'country=FR', 'country=US'])
      const back = await session.read.format(format).schema(sales).load(out).collect()
      expect(byId(back)).toEqual([sale(1), sale(2, 'US'), sale(3)])
    })
  }

  it('parquet: a batch read infers the data schema and adds the partition columns after it', async () => {
    const out = tempDir()
    const session = newSession()
    await session
      .createDataFrame([sale(1), sale(2, 'US')], sales)
      .write.format('parquet')
      .partitionBy('country')
      .save(out)
    const df = session.read.parquet(out)
    expect(df.schema.names).toEqual(['id', 'amount', 'country'])
    expect(byId(await df.collect())).toEqual([
      { id: 1, amount: 1.5, country: 'FR' },
      { id: 2, amount: 3, country: 'US' },
    ])
  })

  it('text: reads lines of every file under a glob', async () => {
    const dir = tempDir()
    await fs.writeFile(path.join(dir, 'a.log'), 'one\ntwo\n')
    await fs.writeFile(path.join(dir, 'b.txt'), 'ignored\n')
    const got = await newSession().read.text(path.join(dir, '*.log')).collect()
    expect(got).toEqual([{ value: 'one' }, { value: 'two' }])
  })
})
