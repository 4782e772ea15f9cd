/**
 * One LMDB environment per (operator, partition): `<checkpoint>/state/<operator>/<partition>/state.mdb`
 * (+ `state.mdb-lock`). It holds four named databases:
 *
 * - `data`: state key → value (msgpack), for keys LMDB can hold as they are.
 * - `wide`: sha256(key) → [key as UTF-16, value], for keys LMDB cannot hold as they are: empty,
 *   longer than its key limit (1978 bytes of UTF-8), or with lone surrogates (UTF-8 would
 *   change them). Rare; prefix scans read all of it.
 * - `undo`: [version, seq] → [key, before-image bytes | null]: the keys that the commit of
 *   `version` changed and what they held before it, so the store can go back to version-1.
 * - `meta`: `version` (the version the data is at), `numKeys`, `undoFrom` (the oldest
 *   version the undo records can go back to), `format`.
 *
 * Every change to data, undo and meta happens in one LMDB transaction, so the version
 * marker can never disagree with the data, whatever the moment of a crash.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import type { Database, RootDatabase } from 'lmdb'
import { diskError, freeBytes, isDiskError, namedDiskErrors } from '../util/disk-errors.js'
import { CheckpointError, StorageError } from '../util/errors.js'

export const STATE_FILE = 'state.mdb'
const FORMAT = 'tributary-lmdb-state-1'

type Lmdb = typeof import('lmdb')
let lmdbModule: Promise<Lmdb> | undefined

/** Loaded on first use, so that queries on the memory provider never load the native addon. */
function loadLmdb(): Promise<Lmdb> {
  lmdbModule ??= import('lmdb')
  return lmdbModule
}

/** The value codec: msgpack with the extensions that keep Map, Set, typed arrays and BigInt what they were. */
const VALUE_ENCODER = { moreTypes: true, useBigIntExtension: true }

/**
 * Keys as plain UTF-8: byte order is code point order and a prefix of a key encodes to a
 * prefix of its bytes, so prefix scans are LMDB range scans. lmdb's default key encoding
 * (ordered-binary) escapes some characters and would need the same care, for no gain.
 */
const UTF8_KEYS = {
  writeKey(key: string | Uint8Array, target: Buffer, start: number): number {
    // lmdb passes bytes of its own for range bounds left open (reverse scans).
    if (typeof key !== 'string') {
      target.set(key, start)
      return start + key.length
    }
    const written = target.write(key, start, 'utf8')
    // write() stops silently at the end of the buffer; lmdb retries with a fresh buffer on RangeError.
    if (target.length - start < key.length * 3 && written !== Buffer.byteLength(key)) {
      throw new RangeError('key does not fit in the key buffer')
    }
    return start + written
  },
  readKey(buffer: Buffer, start: number, end: number): string {
    return buffer.toString('utf8', start, end)
  },
}

const LONE_SURROGATE = /\p{Cs}/u
const MAX_KEY_BYTES = 1978

/** True when the key goes to `data` as it is; false for the `wide` database. */
export function isPlainKey(key: string): boolean {
  if (key.length === 0) return false
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key) > MAX_KEY_BYTES) return false
  return !LONE_SURROGATE.test(key)
}

function wideKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf16le').digest()
}

/**
 * A `wide` entry: the key itself (the database key is its hash) and its value. The key is
 * kept as UTF-16 bytes because msgpack strings are UTF-8, which lone surrogates do not survive.
 */
type WideEntry = [key: Uint8Array, value: unknown]

const wideEntryKey = (entry: WideEntry): string => Buffer.from(entry[0]).toString('utf16le')

/** A changed key (as UTF-16 bytes when it is a `wide` key, for the same reason) and its bytes before the change. */
type UndoRecord = [key: string | Uint8Array, before: Uint8Array | null]

function corrupt(file: string, problem: string, cause?: unknown): CheckpointError {
  return new CheckpointError(
    `CORRUPT_CHECKPOINT_FILE: state file ${file} ${problem}. Restore the state folder from a backup, or delete the checkpoint to start the query over.`,
    'CORRUPT_CHECKPOINT_FILE',
    { cause },
  )
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file)
    return true
  } catch {
    return false
  }
}

/** lmdb's databases carry the codec their values are read with (not in its type declarations). */
interface Decoding {
  readonly decoder: { decode(bytes: Uint8Array): unknown }
}

/** The open LMDB environment of a store and its four databases. */
interface Handles {
  readonly root: RootDatabase
  readonly data: Database<unknown, string>
  readonly wide: Database<unknown, Buffer>
  readonly undo: Database<UndoRecord, [number, number]>
  readonly meta: Database<unknown, string>
}

/**
 * Address space reserved for a store's map (not memory, not disk). lmdb otherwise starts
 * at 128 KiB and doubles the map as the file grows, and every old mapping stays mapped with
 * its resident pages: measured here, that doubled the resident file pages. A store that
 * outgrows this still works (lmdb grows the map); 32 GiB × 4,000 stores fits in the
 * 128 TiB of a 64-bit address space.
 */
const MAP_SIZE = 32 * 2 ** 30

/**
 * No LMDB write starts with less free space than this (tributary.stateStore.lmdb.minFreeBytes):
 * LMDB can crash the process (SIGSEGV/SIGBUS) when the disk fills during a write
 * transaction, where the other stores fail with ENOSPC. 64 MiB covers the pages of large
 * batches; a batch that writes more than that of state needs a larger setting.
 */
export const DEFAULT_LMDB_MIN_FREE_BYTES = 64 * 2 ** 20

function openHandles(lmdb: Lmdb, file: string): Handles {
  let root: RootDatabase
  try {
    // noReadAhead (MADV_RANDOM): state is read by point lookups; read-ahead and fault-around would
    // page in, and keep resident, neighbours nobody asked for.
    root = lmdb.open({
      path: file,
      noSubdir: true,
      maxDbs: 4,
      mapSize: MAP_SIZE,
      noReadAhead: true,
    } as object)
  } catch (e) {
    if (isDiskError(e)) throw diskError(e, file, 'open the state store')
    throw corrupt(file, `cannot be opened by LMDB (${(e as Error).message})`, e)
  }
  return {
    root,
    data: root.openDB<unknown, string>('data', { keyEncoder: UTF8_KEYS, encoder: VALUE_ENCODER } as object),
    wide: root.openDB<unknown, Buffer>('wide', { keyEncoding: 'binary', encoder: VALUE_ENCODER } as object),
    undo: root.openDB<UndoRecord, [number, number]>('undo', {}),
    meta: root.openDB<unknown, string>('meta', {}),
  }
}

/** An open store environment; the provider keeps one per folder for as long as the query runs. */
export class StoreEnv {
  version = 0
  numKeys = 0
  undoFrom = 0
  private closed = false
  private h: Handles

  private constructor(
    readonly dir: string,
    private readonly lmdb: Lmdb,
    handles: Handles,
  ) {
    this.h = handles
  }

  get file(): string {
    return path.join(this.dir, STATE_FILE)
  }

  private get data(): Database<unknown, string> {
    return this.h.data
  }
  private get wide(): Database<unknown, Buffer> {
    return this.h.wide
  }
  private get undo(): Database<UndoRecord, [number, number]> {
    return this.h.undo
  }
  private get meta(): Database<unknown, string> {
    return this.h.meta
  }

  /**
   * Opens (or, for version 0, creates) the store in `dir`. A store that should exist for
   * `version` but does not is an error, never an empty start: the query would silently
   * forget its state.
   */
  static async open(
    dir: string,
    version: number,
    minFreeBytes = DEFAULT_LMDB_MIN_FREE_BYTES,
  ): Promise<StoreEnv> {
    const file = path.join(dir, STATE_FILE)
    if (!(await exists(file))) {
      if (version > 0) throw await missingStore(dir, version)
      await fs.mkdir(dir, { recursive: true })
    } else {
      await checkHeader(file)
    }
    const lmdb = await loadLmdb()
    const handles = openHandles(lmdb, file)
    try {
      const env = new StoreEnv(dir, lmdb, handles)
      env.minFreeBytes = minFreeBytes
      await env.readMeta(version)
      return env
    } catch (e) {
      await handles.root.close()
      throw e
    }
  }

  /** Bytes of the file up to its last page in use (its high-water mark). */
  mappedBytes(): number {
    const s = this.h.root.getStats() as Record<string, number>
    return (s.lastPageNumber + 1) * s.pageSize
  }

  /**
   * Closes and opens the environment again: that unmaps the file (pages read through a map
   * stay resident for as long as it exists, so a store read at random keys would end up
   * with all of its file resident) and frees the page buffers LMDB keeps from write
   * transactions. Store objects keep working: they reach LMDB through this object.
   */
  async remap(): Promise<void> {
    if (this.closed) return
    const old = this.h
    await old.root.close()
    this.h = openHandles(this.lmdb, this.file)
  }

  private async readMeta(requested: number): Promise<void> {
    const format = this.meta.get('format')
    if (format === undefined) {
      if (requested > 0) throw corrupt(this.file, 'has no Tributary state in it (no format marker)')
      await this.write(() => {
        this.meta.putSync('format', FORMAT)
        this.meta.putSync('version', 0)
        this.meta.putSync('numKeys', 0)
        this.meta.putSync('undoFrom', 0)
      })
    } else if (format !== FORMAT) {
      throw corrupt(this.file, `holds state in format '${String(format)}', not '${FORMAT}'`)
    }
    const version = this.meta.get('version') ?? 0
    const numKeys = this.meta.get('numKeys') ?? 0
    const undoFrom = this.meta.get('undoFrom') ?? 0
    if (![version, numKeys, undoFrom].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
      throw corrupt(this.file, 'has a damaged version marker')
    }
    this.version = version as number
    this.numKeys = numKeys as number
    this.undoFrom = undoFrom as number
  }

  /**
   * Runs `fn` in one write transaction (a child transaction, so that a throw aborts all of
   * it) and returns once the transaction is on disk. lmdb commits with overlapping sync by
   * default: the promise of the transaction resolves when it is visible, `flushed` when it
   * is durable; the commit log must only be written after the latter.
   */
  async write(fn: () => void): Promise<void> {
    if (this.closed) throw new Error(`state store ${this.dir} is closed; the query has stopped`)
    // LMDB must not start a write on a (nearly) full disk: see lmdbMinFreeBytes.
    const free = freeBytes(this.dir)
    if (free !== undefined && free < this.minFreeBytes) {
      throw new StorageError(
        `DISK_FULL: the LMDB state store ${this.file} is not written with ${free} bytes free on its disk, under tributary.stateStore.lmdb.minFreeBytes (${this.minFreeBytes}): LMDB can crash the process when the disk fills in the middle of a write. The checkpoint is left as it was before this batch. Free space and restart the query; it goes on from the last committed batch with exact output.`,
        'DISK_FULL',
      )
    }
    await namedDiskErrors(this.file, 'commit state', async () => {
      await this.h.root.childTransaction(fn)
      await this.h.root.flushed
    })
  }

  /** Free bytes below which no write transaction starts (tributary.stateStore.lmdb.minFreeBytes). */
  minFreeBytes = DEFAULT_LMDB_MIN_FREE_BYTES

  /** The value that bytes from getRaw(key) hold. */
  decode(key: string, bytes: Uint8Array): unknown {
    if (isPlainKey(key)) return (this.data as unknown as Decoding).decoder.decode(bytes)
    const entry = (this.wide as unknown as Decoding).decoder.decode(bytes) as WideEntry
    return wideEntryKey(entry) === key ? entry[1] : undefined
  }

  /** The stored bytes of `key` (a copy), or undefined; inside write(), as the transaction sees them. */
  getRaw(key: string): Uint8Array | undefined {
    return isPlainKey(key) ? this.data.getBinary(key) : this.wide.getBinary(wideKey(key))
  }

  /** Inside write(). */
  putValue(key: string, value: unknown): void {
    if (isPlainKey(key)) this.data.putSync(key, value)
    else this.wide.putSync(wideKey(key), [Buffer.from(key, 'utf16le'), value])
  }

  /** Inside write(): puts back bytes from getRaw(), or removes the key when they are null. */
  putRaw(key: string, bytes: Uint8Array | null): void {
    const plain = isPlainKey(key)
    if (bytes === null) {
      if (plain) this.data.removeSync(key)
      else this.wide.removeSync(wideKey(key))
    } else if (plain) {
      this.data.putSync(key, this.lmdb.asBinary(bytes))
    } else {
      this.wide.putSync(wideKey(key), this.lmdb.asBinary(bytes))
    }
  }

  /** Inside write(): remembers what `key` held before the commit of `version` (undefined: absent). */
  putUndo(version: number, seq: number, key: string, before: Uint8Array | undefined): void {
    const stored = isPlainKey(key) ? key : Buffer.from(key, 'utf16le')
    this.undo.putSync([version, seq], [stored, before ?? null])
  }

  /** Inside write(): records the new version and key count in the same transaction as the data. */
  setVersion(version: number, numKeys: number): void {
    this.meta.putSync('version', version)
    this.meta.putSync('numKeys', numKeys)
  }

  /** The version stored on disk, read again: a second loader of the same folder may have moved it. */
  storedVersion(): number {
    return (this.meta.get('version') as number | undefined) ?? 0
  }

  /** Entries of `data` and `wide` whose key starts with prefix, read lazily from LMDB. */
  *scan(prefix: string): IterableIterator<[string, unknown]> {
    // '\u0000' is the least key there can be ('' itself lives in `wide`); lmdb's own default start would skip keys below '\u0005'.
    for (const { key, value } of this.data.getRange({ start: prefix === '' ? '\u0000' : prefix })) {
      if (!key.startsWith(prefix)) break
      yield [key, value]
    }
    for (const { value } of this.wide.getRange({})) {
      const entry = value as WideEntry
      const key = wideEntryKey(entry)
      if (key.startsWith(prefix)) yield [key, entry[1]]
    }
  }

  /**
   * Brings the data back to `target` < version by applying the undo records of
   * version, version-1, ..., target+1 (newest first), in one transaction.
   */
  async rollBack(target: number): Promise<void> {
    if (target < this.undoFrom) {
      throw new CheckpointError(
        `STATE_VERSION_UNAVAILABLE: state store ${this.dir} is at version ${this.version} and cannot go back to version ${target}: undo records before version ${this.undoFrom + 1} were removed by maintenance (tributary.sql.streaming.minBatchesToRetain). Restore the state folder from a backup taken at batch ${target}, or delete the checkpoint to start the query over.`,
        'STATE_VERSION_UNAVAILABLE',
      )
    }
    let numKeys = this.numKeys
    await this.write(() => {
      for (let v = this.version; v > target; v--) {
        const records = [...this.undo.getRange({ start: [v, 0], end: [v + 1, 0] })]
        for (const { key: undoKey, value } of records) {
          const [stored, before] = value
          const key = typeof stored === 'string' ? stored : Buffer.from(stored).toString('utf16le')
          const had = this.getRaw(key) !== undefined
          this.putRaw(key, before)
          numKeys += (before !== null ? 1 : 0) - (had ? 1 : 0)
          this.undo.removeSync(undoKey)
        }
      }
      this.setVersion(target, numKeys)
    })
    this.version = target
    this.numKeys = numKeys
  }

  /** Deletes the undo records not needed to go back to any version >= minVersion. */
  async trimUndo(minVersion: number): Promise<void> {
    const upTo = Math.min(minVersion, this.version)
    if (upTo <= this.undoFrom) return
    await this.write(() => {
      // In chunks, collected before removing: a cursor should not walk the entries it deletes.
      for (;;) {
        const keys = [...this.undo.getKeys({ end: [upTo + 1, 0], limit: 10_000 })]
        if (keys.length === 0) break
        for (const key of keys) this.undo.removeSync(key)
      }
      this.meta.putSync('undoFrom', upTo)
    })
    this.undoFrom = upTo
  }

  /** Bytes of the pages the store's B-trees use (free pages and the lock file excluded). */
  usedBytes(): number {
    let bytes = 0
    for (const db of [this.data, this.wide, this.undo, this.meta] as Database[]) {
      const s = db.getStats() as Record<string, number>
      bytes += (s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages) * s.pageSize
    }
    return bytes
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.h.root.close()
  }
}

/*
 * lmdb crashes the process (SIGSEGV, SIGBUS) on a file that is not LMDB, or that ends
 * before a page it reads, instead of returning an error. So the header is checked here
 * first, with the layout of the LMDB that lmdb 3.x bundles on 64-bit platforms: a meta
 * page holds a 24-byte page header (flags at 18, P_META = 8), then the magic 0xBEEFC0DE
 * (at 24), the data version 2 (at 28), the page size (at 48), the root page of the free
 * list (at 88) and of the main tree (at 136), and the transaction id (at 152). LMDB reads
 * the meta pages at 0, half a page (with overlapping sync) and one page.
 *
 * The roots of a committed tree are on disk, so a file that ends before them is
 * truncated. The last page number a meta records is no test: the file may legitimately
 * end before it when the last pages allocated were freed again (found by the property
 * test). A store that passes with some meta page is let through, because after a power
 * loss LMDB may open an older snapshot than the newest meta. Damage elsewhere cannot be
 * seen this way: LMDB keeps no page checksums.
 */
const P_META = 0x08
const MDB_MAGIC = 0xbeefc0de
const MDB_DATA_VERSION = 2
const P_INVALID = 0xffffffffffffffffn

interface MetaPage {
  readonly pageSize: number
  /** Root page numbers of the free list and the main tree (absent for an empty tree). */
  readonly roots: readonly bigint[]
}

function readMeta(bytes: Buffer, offset: number): MetaPage | null {
  if (bytes.length < offset + 160) return null
  if ((bytes.readUInt16LE(offset + 18) & P_META) === 0) return null
  if (bytes.readUInt32LE(offset + 24) !== MDB_MAGIC) return null
  if ((bytes.readUInt32LE(offset + 28) & 0xffff) !== MDB_DATA_VERSION) return null
  return {
    pageSize: bytes.readUInt32LE(offset + 48),
    roots: [bytes.readBigUInt64LE(offset + 88), bytes.readBigUInt64LE(offset + 136)].filter(
      (r) => r !== P_INVALID,
    ),
  }
}

async function checkHeader(file: string): Promise<void> {
  const handle = await fs.open(file, 'r')
  let bytes: Buffer
  let size: number
  try {
    size = (await handle.stat()).size
    bytes = Buffer.alloc(Math.min(size, 65536 + 160))
    await handle.read(bytes, 0, bytes.length, 0)
  } finally {
    await handle.close()
  }
  const first = readMeta(bytes, 0)
  const pageSize = first?.pageSize ?? 0
  if (!first || pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw corrupt(file, 'is not an LMDB file of this version (its header is damaged or missing)')
  }
  const metas = [first, readMeta(bytes, pageSize / 2), readMeta(bytes, pageSize)].filter((m) => m !== null)
  const pages = BigInt(Math.floor(size / pageSize))
  if (!metas.some((m) => m.roots.every((root) => root < pages))) {
    const root = first.roots.find((r) => r >= pages)
    throw corrupt(file, `is ${size} bytes, but its B-tree starts at page ${root}, past its end (truncated)`)
  }
}

async function missingStore(dir: string, version: number): Promise<CheckpointError> {
  let names: string[] = []
  try {
    names = await fs.readdir(dir)
  } catch {}
  const memoryFiles = names.some((n) => /^\d+\.(delta|snapshot)$/.test(n))
  const hint = memoryFiles
    ? ` The folder holds state of the 'memory' provider: run the query with tributary.stateStore.provider=memory, as it was written.`
    : ' Restore the state folder from a backup, or delete the checkpoint to start the query over.'
  return new CheckpointError(
    `STATE_STORE_MISSING: the checkpoint needs state version ${version} but ${path.join(dir, STATE_FILE)} does not exist (lost or deleted).${hint}`,
    'STATE_STORE_MISSING',
  )
}
