import type { ReceiverStats } from './receiver.js';
import type { RssTrace } from './rss.js';
import type { Scenario } from './peer.js';

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly n: number;
}

/** Nearest-rank percentiles; all zero for no values. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return { p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] ?? 0, n: sorted.length };
}

export interface TierLateness {
  /** 1-based tier: the retry after the n-th failed attempt. */
  readonly tier: number;
  readonly nominalMs: number;
  /** Lateness (see {@link latenessMs}) in ms. */
  readonly lateness: Percentiles;
  /** Failed attempt → next attempt, as measured at the receiver, in ms. */
  readonly gap: Percentiles;
}

/**
 * How late a retry came: its arrival at the receiver minus the latest moment the schedule
 * allows, which is the failed attempt's arrival plus the nominal tier delay stretched by the full
 * jitter (nominal × (1 + jitter)); clipped at 0. A retry inside its jitter band is on time, however
 * early in the band it came; the raw gaps are reported beside it so nothing hides in the clip.
 * The failed attempt's own response time is not subtracted: it counts as lateness (a few ms here).
 */
export function latenessMs(gapMs: number, nominalMs: number, jitter: number): number {
  return Math.max(0, gapMs - nominalMs * (1 + jitter));
}

export function tierLateness(
  stats: ReceiverStats,
  tiersMs: readonly number[],
  jitter: number,
): TierLateness[] {
  const byTier = new Map<number, number[]>();
  for (const { tier, gapMs } of stats.gaps) {
    const gaps = byTier.get(tier) ?? [];
    gaps.push(gapMs);
    byTier.set(tier, gaps);
  }
  return [...byTier.entries()]
    .sort(([a], [b]) => a - b)
    .map(([tier, gaps]) => {
      const nominalMs = tiersMs[Math.min(tier, tiersMs.length) - 1] ?? 0;
      return {
        tier,
        nominalMs,
        lateness: percentiles(gaps.map((g) => latenessMs(g, nominalMs, jitter))),
        gap: percentiles(gaps),
      };
    });
}

/** The outcome of one system in one scenario in one run. */
export interface PhaseResult {
  readonly system: string;
  readonly scenario: Scenario;
  readonly run: number;
  readonly count: number;
  /** First attempts per second, first to last first request at the receiver (scenario A). */
  readonly rate: number;
  readonly seconds: number;
  /** Ids never answered 200 by the end of the phase. */
  readonly lost: number;
  readonly duplicateIds: number;
  readonly duplicateRequests: number;
  readonly requests: number;
  readonly unretried: number;
  readonly tiers: readonly TierLateness[];
  readonly rss: RssTrace;
  /** CPU seconds of the system's process from the first request to the end of the phase. */
  readonly cpuSeconds: number;
  /** Why the phase ended early, if it did (a stall: no request for the stall timeout). */
  readonly stalled: boolean;
  /** Events the peer's process reported (e.g. a consumer crash). */
  readonly events: readonly string[];
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}
