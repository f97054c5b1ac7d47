import { spread, type PhaseResult, type Spread } from './metrics.js';
import type { Scenario } from './peer.js';

export interface TierSummary {
  readonly tier: number;
  readonly nominalMs: number;
  readonly latenessP50: Spread;
  readonly latenessP99: Spread;
  readonly latenessMax: Spread;
  readonly gapP50: Spread;
  readonly gapP99: Spread;
  readonly gapMax: Spread;
}

/** One system in one scenario across the runs: every figure the median with min and max. */
export interface SummaryRow {
  readonly system: string;
  readonly scenario: Scenario;
  readonly runs: number;
  readonly count: Spread;
  readonly rate: Spread;
  /** rate / the ceiling's rate in the same run (scenario A, when the ceiling ran). */
  readonly ratio: Spread | undefined;
  readonly lost: Spread;
  readonly duplicateRequests: Spread;
  readonly duplicateIds: Spread;
  readonly peakRssMb: Spread;
  /** CPU seconds of the system's process per 10,000 deliveries. */
  readonly cpuPer10k: Spread;
  readonly tiers: readonly TierSummary[];
  readonly stalledRuns: number;
}

export function summarize(results: readonly PhaseResult[]): SummaryRow[] {
  const keys = [...new Set(results.map((r) => `${r.scenario}\u0000${r.system}`))];
  return keys.map((key) => {
    const [scenario, system] = key.split('\u0000') as [Scenario, string];
    const rows = results.filter((r) => r.system === system && r.scenario === scenario);
    const ratios = rows.flatMap((r) => {
      const ceiling = results.find((c) => c.system === 'ceiling' && c.scenario === 'A' && c.run === r.run);
      return scenario === 'A' && ceiling !== undefined ? [r.rate / ceiling.rate] : [];
    });
    const tierNumbers = [...new Set(rows.flatMap((r) => r.tiers.map((t) => t.tier)))].sort((a, b) => a - b);
    const tiers = tierNumbers.map((tier): TierSummary => {
      const per = rows.flatMap((r) => r.tiers.filter((t) => t.tier === tier));
      return {
        tier,
        nominalMs: per[0]?.nominalMs ?? 0,
        latenessP50: spread(per.map((t) => t.lateness.p50)),
        latenessP99: spread(per.map((t) => t.lateness.p99)),
        latenessMax: spread(per.map((t) => t.lateness.max)),
        gapP50: spread(per.map((t) => t.gap.p50)),
        gapP99: spread(per.map((t) => t.gap.p99)),
        gapMax: spread(per.map((t) => t.gap.max)),
      };
    });
    return {
      system,
      scenario,
      runs: rows.length,
      count: spread(rows.map((r) => r.count)),
      rate: spread(rows.map((r) => r.rate)),
      ratio: ratios.length === 0 ? undefined : spread(ratios),
      lost: spread(rows.map((r) => r.lost)),
      duplicateRequests: spread(rows.map((r) => r.duplicateRequests)),
      duplicateIds: spread(rows.map((r) => r.duplicateIds)),
      peakRssMb: spread(rows.map((r) => r.rss.peakMb)),
      cpuPer10k: spread(rows.map((r) => (r.cpuSeconds / r.count) * 10_000)),
      tiers,
      stalledRuns: rows.filter((r) => r.stalled).length,
    };
  });
}

/** `median [min–max]`, or just the value when the runs agree. */
export function formatSpread(s: Spread | undefined, digits = 0, unit = ''): string {
  if (s === undefined || Number.isNaN(s.median)) return '–';
  const f = (n: number): string => n.toFixed(digits);
  // Runs that differ only below the printed precision agree, as far as the reader can tell.
  return f(s.min) === f(s.max) ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} [${f(s.min)}–${f(s.max)}]`;
}
