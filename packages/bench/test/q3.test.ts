import { describe, expect, it } from 'vitest'
import { Checksum } from '../src/nexmark/checksum.js'
import { NexmarkGenerator } from '../src/nexmark/generator.js'
import { hasJoin } from '../src/nexmark/queries.js'
import { runTributary } from '../src/nexmark/runner.js'

describe.runIf(hasJoin())('q3 (stream–stream join)', () => {
  it('gives the same answer as a hash join over all events', async () => {
    const events = 200_000
    const t = await runTributary({ query: 'q3', way: 'tributary', events, batch: 50_000, generator: {} })
    const gen = new NexmarkGenerator()
    const a = gen.auctions(0, events)
    const p = gen.persons(0, events)
    const people = new Map<number, number>()
    for (let i = 0; i < p.n; i++) if (['OR', 'ID', 'CA'].includes(p.state[i])) people.set(p.id[i], i)
    const out = new Checksum()
    for (let i = 0; i < a.n; i++) {
      if (a.category[i] !== 10) continue
      const j = people.get(a.seller[i])
      if (j !== undefined) out.addRow([p.name[j], p.city[j], p.state[j], a.id[i]])
    }
    expect(out.rows).toBeGreaterThan(0)
    expect(t.checksum).toBe(out.value())
  }, 180_000)
})
