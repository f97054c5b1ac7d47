/**
 * The life of one assigned partition in a partition processor (docs/architecture.md). Every move
 * goes through `moveLane`, and a move the table does not allow is a bug, so it throws — the same
 * discipline as kafkajs's own transaction state machine, which kretry's lanes wrap.
 *
 * - `opening`: fence the previous owner (a transaction begun and aborted under the partition's
 *   transactional id), then read the committed offset and its metadata. Also the state a lane
 *   re-enters after a producer or commit error, after a capped backoff.
 * - `active` ⇄ `paused`: records are taken, attempted and committed; `paused` only means the
 *   partition's fetching is paused (look-ahead full, nothing can be due, or decoding waits).
 * - `draining`: shutting down; nothing new starts, in-flight work finishes and commits.
 * - `closed`: revoked, fenced or stopped; a closed lane never commits again. A partition that is
 *   assigned again gets a lane that opens afresh.
 */
export const LANE_STATES = ['opening', 'active', 'paused', 'draining', 'closed'] as const;
export type LaneState = (typeof LANE_STATES)[number];

export const LANE_TRANSITIONS: Readonly<Record<LaneState, readonly LaneState[]>> = {
  opening: ['opening', 'active', 'draining', 'closed'],
  active: ['paused', 'opening', 'draining', 'closed'],
  paused: ['active', 'opening', 'draining', 'closed'],
  draining: ['closed'],
  closed: ['opening'],
};

export class IllegalLaneMove extends Error {
  constructor(
    readonly from: LaneState,
    readonly to: LaneState,
  ) {
    super(`invariant: a lane cannot move from ${from} to ${to}`);
    this.name = 'IllegalLaneMove';
  }
}

/** The state after a legal move; throws `IllegalLaneMove` otherwise. */
export function moveLane(from: LaneState, to: LaneState): LaneState {
  if (!LANE_TRANSITIONS[from].includes(to)) throw new IllegalLaneMove(from, to);
  return to;
}

/** States in which a lane may start records and commit them. */
export function isLive(state: LaneState): boolean {
  return state === 'active' || state === 'paused';
}

/**
 * The wait before a lane's next open attempt: doubling from `baseMs`, capped at `maxMs`, so a
 * lane that cannot open (broker away) costs a few log lines a minute, never a hot loop.
 */
export function reopenDelayMs(failures: number, baseMs = 500, maxMs = 15_000): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 20));
}
