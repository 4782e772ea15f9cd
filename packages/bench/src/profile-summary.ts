/**
 * `npm run bench -- profile <file.cpuprofile>... [--top N]`: the functions with the most self
 * time in V8 CPU profiles (written by `node --cpu-prof`, or by `nexmark --cpu-prof`), so that
 * a performance pass starts from what dominates.
 */
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface HotFunction {
  readonly name: string
  readonly where: string
  readonly selfMs: number
  readonly share: number
}

/** Self time per function (name + file + line), largest first. */
export function hotFunctions(file: string): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, { name: string; where: string; us: number }>()
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0
    const node = byNode.get(profile.samples[i])
    if (!node) continue
    const { functionName, url, lineNumber } = node.callFrame
    const where = url
      ? `${url
          .replace(/^file:\/\//, '')
          .split('/packages/')
          .pop()}:${lineNumber + 1}`
      : ''
    const key = `${functionName}@${where}`
    const entry = self.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 }
    entry.us += dt
    self.set(key, entry)
    total += dt
  }
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: total ? e.us / total : 0 }))
}

export function formatHot(hot: readonly HotFunction[], top: number): string {
  return hot
    .slice(0, top)
    .map(
      (h) =>
        `${(h.share * 100).toFixed(1).padStart(5)} %  ${h.selfMs.toFixed(0).padStart(6)} ms  ${h.name}  ${h.where}`,
    )
    .join('\n')
}

export async function main(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { top: { type: 'string' } },
  })
  const top = Number(values.top ?? 25)
  for (const file of positionals) {
    console.log(`\n${path.basename(file)}\n${formatHot(hotFunctions(file), top)}`)
  }
}
