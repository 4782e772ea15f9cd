/**
 * The files a streaming file source has taken, as Spark's SeenFilesMap: a file is new when
 * it was never taken and is not older than `maxFileAge` before the newest file taken.
 * Forgetting files older than that bounds the memory, and is safe because such files are
 * refused by age anyway.
 */
export class SeenFiles {
  private readonly seen = new Map<string, number>()
  private latestMs = Number.NEGATIVE_INFINITY
  /** Files older than this are neither new nor remembered. Nothing is too old before the first purge. */
  private oldestAcceptedMs = Number.NEGATIVE_INFINITY

  constructor(private readonly maxAgeMs: number) {}

  get size(): number {
    return this.seen.size
  }

  add(key: string, mtimeMs: number): void {
    this.seen.set(key, mtimeMs)
    if (mtimeMs > this.latestMs) this.latestMs = mtimeMs
  }

  /** Never taken, but older than maxFileAge allows: skipped for good (counted by the source). */
  isTooOld(key: string, mtimeMs: number): boolean {
    return mtimeMs < this.oldestAcceptedMs && !this.seen.has(key)
  }

  isNew(key: string, mtimeMs: number): boolean {
    return mtimeMs >= this.oldestAcceptedMs && !this.seen.has(key)
  }

  purge(): void {
    if (!Number.isFinite(this.maxAgeMs) || !Number.isFinite(this.latestMs)) return
    this.oldestAcceptedMs = this.latestMs - this.maxAgeMs
    for (const [key, mtimeMs] of this.seen) {
      if (mtimeMs < this.oldestAcceptedMs) this.seen.delete(key)
    }
  }
}
