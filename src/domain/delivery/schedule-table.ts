import { formatDuration } from '../duration.js';
import { DEFAULT_POLICY, tierDelayMs, type RetryPolicy } from '../policy.js';
import { strategyDelayMs, type BackoffStrategy } from './backoff.js';
import { placeWait } from './placement.js';

/** One retry of a schedule: the delay a strategy asks for, and how the tiers carry it. */
export interface ScheduledRetry {
  readonly retry: number;
  /** The strategy's delay before jitter. */
  readonly delayMs: number;
  /** When the retry is really made: the delay, or the smallest band's floor for a shorter one. */
  readonly carriedMs: number;
  /** The tier topic of each leg, e.g. ['retry-60m', 'retry-16m']. */
  readonly legs: readonly string[];
}

/**
 * The first `retries` retries of a strategy on a policy's tiers, at the middle of the jitter (no
 * jitter drawn): what the README's table of strategies shows, generated from the code that decides.
 */
export function scheduleOf(
  strategy: BackoffStrategy,
  retries: number,
  policy: RetryPolicy = DEFAULT_POLICY,
): ScheduledRetry[] {
  const label = (slot: number): string => `retry-${formatDuration(tierDelayMs(policy, slot))}`;
  const rows: ScheduledRetry[] = [];
  for (let retry = 1; retry <= retries; retry++) {
    if (strategy.kind === 'tiers') {
      const delayMs = tierDelayMs(policy, retry - 1);
      rows.push({ retry, delayMs, carriedMs: delayMs, legs: [label(retry - 1)] });
      continue;
    }
    const delayMs = strategyDelayMs(strategy, retry);
    const legs: string[] = [];
    let now = 0;
    let place = placeWait(policy, now, delayMs);
    legs.push(label(place.slot));
    while (place.notBefore !== null && place.notBefore > place.dueAt) {
      now = place.dueAt;
      place = placeWait(policy, now, place.notBefore - now);
      legs.push(label(place.slot));
    }
    rows.push({ retry, delayMs, carriedMs: place.dueAt, legs });
  }
  return rows;
}

/** The strategies the README shows, each with the JSON a user writes for it. */
export const EXAMPLE_STRATEGIES: readonly { readonly json: string; readonly strategy: BackoffStrategy }[] = [
  { json: '{"kind":"tiers"} (the default)', strategy: { kind: 'tiers' } },
  {
    json: '{"kind":"exponential","base":"1m","multiplier":2,"max":"4h"}',
    strategy: { kind: 'exponential', baseMs: 60_000, multiplier: 2, maxMs: 4 * 3_600_000, jitter: null },
  },
  {
    json: '{"kind":"linear","step":"5m","max":"30m"}',
    strategy: { kind: 'linear', stepMs: 5 * 60_000, maxMs: 30 * 60_000, jitter: null },
  },
  { json: '{"kind":"fixed","delay":"10m"}', strategy: { kind: 'fixed', delayMs: 10 * 60_000, jitter: null } },
  {
    json: '{"kind":"custom","delays":["30s","5m","1h","6h"]}',
    strategy: { kind: 'custom', delaysMs: [30_000, 5 * 60_000, 3_600_000, 6 * 3_600_000], jitter: null },
  },
];

/** The README's table: one row per strategy, one cell per retry. */
export function scheduleTableMarkdown(retries = 6): string {
  const header = `| strategy | ${Array.from({ length: retries }, (_, i) => `retry ${i + 1}`).join(' | ')} |`;
  const rule = `|---|${Array.from({ length: retries }, () => '---').join('|')}|`;
  const rows = EXAMPLE_STRATEGIES.map(({ json, strategy }) => {
    const cells = scheduleOf(strategy, retries).map((r) => {
      const when =
        r.carriedMs === r.delayMs
          ? formatDuration(r.delayMs)
          : `${formatDuration(r.delayMs)} → ${formatDuration(r.carriedMs)}`;
      const legs = groupLegs(r.legs);
      return `${when} on ${legs}`;
    });
    return `| \`${json}\` | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** `retry-1h, retry-1h, retry-16m` as `retry-1h × 2 + retry-16m`. */
function groupLegs(legs: readonly string[]): string {
  const groups: { label: string; count: number }[] = [];
  for (const label of legs) {
    const last = groups.at(-1);
    if (last?.label === label) last.count++;
    else groups.push({ label, count: 1 });
  }
  return groups.map((g) => (g.count === 1 ? g.label : `${g.label} × ${g.count}`)).join(' + ');
}
