/**
 * Crash-safe files. Every checkpoint file and every sink metadata file is written with
 * atomicWrite (temporary file, fsync, rename, fsync of the folder), so a crash leaves at
 * worst a temporary file beside the real ones; those must be ignored, never parsed as an
 * entry. The crash tests kill queries between the temporary write and the rename
 * (kill point tempWritten); here the leftovers are planted by hand, half written.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { col, count, MemoryStream, schema } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const packagesDir = fileURLToPath(new URL('../../../', import.meta.url))

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p)
    return e.name.endsWith('.ts') ? [p] : []
  })
}

/**
 * The only places allowed to write, rename or append files without atomicWrite, and why.
 * A new one must be looked at: if it writes into a checkpoint or a sink's metadata, it
 * must use atomicWrite instead.
 */
const rawWriters: Record<string, string> = {
  'core/src/checkpoint/atomic-file.ts': 'atomicWrite itself',
  'core/src/formats/files/partitioned-writer.ts':
    'sink data files: written under a hidden temporary name, synced, renamed, then listed in the sink log',
  'core/src/formats/codecs/parquet.ts': 'writes the temporary file partitioned-writer gives it',
  'core/src/formats/codecs/write-text.ts': 'writes the temporary file partitioned-writer gives it',
  'core/src/checkpoint/checkpoint-lock.ts':
    'the lock file: created exclusively (wx) so that exactly one run holds it; its content is never replaced in place',
  'core/src/checkpoint/file-mutex.ts':
    'a short-lived mutex file created exclusively (wx), and a stale one renamed aside; holds no data',
  'core/src/formats/files/clean-source.ts':
    'cleanSource=archive moves processed input files, after their commit',
  'core/src/executor/worker-pool.ts':
    'the worker bundle cache (not query data): written under a temporary name and renamed, rebuilt when missing or stale',
}

const RAW_WRITE =
  /\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|renameSync|rename|copyFileSync|copyFile|truncateSync|ftruncateSync)\s*\(|\.(truncate|ftruncate)\s*\(|\bopen(Sync)?\([^)]*['"](w|wx|a|a\+|w\+|r\+)['"]/

describe('every checkpoint and sink metadata write is atomic', () => {
  it('no package source writes files outside atomicWrite, except the listed data-file writers', () => {
    const found = new Map<string, string[]>()
    for (const file of sourceFiles(packagesDir)) {
      const rel = path.relative(packagesDir, file).split(path.sep).join('/')
      // The library's packages; the benchmarks write their reports, never a checkpoint.
      if (!/^[^/]+\/src\//.test(rel) || rel.startsWith('bench/')) continue
      const lines = readFileSync(file, 'utf8').split('\n')
      lines.forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line) || !RAW_WRITE.test(line)) return
        found.set(rel, [...(found.get(rel) ?? []), `${i + 1}: ${line.trim()}`])
      })
    }
    const unexpected = [...found].filter(([rel]) => !(rel in rawWriters))
    expect(unexpected, 'write these through atomicWrite, or add them to rawWriters with the reason').toEqual(
      [],
    )
    // The list stays honest: every entry still writes something.
    expect(Object.keys(rawWriters).filter((rel) => !found.has(rel))).toEqual([])
  })
})

const rowsSchema = schema({ k: 'string', v: 'long' })

/** A half-written temporary file, as a crash in the middle of atomicWrite leaves it. */
function plantTemp(dir: string, name: string, content: string) {
  writeFileSync(path.join(dir, `.${name}.0b9e6d7c-0000-4000-8000-000000000000.tmp`), content)
}

describe('temporary files left by a crash are ignored, never read as entries', () => {
  it('in the offset and commit logs, the metadata, the file source log, the sink log and the output folder', async () => {
    const session = newSession()
    const dir = tempDir()
    const input = path.join(dir, 'in')
    const out = path.join(dir, 'out')
    const checkpoint = path.join(dir, 'ckpt')
    const start = () =>
      session.readStream
        .format('json')
        .schema(rowsSchema)
        .load(input)
        .writeStream.format('json')
        .option('checkpointLocation', checkpoint)
        .start(out)
    const write = (n: number) => writeFileSync(path.join(input, `f${n}.json`), `{"k":"f${n}","v":${n}}\n`)
    mkdirSync(input)
    write(0)
    let q = await start()
    await q.processAllAvailable()
    await q.stop()

    // What each write would have produced for batch 1, torn half way.
    plantTemp(path.join(checkpoint, 'offsets'), '1', 'v1\n{"batchTimestampMs":1')
    plantTemp(path.join(checkpoint, 'commits'), '1', 'v1\n{"nextBatch')
    plantTemp(checkpoint, 'metadata', '{"id":"someone-else')
    plantTemp(path.join(checkpoint, 'sources', '0'), '1', 'v1\n{"files":[{"path":"/nowhere/x.json"')
    plantTemp(path.join(out, '_tributary_metadata'), '1', 'v1\n{"batchId":1,"files":[{"path":"ghost.json"')
    plantTemp(out, 'part-00001-ghost.json', '{"k":"ghost","v":99}\n{"k":"gh')

    write(1)
    q = await start()
    await q.processAllAvailable()
    await q.stop()
    expect(q.exception).toBeNull()
    const rows = await session.read.schema(rowsSchema).json(out).collect()
    expect(rows.map((r) => r.k).sort()).toEqual(['f0', 'f1'])
    // The leftovers are still there, untouched: ignored, not repaired into entries.
    expect(readdirSync(path.join(checkpoint, 'offsets')).filter((n) => !n.startsWith('.'))).toEqual([
      '0',
      '1',
    ])
  })

  it('in the state store folders (memory provider)', async () => {
    const session = newSession()
    const checkpoint = tempDir()
    const input = new MemoryStream(session, rowsSchema)
    const start = () =>
      input
        .toDF()
        .groupBy('k')
        .agg(count().alias('n'))
        .where(col('n').gt(0))
        .writeStream.format('memory')
        .queryName('counts')
        .outputMode('complete')
        .option('checkpointLocation', checkpoint)
        .start()
    let q = await start()
    input.addData([
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
    ])
    await q.processAllAvailable()
    await q.stop()
    for (let p = 0; p < 4; p++) {
      const d = path.join(checkpoint, 'state', '0', String(p))
      mkdirSync(d, { recursive: true })
      plantTemp(d, '2.delta', 'half a delta')
      plantTemp(d, '2.snapshot', '')
    }
    q = await start()
    input.addData([{ k: 'a', v: 3 }])
    await q.processAllAvailable()
    await q.stop()
    expect(q.exception).toBeNull()
    expect(
      (await session.table('counts').collect()).sort((x, y) => String(x.k).localeCompare(String(y.k))),
    ).toEqual([
      { k: 'a', n: 2 },
      { k: 'b', n: 1 },
    ])
  })
})
