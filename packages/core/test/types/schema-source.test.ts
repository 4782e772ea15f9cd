/**
 * The typed path for batch reads (issue #17): `tributary-schema` infers a file's schema once
 * and prints the `schema({...})` that declares it. The printed module must evaluate to the
 * same schema, and reading with it gives rows the type checker knows.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { nullable, schema, schemaSource } from '../../src/index.js'
import { newSession, tempDir } from '../helpers.js'

const root = fileURLToPath(new URL('../../../../', import.meta.url))

const orders = schema({
  id: 'long',
  'customer name': 'string',
  amount: nullable('double'),
  placed: 'timestamp',
  lines: { array: { struct: { sku: 'string', qty: 'int' } } },
  attrs: { map: 'string' },
})

async function writeOrders(): Promise<string> {
  const dir = path.join(tempDir(), 'orders')
  await newSession()
    .createDataFrame(
      [
        {
          id: 1,
          'customer name': 'ada',
          amount: 9.5,
          placed: new Date('2026-12-07T10:00:00Z'),
          lines: [{ sku: 'a', qty: 2 }],
          attrs: { gift: 'yes' },
        },
      ],
      orders,
    )
    .write.parquet(dir)
  return dir
}

describe('schemaSource and tributary-schema', () => {
  it('prints a module that evaluates to the inferred schema', async () => {
    const dir = await writeOrders()
    const inferred = newSession().read.parquet(dir).schema
    const source = schemaSource(inferred, 'ordersSchema')
    expect(source).toContain('export const ordersSchema = schema({\n  id: ')
    expect(source).toContain("'customer name': ")
    const file = path.join(tempDir(), 'orders-schema.ts')
    writeFileSync(file, source)
    const generated = await import(/* @vite-ignore */ file)
    expect(generated.ordersSchema.simpleString()).toBe(inferred.simpleString())
  })

  it('a schema from it types the rows of a batch parquet read', async () => {
    const dir = await writeOrders()
    // What the generated module declares for this file, as a user would commit it.
    const ordersSchema = schema({ id: 'long', 'customer name': 'string', amount: nullable('double') })
    const rows = await newSession().read.schema(ordersSchema).parquet(dir).collect()
    expectTypeOf(rows).toEqualTypeOf<{ id: number; 'customer name': string; amount: number | null }[]>()
    expect(rows).toEqual([{ id: 1, 'customer name': 'ada', amount: 9.5 }])
  })

  it('runs as a command and names the cause when the path does not exist', async () => {
    const dir = await writeOrders()
    const cli = path.join(root, 'packages/core/src/cli/infer-schema.ts')
    const ok = spawnSync(process.execPath, ['--import', 'tsx', cli, dir, '--name', 'ordersSchema'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(ok.stderr).toBe('')
    expect(ok.status).toBe(0)
    expect(ok.stdout).toMatch(/^import \{ .*schema \} from '@tributary\/core'/)
    expect(ok.stdout).toContain('export type OrdersRow = RowOfSchema<typeof ordersSchema>')
    const missing = spawnSync(process.execPath, ['--import', 'tsx', cli, path.join(dir, 'nope')], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/PATH_NOT_FOUND/)
  })
})
