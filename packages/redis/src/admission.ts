/**
 * maxEntriesPerTrigger across streams: each stream gets an equal share, and what a stream
 * with fewer entries waiting leaves unused goes to the others, so a busy stream is not held
 * back by a quiet one and no stream waits behind a busy one.
 */

/** How many of `available[i]` entries each stream may read, `max` in all. */
export function shareLimit(available: readonly number[], max: number): number[] {
  const grant = available.map(() => 0)
  let left = max
  let open = available.map((_, i) => i).filter((i) => available[i] > 0)
  while (left > 0 && open.length > 0) {
    const share = Math.max(1, Math.floor(left / open.length))
    for (const i of open) {
      const take = Math.min(share, available[i] - grant[i], left)
      grant[i] += take
      left -= take
      if (left === 0) break
    }
    open = open.filter((i) => grant[i] < available[i])
  }
  return grant
}
