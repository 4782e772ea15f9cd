/**
 * Entry positions: how many entries had been added to a stream up to and including an id
 * (the count XINFO calls entries-added). Entry ids have gaps, so an id alone cannot tell
 * whether trimming removed entries after it; its position can: once the stream has lost
 * more entries than the position of the offset, some were removed after the offset.
 *
 * Positions are learned when the source plans a batch and are written next to the
 * checkpoint at each commit, so a restarted query still knows them.
 */
import { readFile } from 'node:fs/promises'
import * as path from 'node:path'
import { atomicWrite } from '@tributary/core'
import { compareIds } from './stream-id.js'
import type { StreamState } from './stream-info.js'

const FILE = 'positions.json'

type Recorded = Record<string, { id: string; position: number }>

export class PositionBook {
  private readonly known = new Map<string, Map<string, number>>()

  constructor(private readonly dir: string) {}

  get(stream: string, id: string): number | undefined {
    return this.known.get(stream)?.get(id)
  }

  set(stream: string, id: string, position: number | undefined): void {
    if (position === undefined) return
    let m = this.known.get(stream)
    if (!m) {
      m = new Map()
      this.known.set(stream, m)
    }
    m.set(id, position)
  }

  async load(): Promise<void> {
    let text: string
    try {
      text = await readFile(path.join(this.dir, FILE), 'utf8')
    } catch {
      return
    }
    try {
      for (const [stream, { id, position }] of Object.entries(JSON.parse(text) as Recorded))
        this.set(stream, id, position)
    } catch {
      // Positions only sharpen the data-loss check; without them it is conservative, not wrong.
    }
  }

  /** Keeps the positions of the committed ids (and newer ones planned), and writes the committed ones. */
  async commit(ends: Readonly<Record<string, string>>): Promise<void> {
    const out: Recorded = {}
    for (const [stream, id] of Object.entries(ends)) {
      const m = this.known.get(stream)
      if (!m) continue
      for (const k of [...m.keys()]) if (compareIds(k, id) < 0) m.delete(k)
      const position = m.get(id)
      if (position !== undefined) out[stream] = { id, position }
    }
    await atomicWrite(path.join(this.dir, FILE), `${JSON.stringify(out)}\n`)
  }
}

/**
 * Positions of `ids`, entries read in order right after `start` (whose position may be
 * known), from a state taken in the same transaction. Undefined where they cannot be told.
 */
export function positionsAfter(
  state: StreamState,
  start: string,
  startPosition: number | undefined,
  ids: readonly string[],
): (number | undefined)[] {
  const unknown = ids.map(() => undefined)
  if (state.entriesAdded === undefined || state.maxDeletedId === undefined) return unknown
  const first = state.firstId
  // XDEL leaves holes after the first entry: then stored entries are not numbered one by one.
  const holes =
    first !== undefined && state.maxDeletedId !== '0-0' && compareIds(state.maxDeletedId, first) >= 0
  if (holes) return unknown
  // Without holes the stored entries are exactly positions entriesAdded - length + 1 ... entriesAdded.
  if (first === undefined || compareIds(first, start) > 0) {
    const base = state.entriesAdded - state.length
    return ids.map((_, i) => base + i + 1)
  }
  if (startPosition === undefined) return unknown
  return ids.map((_, i) => startPosition + i + 1)
}

/** The position of the newest entry: entries-added, when it is the newest ever added. */
export function lastPosition(state: StreamState): number | undefined {
  if (state.entriesAdded === undefined || state.lastId === undefined) return undefined
  return state.lastId === state.lastGeneratedId ? state.entriesAdded : undefined
}
