import type { RetryPolicy } from '../policy.js';

/** Where a wait computed by a strategy travels: a tier topic, when it falls due there, and whether more waiting follows. */
export interface Placement {
  /** Index into the policy's tiers of the topic that carries the wait. */
  readonly slot: number;
  readonly dueAt: number;
  /** Set when this leg ends before the wait does: the tier worker moves the delivery on again (a hop). */
  readonly notBefore: number | null;
}

/**
 * Places a wait of `waitMs` from `now` on the tiers: on the largest tier that can carry it without
 * making it late (the tier's delay less jitter does not exceed the wait), where it waits until due.
 * That is the largest tier whose delay does not exceed the wait, or the next one up when the wait
 * is already inside that tier's jitter band: either way the record is due at exactly the wait.
 *
 * A tier worker reads ahead on the promise that every record on its topic falls due within the
 * tier's delay ± jitter of being written (pause-decision.ts). A record due later than that band
 * still sits in the look-ahead and, worse, holds the partition's offset window: a few thousand
 * records later the partition stops fetching until it is attempted. That is head-of-line blocking,
 * and a long custom delay would cause it. So a record never waits on a tier beyond its band:
 * - a wait inside some tier's band is placed there and is exact;
 * - a wait between two bands or beyond the longest tier is carried in legs (hops), each inside its
 *   tier's band, and the last leg ends exactly at the wait when it can;
 * - a wait shorter than the smallest tier's band is rounded up to it (the tiers cannot carry less).
 */
export function placeWait(policy: RetryPolicy, now: number, waitMs: number): Placement {
  const tiers = policy.tiersMs;
  const band = (slot: number): { lo: number; hi: number } => {
    const delay = tiers[slot] ?? 0;
    return { lo: Math.ceil(delay * (1 - policy.jitter)), hi: Math.floor(delay * (1 + policy.jitter)) };
  };
  // Largest first: the tier that carries the wait in one leg with the least time in the look-ahead
  // beyond its own delay is the longest whose band holds it.
  for (let slot = tiers.length - 1; slot >= 0; slot -= 1) {
    const { lo, hi } = band(slot);
    if (waitMs >= lo && waitMs <= hi) return { slot, dueAt: now + waitMs, notBefore: null };
  }
  const smallest = band(0);
  if (waitMs < smallest.lo) return { slot: 0, dueAt: now + smallest.lo, notBefore: null };
  // More than one leg: the largest tier not longer than the wait, for as long as its band allows,
  // leaving a remainder that a later leg can carry exactly (at least the smallest band's floor).
  let slot = 0;
  for (let s = 0; s < tiers.length; s += 1) if ((tiers[s] ?? Infinity) <= waitMs) slot = s;
  const { lo, hi } = band(slot);
  const leg = Math.max(lo, Math.min(hi, waitMs - smallest.lo));
  return { slot, dueAt: now + leg, notBefore: now + waitMs };
}

/**
 * How long a wait of `waitMs` really lasts on the tiers, every leg followed: `waitMs` itself, or
 * more when the tiers cannot carry it exactly (less than the smallest band, or a remainder that is).
 */
export function carriedWaitMs(policy: RetryPolicy, waitMs: number): number {
  let now = 0;
  let place = placeWait(policy, now, waitMs);
  // Each leg lasts at least the smallest band's floor, so this ends; the bound only guards a bug.
  for (let legs = 0; place.notBefore !== null && place.notBefore > place.dueAt && legs < 100_000; legs++) {
    now = place.dueAt;
    place = placeWait(policy, now, place.notBefore - now);
  }
  return place.dueAt;
}
