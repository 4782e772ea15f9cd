/** Tables (plain text and markdown) and a hand-made SVG bar chart of a Nexmark run. */
import type { RunResult, Way } from './runner.js'

export interface QueryRow {
  readonly id: string
  readonly title: string
  readonly flinkK: number | undefined
  readonly result?: RunResult
  /** Why the query did not run. */
  readonly skipped?: string
  readonly note?: string
}

export interface PeerRow {
  readonly query: string
  readonly way: Way
  readonly result?: RunResult
  readonly skipped?: string
}

export interface LatencyRow {
  readonly query: string
  readonly rate: number
  readonly result?: RunResult
  readonly skipped?: string
}

/** What the generator alone costs: bids() over the run's events, measured in the orchestrator. */
export interface GeneratorCost {
  /** 'exact', or 'replay(B)'. */
  readonly mode: string
  readonly events: number
  readonly batch: number
  /** CPU seconds of one cold pass of bids() over [0, events), batch by batch, block already built. */
  readonly cpuS: number
  /** CPU seconds to build (or find) the replay block; 0 in exact mode. */
  readonly prepareS: number
}

/** One line for the report header: the generator mode and its own cost. */
export function generatorLine(g: GeneratorCost): string {
  const rate = g.events / Math.max(g.cpuS, 1e-9) / 1e6
  const mode =
    g.mode === 'exact'
      ? 'exact (every event from its own random draws)'
      : `${g.mode} (events past the first block replayed from it with ids and times shifted; block built once per process before timing, ${g.prepareS.toFixed(2)} s CPU)`
  return `Generator: ${mode}; generator alone: ${rate.toFixed(1)} M events/CPU-s (bids() over ${human(g.events)} events in batches of ${human(g.batch)}: one cold pass, as each way's process makes it, ${g.cpuS.toFixed(2)} s CPU).`
}

export const perCpu = (r: RunResult): number => r.events / Math.max(r.cpuS, 1e-9)
export const perWall = (r: RunResult): number => r.events / Math.max(r.wallS, 1e-9)

export function human(x: number): string {
  if (!Number.isFinite(x)) return '–'
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} K`
  return x.toFixed(0)
}

const fixed = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d))

export function queryTable(rows: readonly QueryRow[]): string[][] {
  const header = [
    'query',
    'events',
    'wall s',
    'CPU s',
    'events/s',
    'events/CPU-s',
    'peak RSS MB',
    'Flink 1.13 /core',
    '× Flink',
    'rows out',
    'notes',
  ]
  const body = rows.map((q) => {
    const r = q.result
    const name = `${q.id} ${q.title}`
    const flink = q.flinkK === undefined ? '–' : `${q.flinkK} K`
    if (!r)
      return [name, '–', '–', '–', '–', '–', '–', flink, '–', '–', `cannot run: ${q.skipped ?? 'failed'}`]
    const ratio = q.flinkK === undefined ? '–' : `${(perCpu(r) / (q.flinkK * 1000)).toFixed(1)}×`
    const notes = [q.note, r.lateRows ? `${r.lateRows} late rows dropped` : ''].filter(Boolean).join('; ')
    return [
      name,
      human(r.events),
      fixed(r.wallS),
      fixed(r.cpuS),
      human(perWall(r)),
      human(perCpu(r)),
      r.peakRssMb.toFixed(0),
      flink,
      ratio,
      String(r.rows),
      notes,
    ]
  })
  return [header, ...body]
}

export function peerTable(rows: readonly PeerRow[], tributary: ReadonlyMap<string, RunResult>): string[][] {
  const header = [
    'query',
    'way',
    'events/CPU-s',
    'wall s',
    'CPU s',
    'peak RSS MB',
    'answer',
    'Tributary ÷ way',
    'notes',
  ]
  const body = rows.map((p) => {
    const r = p.result
    if (!r) return [p.query, p.way, '–', '–', '–', '–', '–', '–', `skipped: ${p.skipped ?? 'failed'}`]
    const t = tributary.get(p.query)
    const same = t ? (t.checksum === r.checksum ? '✓ same checksum' : `✗ ${r.checksum} ≠ ${t.checksum}`) : '–'
    const ratio = t && p.way !== 'tributary' ? `${(perCpu(t) / perCpu(r)).toFixed(2)}` : '–'
    return [
      p.query,
      p.way,
      human(perCpu(r)),
      fixed(r.wallS),
      fixed(r.cpuS),
      r.peakRssMb.toFixed(0),
      p.way === 'tributary' ? r.checksum : same,
      ratio,
      r.note ?? '',
    ]
  })
  return [header, ...body]
}

export function latencyTable(rows: readonly LatencyRow[]): string[][] {
  const header = ['query', 'offered events/s', 'trigger', 'events measured', 'p50 ms', 'p99 ms', 'max ms']
  const body = rows.map((l) => {
    const r = l.result
    if (!r?.latency)
      return [l.query, human(l.rate), '100 ms', '–', '–', '–', `skipped: ${l.skipped ?? 'failed'}`]
    return [
      l.query,
      human(l.rate),
      '100 ms',
      human(r.latency.events),
      fixed(r.latency.p50, 1),
      fixed(r.latency.p99, 1),
      fixed(r.latency.max, 1),
    ]
  })
  return [header, ...body]
}

export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)))
  const line = (r: readonly string[]) => r.map((x, c) => x.padEnd(widths[c])).join('  ')
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

export function markdownTable(rows: readonly (readonly string[])[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|')
  return [
    `| ${rows[0].map(esc).join(' | ')} |`,
    `|${rows[0].map(() => '---').join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n')
}

const WAY_COLORS: Record<string, string> = {
  tributary: '#2b6cb0',
  flink: '#a0aec0',
  js: '#38a169',
  rxjs: '#d69e2e',
  duckdb: '#805ad5',
  arquero: '#e53e3e',
}

/** Horizontal bars of events per CPU-second, log scale: Tributary and Flink per core for every query, the peers where they ran. */
export function barChart(queries: readonly QueryRow[], peers: readonly PeerRow[]): string {
  type Bar = { label: string; value: number; color: string; text: string }
  const groups: { title: string; bars: Bar[] }[] = []
  for (const q of queries) {
    const bars: Bar[] = []
    if (q.result)
      bars.push({
        label: 'Tributary',
        value: perCpu(q.result),
        color: WAY_COLORS.tributary,
        text: human(perCpu(q.result)),
      })
    if (q.flinkK !== undefined)
      bars.push({
        label: 'Flink 1.13 /core',
        value: q.flinkK * 1000,
        color: WAY_COLORS.flink,
        text: `${q.flinkK} K`,
      })
    for (const p of peers.filter((x) => x.query === q.id && x.way !== 'tributary' && x.result)) {
      const r = p.result!
      bars.push({
        label: p.way,
        value: perCpu(r),
        color: WAY_COLORS[p.way] ?? '#000',
        text: human(perCpu(r)),
      })
    }
    if (!q.result) bars.push({ label: 'cannot run yet', value: 0, color: '#fff', text: q.skipped ?? '' })
    groups.push({ title: `${q.id} ${q.title}`, bars })
  }
  const barH = 14
  const gap = 10
  const left = 260
  const width = 980
  const plotW = width - left - 150
  const lo = 3 // 1 K
  const hi = 8 // 100 M
  const x = (v: number) => (v <= 0 ? 0 : Math.max(0, ((Math.log10(v) - lo) / (hi - lo)) * plotW))
  let y = 40
  const parts: string[] = []
  const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  for (const g of groups) {
    parts.push(`<text x="8" y="${y + 11}" font-weight="bold">${esc(g.title)}</text>`)
    y += barH + 2
    const flink = g.bars.find((b) => b.label.startsWith('Flink'))
    if (flink) {
      // The target: ten times Flink's figure per core.
      const tx = left + x(flink.value * 10)
      parts.push(
        `<line x1="${tx.toFixed(1)}" y1="${y - 2}" x2="${tx.toFixed(1)}" y2="${y + g.bars.length * (barH + 2)}" stroke="#c53030" stroke-dasharray="3,2"/>`,
      )
    }
    for (const b of g.bars) {
      parts.push(
        `<text x="${left - 8}" y="${y + 11}" text-anchor="end" fill="#4a5568">${esc(b.label)}</text>`,
      )
      if (b.value > 0) {
        parts.push(
          `<rect x="${left}" y="${y}" width="${x(b.value).toFixed(1)}" height="${barH}" fill="${b.color}"/>`,
        )
        parts.push(`<text x="${left + x(b.value) + 4}" y="${y + 11}">${esc(b.text)}</text>`)
      } else {
        parts.push(`<text x="${left + 4}" y="${y + 11}" fill="#a0aec0">${esc(b.text.slice(0, 80))}</text>`)
      }
      y += barH + 2
    }
    y += gap
  }
  const ticks: string[] = []
  for (let e = lo; e <= hi; e++) {
    const tx = left + ((e - lo) / (hi - lo)) * plotW
    ticks.push(`<line x1="${tx}" y1="28" x2="${tx}" y2="${y}" stroke="#e2e8f0"/>`)
    ticks.push(`<text x="${tx}" y="22" text-anchor="middle" fill="#4a5568">${human(10 ** e)}</text>`)
  }
  const height = y + 10
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="14" font-weight="bold">Nexmark: events per CPU-second (log scale); dashed red: 10 × Flink 1.13 per core</text>`,
    ...ticks,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
