import Table from 'cli-table3';
import type { FleetResult, PhaseResult } from './run-fleet.js';

/** CPU seconds of every process whose watched name starts with `prefix`. */
function cpu(phase: PhaseResult, prefix: string): number | undefined {
  const matching = Object.entries(phase.usage.cpuSeconds).filter(([name]) => name.startsWith(prefix));
  return matching.length === 0 ? undefined : matching.reduce((sum, [, s]) => sum + s, 0);
}

function maxEngineRss(phase: PhaseResult): number {
  return Math.max(
    0,
    ...Object.entries(phase.usage.peakRssMib)
      .filter(([name]) => name.startsWith('engine-'))
      .map(([, mib]) => mib),
  );
}

const fixed = (n: number | undefined, digits: number): string =>
  n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits);
const cores = (phase: PhaseResult, prefix: string): string =>
  fixed((cpu(phase, prefix) ?? NaN) / phase.usage.seconds, 2);
const msPer = (phase: PhaseResult, prefix: string, units: number): string =>
  fixed(((cpu(phase, prefix) ?? NaN) * 1000) / units, 3);

type Row = readonly [label: string, cell: (r: FleetResult) => string];

const COMMON_CPU: (pick: (r: FleetResult) => PhaseResult) => Row[] = (pick) => [
  ['engines CPU, cores', (r) => cores(pick(r), 'engine-')],
  ['broker CPU, cores', (r) => cores(pick(r), 'broker')],
  ['registry CPU, cores', (r) => cores(pick(r), 'registry')],
  ['receiver CPU, cores', (r) => cores(pick(r), 'receiver')],
  ['benchmark (producer) CPU, cores', (r) => cores(pick(r), 'bench')],
  ['machine busy (all processes, 2 cores)', (r) => `${(pick(r).usage.machineBusy * 100).toFixed(0)} %`],
  ['peak RSS per engine, MiB', (r) => String(maxEngineRss(pick(r)))],
];

const PHASE_A: Row[] = [
  ['deliveries/s', (r) => r.a.requestsPerSecond.toFixed(0)],
  ['deliveries/s per process', (r) => (r.a.requestsPerSecond / r.processes).toFixed(0)],
  ['first → last request, s', (r) => r.a.seconds.toFixed(1)],
  ...COMMON_CPU((r) => r.a),
  ['engine CPU ms per delivery', (r) => msPer(r.a, 'engine-', r.a.deliveries)],
  ['broker CPU ms per delivery', (r) => msPer(r.a, 'broker', r.a.deliveries)],
  ['dispatcher transactions/s', (r) => (r.a.dispatcherTransactions / r.a.seconds).toFixed(0)],
  [
    'deliveries per transaction',
    (r) => (r.a.deliveries / Math.max(1, r.a.dispatcherTransactions)).toFixed(1),
  ],
  [
    'attempts-topic markers per transaction',
    (r) => (r.a.attemptsMarkers / Math.max(1, r.a.dispatcherTransactions)).toFixed(2),
  ],
  ['lost / duplicates', (r) => `${r.a.lost} / ${r.a.duplicates}`],
];

const PHASE_B: Row[] = [
  ['requests/s (first attempts + retries)', (r) => r.b.requestsPerSecond.toFixed(0)],
  ['first → last request, s', (r) => r.b.seconds.toFixed(1)],
  ...Object.entries({
    count: 'retries',
    p50: 'lateness p50, ms',
    p99: 'lateness p99, ms',
    max: 'lateness max, ms',
  }).map(([key, label]): Row => [
    label,
    (r) =>
      Object.entries(r.b.lateness)
        .map(([tier, p]) => `${tier}: ${p[key as 'count' | 'p50' | 'p99' | 'max']}`)
        .join(', ') || 'n/a',
  ]),
  ['lost / duplicates', (r) => `${r.b.lost} / ${r.b.duplicates}`],
  ...COMMON_CPU((r) => r.b),
  ['engine CPU ms per request', (r) => msPer(r.b, 'engine-', r.b.requests)],
  ['broker CPU ms per request', (r) => msPer(r.b, 'broker', r.b.requests)],
];

const SETUP: Row[] = [
  ['transactional producers per process', (r) => String(r.lanesPerProcess)],
  ['broker connections per process', (r) => r.brokerConnections.join(' / ')],
  ['spawn → every group stable, s', (r) => r.startupSeconds.toFixed(1)],
  ['engine crashes', (r) => String(r.engineCrashes)],
];

function table(title: string, rows: readonly Row[], results: readonly FleetResult[]): string {
  const t = new Table({
    head: ['', ...results.map((r) => `${r.processes} process${r.processes === 1 ? '' : 'es'}`)],
    style: { head: [], border: [] },
  });
  for (const [label, cell] of rows) t.push([label, ...results.map(cell)]);
  return `${title}\n${t.toString()}\n`;
}

/** Phase A, phase B and the fleet's setup, one column per fleet size. */
export function renderTables(results: readonly FleetResult[]): string {
  const partitions = results[0]?.partitions ?? 0;
  return [
    table(`Phase A: first-attempt throughput, all 200 (${partitions} partitions)`, PHASE_A, results),
    table('Phase B: 30 % fail their first attempt once, tiers 1s,2s,4s ±25 %', PHASE_B, results),
    table('Fleet', SETUP, results),
  ].join('\n');
}
