import { describe, expect, it } from 'vitest';
import {
  latenessMs,
  percentiles,
  spread,
  tierLateness,
  type PhaseResult,
} from '../../../../bench/compare/metrics.js';
import type { ReceiverStats } from '../../../../bench/compare/receiver.js';
import { createLimiter } from '../../../../bench/compare/http-client.js';
import { summarize } from '../../../../bench/compare/summary.js';

const stats = (gaps: ReceiverStats['gaps']): ReceiverStats => ({
  scenario: 'B',
  requests: 0,
  okIds: 0,
  lastAt: 0,
  warmUps: 0,
  uniqueIds: 0,
  duplicateIds: 0,
  duplicateRequests: 0,
  firstAt: 0,
  lastFirstAt: 0,
  failedAnswers: 0,
  gaps,
  unretried: 0,
  malformed: 0,
});

describe('bench:compare lateness', () => {
  it('is zero anywhere inside the jitter band and counts only what comes after its end', () => {
    expect(latenessMs(750, 1000, 0.25)).toBe(0);
    expect(latenessMs(1250, 1000, 0.25)).toBe(0);
    expect(latenessMs(1300, 1000, 0.25)).toBe(50);
  });

  it('groups gaps by tier with that tier’s nominal delay; tiers past the list reuse the last', () => {
    const tiers = tierLateness(
      stats([
        { tier: 1, gapMs: 1400 },
        { tier: 1, gapMs: 900 },
        { tier: 2, gapMs: 2600 },
        { tier: 4, gapMs: 5100 },
      ]),
      [1000, 2000, 4000],
      0.25,
    );
    expect(tiers.map((t) => [t.tier, t.nominalMs, t.lateness.max, t.gap.p50])).toEqual([
      [1, 1000, 150, 900],
      [2, 2000, 100, 2600],
      [4, 4000, 100, 5100],
    ]);
  });

  it('takes nearest-rank percentiles and odd/even medians', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(values)).toEqual({ p50: 50, p99: 99, max: 100, n: 100 });
    expect(percentiles([])).toEqual({ p50: 0, p99: 0, max: 0, n: 0 });
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3]).median).toBe(2.5);
  });
});

describe('bench:compare summary', () => {
  const phase = (system: string, run: number, rate: number): PhaseResult => ({
    system,
    scenario: 'A',
    run,
    count: 1000,
    rate,
    seconds: 1,
    lost: 0,
    duplicateIds: 0,
    duplicateRequests: 0,
    requests: 1000,
    unretried: 0,
    tiers: [],
    rss: { samples: [], peakMb: 100, cpuSeconds: 1 },
    cpuSeconds: 1,
    stalled: false,
    events: [],
  });

  it('divides by the ceiling of the same run, then takes the median of the ratios', () => {
    // Run 2's machine was twice as slow for both: the ratio is the same in every run.
    const rows = summarize([
      phase('ceiling', 1, 1000),
      phase('kretry', 1, 500),
      phase('ceiling', 2, 500),
      phase('kretry', 2, 250),
      phase('ceiling', 3, 800),
      phase('kretry', 3, 560),
    ]);
    const kretry = rows.find((r) => r.system === 'kretry');
    expect(kretry?.ratio).toEqual({ median: 0.5, min: 0.5, max: 0.7 });
    expect(kretry?.rate.median).toBe(500);
  });
});

describe('bench:compare limiter', () => {
  it('never runs more than its limit at once and runs every task', async () => {
    const limiter = createLimiter(3);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setImmediate(resolve));
          active--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
