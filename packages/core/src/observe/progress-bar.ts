/**
 * A progress bar on the terminal for `trigger({ availableNow: true })` runs, with
 * cli-progress: files (or other units a source reports) done out of the total known at the
 * start, rows per second and the time left. Drawn on stderr, and only when stderr is a
 * terminal, so piped or logged output gets nothing extra; `tributary.ui.progressBar=false`
 * or `TRIBUTARY_PROGRESS=0` turns it off. Sources report their share through progress
 * metrics (`availableNowTotal`, `availableNowDone`, `availableNowUnit`); without any, the
 * bar shows batches and rows.
 */
import cliProgress from 'cli-progress'
import type { StreamingQueryProgress } from '../streaming/progress.js'
import { OptionError } from '../util/errors.js'
import type { SettingLookup } from './log-settings.js'

export const PROGRESS_BAR_CONF = 'tributary.ui.progressBar'

/** The stream the bar is drawn on: a terminal's (process.stderr), or one a test injects. */
export type BarStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number }

/** Whether to draw: on unless turned off, and only on a terminal. */
export function progressBarWanted(
  conf: SettingLookup,
  stream: BarStream,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const set = (conf(PROGRESS_BAR_CONF) ?? env.TRIBUTARY_PROGRESS ?? 'auto').trim().toLowerCase()
  if (!['auto', 'true', 'false', '1', '0', 'on', 'off'].includes(set)) {
    throw new OptionError(
      `INVALID_OPTION: ${PROGRESS_BAR_CONF} (or TRIBUTARY_PROGRESS) is '${set}'. Use false to turn the progress bar off, or auto.`,
      'INVALID_OPTION',
    )
  }
  if (set === 'false' || set === '0' || set === 'off') return false
  return stream.isTTY === true
}

interface Share {
  done: number
  total: number
  unit: string
}

/** The units done and known in total, summed over the sources that report them. */
export function availableNowShare(p: StreamingQueryProgress): Share | null {
  let share: Share | null = null
  for (const s of p.sources) {
    const total = Number(s.metrics.availableNowTotal)
    const done = Number(s.metrics.availableNowDone)
    if (!Number.isFinite(total) || !Number.isFinite(done)) continue
    share ??= { done: 0, total: 0, unit: String(s.metrics.availableNowUnit ?? 'units') }
    share.done += done
    share.total += total
  }
  return share
}

/** A bar on the terminal: units done of a total (or, without one, batches), rows and rows/s. */
export class TerminalBar {
  private bar: cliProgress.SingleBar | null = null
  private readonly startedMs = Date.now()

  constructor(
    private readonly label: string,
    private readonly stream: BarStream,
  ) {}

  draw(state: { readonly share: Share | null; readonly rows: number; readonly batch?: number }): void {
    const elapsedSec = Math.max((Date.now() - this.startedMs) / 1000, 0.001)
    const payload = {
      label: this.label,
      rows: state.rows.toLocaleString('en-US'),
      rate: Math.round(state.rows / elapsedSec).toLocaleString('en-US'),
      batch: state.batch ?? 0,
      unit: state.share?.unit ?? '',
    }
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: state.share
            ? '{label} [{bar}] {value}/{total} {unit} | {rows} rows | {rate} rows/s | ETA {eta_formatted}'
            : '{label} batch {batch} | {rows} rows | {rate} rows/s',
          hideCursor: false,
          clearOnComplete: false,
          etaBuffer: 20,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
      this.bar.start(state.share?.total ?? 0, 0, payload)
    }
    if (state.share) this.bar.setTotal(state.share.total)
    this.bar.update(state.share?.done ?? 0, payload)
  }

  /** Draws the last state and leaves the terminal's cursor on a new line. */
  stop(): void {
    this.bar?.stop()
    this.bar = null
  }
}

/** The bar of an availableNow run, fed by its progress reports. */
export class AvailableNowBar {
  private readonly bar: TerminalBar
  private rows = 0

  constructor(label: string, stream: BarStream) {
    this.bar = new TerminalBar(label, stream)
  }

  update(p: StreamingQueryProgress): void {
    this.rows += p.numInputRows
    this.bar.draw({ share: availableNowShare(p), rows: this.rows, batch: p.batchId })
  }

  stop(): void {
    this.bar.stop()
  }
}

/** Batch reads draw a bar from this many files on: a read of a few files is over before a bar helps. */
export const BATCH_READ_BAR_MIN_FILES = 8
/** ...and from this many offsets on (Kafka's batch reads over an offset range). */
export const BATCH_READ_BAR_MIN_OFFSETS = 10_000

/** The bar of a batch read (session.read) over many files or offsets, fed as the source reads. */
export class FileReadBar {
  private bar: TerminalBar | null = null

  constructor(
    private readonly label: string,
    private readonly stream: BarStream,
  ) {}

  read(done: number, total: number, rows: number, unit = 'files'): void {
    if (total < (unit === 'files' ? BATCH_READ_BAR_MIN_FILES : BATCH_READ_BAR_MIN_OFFSETS)) return
    this.bar ??= new TerminalBar(this.label, this.stream)
    this.bar.draw({ share: { done, total, unit }, rows })
  }

  stop(): void {
    this.bar?.stop()
  }
}
