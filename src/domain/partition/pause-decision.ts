/** What the pause decision looks at: one lane's buffers, in-flight work and clock. */
export interface PauseInputs {
  /** Records in the look-ahead, not yet started. */
  readonly queued: number;
  /** Records finished, waiting for a commit. */
  readonly pending: number;
  readonly lookahead: number;
  /** Due time of the earliest queued record, or undefined when none is queued. */
  readonly earliestDue: number | undefined;
  /** Latest `scheduledAt` fetched so far on this partition. */
  readonly frontierScheduledAt: number;
  /** Shortest delay any record of the topic can have (tier delay less jitter); 0 for ingest. */
  readonly minDelayMs: number;
  /** Decoding waits for the registry (a transient error) until this time; 0 when it does not. */
  readonly decodeBlockedUntil: number;
  /** The offset the next fetched record will have. */
  readonly nextTake: number;
  /** The first offset beyond the window a commit can encode (offset-ledger.ts). */
  readonly windowEnd: number;
  readonly now: number;
}

/**
 * Whether a lane's partition should stop fetching. Pausing is flow control only: a paused
 * partition keeps its records in Kafka, never in memory.
 * - Full: the look-ahead holds enough to keep attempts busy, or finished records pile up waiting
 *   for a commit (the broker is slow or away). Either bound keeps memory independent of backlog.
 * - Window: the next record lies beyond the offset window a commit can encode; fetching it would
 *   only park it in memory.
 * - Waiting: nothing queued is due, and nothing not yet fetched can be due sooner than the earliest
 *   queued record (the frontier's scheduledAt plus the topic's shortest delay).
 * - Decoding is waiting for the registry to come back.
 */
export function shouldPause(input: PauseInputs): boolean {
  if (input.decodeBlockedUntil > input.now) return true;
  if (input.queued >= input.lookahead || input.pending >= 2 * input.lookahead) return true;
  if (input.nextTake >= input.windowEnd) return true;
  const { earliestDue } = input;
  return (
    earliestDue !== undefined &&
    earliestDue > input.now &&
    input.frontierScheduledAt + input.minDelayMs >= earliestDue
  );
}
