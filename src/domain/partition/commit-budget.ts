/**
 * Commits that always fit the broker's limits (docs/kafkajs.md, "commits that cannot fit").
 *
 * Offset metadata: the commit carries the finished offsets above the commit point, run-length
 * encoded (offset-window.ts): `k1:` then alternating run lengths in base 36 joined by `.`. Over a
 * span of `s` offsets above the commit point the longest encoding alternates runs of one, i.e. at
 * most `s` numbers of one character plus `s` separators. A lane therefore never starts a record at
 * or beyond `commitPoint + maxWindowSpan(limit)`; the encoding then fits whatever order records
 * finish in, because the lowest unfinished offset only moves up.
 */
const ENCODING_PREFIX_BYTES = 3;
/** Room left under the broker's limit for anything the limit may count besides our string. */
const METADATA_MARGIN_BYTES = 64;

export function maxWindowSpan(metadataLimitBytes: number): number {
  return Math.max(1, Math.floor((metadataLimitBytes - ENCODING_PREFIX_BYTES - METADATA_MARGIN_BYTES) / 2));
}

/**
 * Record batches under the broker's message size: kafkajs sends each `send` as one batch per
 * partition, and the broker refuses a batch over `max.message.bytes` (MESSAGE_TOO_LARGE, which
 * retrying never fixes). Splits `items` in order into groups whose summed sizes stay within
 * `maxBytes`; an item larger than `maxBytes` alone forms its own group (the caller decides).
 */
export function splitBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && bytes + size > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Bytes a record adds to a batch beyond its key and value (Kafka record format v2: varint
 * lengths, attributes, deltas, headers count), rounded up generously; the batch header is
 * covered by the budget's own margin.
 */
export const RECORD_OVERHEAD_BYTES = 32;
/** Batch header and compression slack kept free under `max.message.bytes`. */
export const BATCH_MARGIN_BYTES = 1024;

/** The bytes a send may carry on one partition under a `max.message.bytes` of `limit`. */
export function sendBudgetBytes(limit: number): number {
  return Math.max(1, limit - BATCH_MARGIN_BYTES);
}
