/**
 * `tributary checkpoint inspect <dir>`: what a checkpoint holds, for an operator at a
 * terminal: the query id, the offset and commit logs (and whether a batch awaits replay),
 * the watermark, the state rows and files per operator and partition, and, given the
 * output folder, the file sink's log.
 */
import {
  readOverview,
  readSinkLog,
  readStateEntries,
  stateFootprint,
} from '../checkpoint/checkpoint-reader.js'
import { redact } from '../observe/redact.js'
import { stateRows } from '../sources/state-source.js'

export interface InspectOptions {
  /** A file sink's output folder, whose `_tributary_metadata` log to list. */
  readonly sink?: string
  /** The batch whose state to count (default: the last committed one). */
  readonly batchId?: number
}

const iso = (ms: number) => new Date(ms).toISOString()

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

function range(ids: readonly number[]): string {
  if (ids.length === 0) return 'none'
  return ids.length === 1 ? `${ids[0]}` : `${ids[0]}..${ids[ids.length - 1]} (${ids.length} entries)`
}

function table(header: string[], rows: string[][], indent: string): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) =>
    `${indent}${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd()
  return [line(header), ...rows.map(line)]
}

export async function inspectCheckpoint(dir: string, options: InspectOptions = {}): Promise<string> {
  const o = await readOverview(dir)
  const out: string[] = [`Checkpoint ${dir}`]
  if (o.metadata) {
    out.push(`  query id     ${o.metadata.id} (created ${o.metadata.createdAt})`)
    const f = o.metadata.fingerprint
    out.push(`  sources      ${f.sources.join(', ') || 'none'}`)
    out.push(`  partitions   ${f.statePartitions} state partition(s)`)
  } else out.push('  metadata     missing (no batch has started here)')

  out.push('', `Offsets: ${range(o.offsetBatchIds)}`)
  if (o.latestOffsets) {
    const { batchId, value } = o.latestOffsets
    out.push(`  latest       batch ${batchId}, planned at ${iso(value.metadata.batchTimestampMs)}`)
    out.push(
      `  watermark    ${iso(value.metadata.batchWatermarkMs)} (the watermark batch ${batchId} ran with)`,
    )
    value.offsets.forEach((off, i) => {
      out.push(`  source ${i}     ${redact(off === null ? '-' : JSON.stringify(off))}`)
    })
    const provider = value.metadata.conf['tributary.stateStore.provider']
    if (provider) out.push(`  state store  ${provider}`)
  }
  out.push('', `Commits: ${range(o.commitBatchIds)}`)
  if (o.latestCommit) {
    out.push(`  latest       batch ${o.latestCommit.batchId}`)
    out.push(`  next watermark ${iso(o.latestCommit.value.nextBatchWatermarkMs)}`)
  }
  const planned = o.latestOffsets?.batchId
  const committed = o.latestCommit?.batchId
  if (planned !== undefined) {
    out.push(
      `  status       ${
        planned === committed
          ? `up to date: batch ${planned} is committed`
          : `batch ${planned} was planned but not committed: a restart replays it with the same offsets`
      }`,
    )
  }

  out.push('', `State: ${o.stateOperators.length} operator(s)`)
  const stateBatch = options.batchId ?? committed
  const described = o.metadata?.fingerprint.stateOperators ?? []
  for (const op of o.stateOperators) {
    out.push(`  operator ${op.operatorId}${described[op.operatorId] ? `  ${described[op.operatorId]}` : ''}`)
    let rowsByPartition = new Map<number, number>()
    let note = ''
    if (stateBatch !== undefined) {
      try {
        const rows = stateRows(
          await readStateEntries(dir, { operatorId: op.operatorId, batchId: stateBatch }),
        )
        rowsByPartition = new Map()
        for (const r of rows)
          rowsByPartition.set(r.partition_id, (rowsByPartition.get(r.partition_id) ?? 0) + 1)
        note = `rows after batch ${stateBatch}`
      } catch (e) {
        note = `rows unreadable: ${(e as Error).message}`
      }
    }
    const lines: string[][] = []
    let totalRows = 0
    let totalBytes = 0
    for (const p of op.partitions) {
      const f = await stateFootprint(dir, op.operatorId, p)
      const rows = rowsByPartition.get(p) ?? 0
      totalRows += rows
      totalBytes += f.bytes
      lines.push([String(p), String(rows), String(f.files), size(f.bytes)])
    }
    lines.push(['all', String(totalRows), '', size(totalBytes)])
    out.push(...table(['partition', 'rows', 'files', 'on disk'], lines, '    '))
    if (note) out.push(`    (${note})`)
  }

  if (options.sink) {
    const log = await readSinkLog(options.sink)
    out.push(
      '',
      `Sink log ${options.sink}/_tributary_metadata: ${log.length} entr${log.length === 1 ? 'y' : 'ies'}`,
    )
    for (const { batchId, entry } of log) {
      const bytes = entry.files.reduce((n, f) => n + f.size, 0)
      out.push(
        `  ${String(batchId).padStart(4)}  ${entry.bounded ? 'df.write' : `batch ${entry.batchId}`}: ${entry.files.length} file(s), ${size(bytes)}${entry.files.length ? `  ${entry.files.map((f) => f.path).join(', ')}` : ''}`,
      )
    }
  }
  return `${out.join('\n')}\n`
}
