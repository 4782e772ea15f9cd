/**
 * Settings that change a query's results are recorded in every `offsets/N`. On restart the
 * recorded values win over the session's, for the replayed batch and every batch after it,
 * as Spark's OffsetSeqMetadata does: changing the watermark policy or the session time zone
 * of a running query would otherwise change answers in the middle of a stream.
 */

/** The settings recorded in the offset log. */
export const RECORDED_CONF = [
  'tributary.sql.shuffle.partitions',
  'tributary.sql.session.timeZone',
  'tributary.streaming.multipleWatermarkPolicy',
  'tributary.stateStore.provider',
] as const

/**
 * The values a query runs with: the session's on a new checkpoint (`recorded` null), else
 * the ones the newest offset log entry recorded. A setting that the checkpoint does not
 * record (written before it was recorded, or left unset) falls back to the session's.
 */
export function effectiveConf(
  recorded: Readonly<Record<string, string>> | null,
  session: (key: string) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of RECORDED_CONF) {
    const v = recorded?.[k] ?? session(k)
    if (v !== undefined) out[k] = v
  }
  return out
}
