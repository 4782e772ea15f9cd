/**
 * Whatever the files, their arrival, maxFilesPerTrigger, order and restarts: the batches
 * of a file source together hold every row exactly once, and no batch takes more files
 * than allowed.
 */
import { promises as fs, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { type Schema, type Source, schema } from '../../src/index.js'
import { Options } from '../../src/util/options.js'
import { ndjson, writeRows } from './ndjson-test-format.js'

const rowsSchema = schema({ id: 'long' }) as Schema<unknown>

const fileSpec = fc.record({
  rows: fc.integer({ min: 0, max: 4 }),
  folder: fc.constantFrom('', 'a', 'a/b', 'c=1'),
  /** Seconds in the past; equal ages are allowed, to exercise the tie-break. */
  ageSeconds: fc.integer({ min: 0, max: 50 }),
  /** Files of wave 1 exist before the first trigger; wave 2 files arrive after it. */
  wave: fc.constantFrom(1, 2),
})

const scenario = fc.record({
  files: fc.array(fileSpec, { minLength: 1, maxLength: 12 }),
  maxFilesPerTrigger: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  latestFirst: fc.boolean(),
  /** After how many batches the source is reopened, as after a restart. */
  restartAfter: fc.integer({ min: 0, max: 6 }),
})

it('every row is read exactly once, in batches of at most maxFilesPerTrigger files', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ files, maxFilesPerTrigger, latestFirst, restartAfter }) => {
      const root = mkdtempSync(path.join(tmpdir(), 'tributary-prop-'))
      try {
        const dir = path.join(root, 'in')
        const meta = path.join(root, 'meta')
        await fs.mkdir(dir)
        const options: Record<string, string | number | boolean> = { latestFirst }
        if (maxFilesPerTrigger !== undefined) options.maxFilesPerTrigger = maxFilesPerTrigger
        const open = (): Promise<Source> =>
          Promise.resolve(
            ndjson.source.createSource({
              options: new Options(options),
              schema: rowsSchema,
              path: dir,
              metadataDir: meta,
              bounded: false,
            }),
          )
        let nextId = 0
        const expected: number[] = []
        const writeWave = async (wave: number) => {
          for (const [i, f] of files.entries()) {
            if (f.wave !== wave) continue
            const ids = Array.from({ length: f.rows }, () => nextId++)
            expected.push(...ids)
            await writeRows(
              path.join(dir, f.folder, `f${i}.ndjson`),
              ids.map((id) => ({ id })),
              Date.now() - f.ageSeconds * 1000,
            )
          }
        }

        await writeWave(1)
        let source = await open()
        let offset = (await source.initialOffset()) as number
        const got: number[] = []
        let batches = 0
        let secondWaveWritten = false
        for (;;) {
          const end = (await source.latestOffset(offset, 'default')) as number
          if (end === offset) {
            if (secondWaveWritten) break
            await writeWave(2)
            secondWaveWritten = true
            continue
          }
          const batch = await source.getBatch(offset, end)
          for (const r of batch.data.toRows()) got.push((r as { id: number }).id)
          await source.commit(end)
          offset = end
          batches++
          if (batches === restartAfter) {
            await source.stop()
            source = await open()
          }
        }
        expect([...got].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b))
        for (const name of await fs.readdir(meta)) {
          const lines = (await fs.readFile(path.join(meta, name), 'utf8')).trimEnd().split('\n').slice(1)
          // A batch file holds one entry; a compact file one `{batchId, entry}` per batch it keeps.
          const entries = name.endsWith('.compact')
            ? lines.map((l) => JSON.parse(l).entry)
            : [JSON.parse(lines[0])]
          for (const entry of entries) {
            expect(entry.files.length).toBeLessThanOrEqual(maxFilesPerTrigger ?? files.length)
          }
        }
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    }),
    { numRuns: 40 },
  )
})
