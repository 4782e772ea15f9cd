/** Shared helpers for the codec tests: files in a temporary folder, options, reading rows back. */
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { expect } from 'vitest'
import { ColumnarBatch } from '../../src/batch/columnar-batch.js'
import type { FileFormat } from '../../src/formats/file-format.js'
import type { Schema } from '../../src/types/schema.js'
import { Options, type OptionsInput } from '../../src/util/options.js'
import { tempDir } from '../helpers.js'

export function options(input: OptionsInput = {}): Options {
  return new Options(input, 'test reader')
}

/** A file holding `content` in a fresh temporary folder. */
export function fileWith(content: string | Uint8Array, name = 'data.txt'): string {
  const file = path.join(tempDir('tributary-codec-'), name)
  writeFileSync(file, content)
  return file
}

export function freshPath(name: string): string {
  return path.join(tempDir('tributary-codec-'), name)
}

export async function readRows(
  format: FileFormat,
  file: string,
  schema: Schema<unknown>,
  input: OptionsInput = {},
): Promise<{ rows: Record<string, unknown>[]; dropped: number }> {
  const result = await format.read(file, schema, options(input))
  expect(result.batch.schema.simpleString()).toBe(schema.simpleString())
  expect(result.batch.columns.length).toBe(schema.length)
  for (const c of result.batch.columns) expect(c.length).toBe(result.batch.numRows)
  return { rows: result.batch.toRows() as Record<string, unknown>[], dropped: result.droppedMalformed }
}

/** Writes `rows` with the format, then reads the file back with the same schema. */
export async function roundTrip(
  format: FileFormat,
  schema: Schema<unknown>,
  rows: readonly Record<string, unknown>[],
  writeOptions: OptionsInput = {},
  readOptions: OptionsInput = {},
): Promise<{ rows: Record<string, unknown>[]; file: string }> {
  const file = freshPath(`out.${format.extension}`)
  await format.write(ColumnarBatch.fromRows(schema, rows), file, options(writeOptions))
  const back = await readRows(format, file, schema, readOptions)
  expect(back.dropped).toBe(0)
  return { rows: back.rows, file }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the promise to reject')
}

export function thrown(f: () => unknown): Error {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the call to throw')
}
