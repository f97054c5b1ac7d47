import type { PhaseResult } from './metrics.js';
import { formatSpread, type SummaryRow } from './summary.js';

export interface ReportSettings {
  readonly date: string;
  readonly runs: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly partitions: number;
  readonly bRate: number;
  readonly systems: readonly string[];
}

export interface Charts {
  readonly throughput?: string;
  readonly lateness?: string;
  readonly rss?: string;
}

/** The scenario-A table: throughput, ratio to the ceiling, memory and CPU. */
export function tableA(rows: readonly SummaryRow[]): string[][] {
  return [
    [
      'system',
      'deliveries',
      'first attempts/s',
      'ratio to ceiling',
      'peak RSS MB',
      'CPU s / 10k',
      'lost',
      'dup. requests',
    ],
    ...rows
      .filter((r) => r.scenario === 'A')
      .map((r) => [
        r.system,
        formatSpread(r.count),
        formatSpread(r.rate),
        formatSpread(r.ratio, 2),
        formatSpread(r.peakRssMb),
        formatSpread(r.cpuPer10k, 2),
        formatSpread(r.lost),
        formatSpread(r.duplicateRequests),
      ]),
  ];
}

/** The scenario-B table, one line per system and tier. */
export function tableB(rows: readonly SummaryRow[]): string[][] {
  return [
    [
      'system',
      'tier',
      'lateness p50 ms',
      'lateness p99 ms',
      'lateness max ms',
      'gap p50 ms',
      'gap p99 ms',
      'gap max ms',
      'lost',
      'dup. requests',
      'dup. ids',
      'peak RSS MB',
    ],
    ...rows
      .filter((r) => r.scenario === 'B')
      .flatMap((r) =>
        (r.tiers.length === 0 ? [undefined] : r.tiers).map((t) => [
          r.system,
          t === undefined ? '–' : `${t.tier} (${t.nominalMs / 1000} s)`,
          formatSpread(t?.latenessP50),
          formatSpread(t?.latenessP99),
          formatSpread(t?.latenessMax),
          formatSpread(t?.gapP50),
          formatSpread(t?.gapP99),
          formatSpread(t?.gapMax),
          formatSpread(r.lost),
          formatSpread(r.duplicateRequests),
          formatSpread(r.duplicateIds),
          formatSpread(r.peakRssMb),
        ]),
      ),
  ];
}

function markdownTable(table: readonly (readonly string[])[]): string {
  const [head, ...body] = table;
  if (head === undefined || body.length === 0) return '_not run_\n';
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n') + '\n';
}

/** bench/results/<date>.md. */
export function markdown(
  settings: ReportSettings,
  rows: readonly SummaryRow[],
  results: readonly PhaseResult[],
  charts: Charts,
): string {
  const notes = results
    .filter((r) => r.stalled || r.events.length > 0)
    .map(
      (r) =>
        `- run ${r.run}, ${r.scenario}, ${r.system}: ${r.stalled ? 'stalled (no request for the stall timeout); ' : ''}` +
        `${r.events.slice(0, 3).join('; ')}`,
    );
  const image = (title: string, file: string | undefined): string =>
    file === undefined ? '' : `![${title}](${file})\n\n`;
  return `# bench:compare, ${settings.date}

Systems: ${settings.systems.join(', ')}. Runs: ${settings.runs}; every figure is the median, with
[min–max] when the runs differ. HTTP concurrency ${settings.concurrency} per system, ${settings.partitions}
partitions, one receiver process. See bench/README.md ("Comparing with peers") for the rules.

## Scenario A: first-attempt throughput, all 200

Rate from the first to the last first request at the receiver; the ratio is computed within each run.

${markdownTable(tableA(rows))}
${image('throughput per system', charts.throughput)}## Scenario B: 30 % of first attempts fail, tiers 1 s / 2 s / 4 s ±25 %

${settings.bRate} deliveries/s offered for ${settings.seconds} s. Lateness = retry arrival − (failed
attempt arrival + tier × 1.25), clipped at 0; gap = the raw retry arrival − failed attempt arrival.
Lost = ids never answered 200; duplicate requests = 200 answers beyond the first per id.

${markdownTable(tableB(rows))}
${image('lateness percentiles per tier', charts.lateness)}## Memory

${image('RSS over time', charts.rss)}${notes.length === 0 ? '' : `## Notes\n\n${notes.join('\n')}\n`}`;
}
