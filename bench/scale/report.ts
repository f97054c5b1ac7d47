import Table from 'cli-table3';
import type { Usage } from './proc-sampler.js';
import type { FleetResult, PhaseResult } from './run-fleet.js';
import type { TxnShapeResult } from './txn-cost.js';

/** CPU seconds of every process whose watched name starts with `prefix`. */
function cpu(phase: PhaseResult, prefix: string): number | undefined {
  return cpuOfUsage(phase.usage, prefix);
}

function cpuOfUsage(usage: Usage, prefix: string): number | undefined {
  const matching = Object.entries(usage.cpuSeconds).filter(([name]) => name.startsWith(prefix));
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

const cores = (phase: PhaseResult, prefix: string): number | undefined => {
  const seconds = cpu(phase, prefix);
  return seconds === undefined ? undefined : seconds / phase.usage.seconds;
};
const msPer = (phase: PhaseResult, prefix: string, units: number): number | undefined => {
  const seconds = cpu(phase, prefix);
  return seconds === undefined ? undefined : (seconds * 1000) / units;
};

/** A row: its label, its figure for one run, and the digits to print. */
type Row = readonly [label: string, figure: (r: FleetResult) => number | undefined, digits: number];

const cpuRows = (pick: (r: FleetResult) => PhaseResult, unit: string): Row[] => [
  ['engines CPU, cores', (r) => cores(pick(r), 'engine-'), 2],
  ['broker CPU, cores', (r) => cores(pick(r), 'broker'), 2],
  ['registry CPU, cores', (r) => cores(pick(r), 'registry'), 2],
  ['receiver CPU, cores', (r) => cores(pick(r), 'receiver'), 2],
  ['benchmark (producer) CPU, cores', (r) => cores(pick(r), 'bench'), 2],
  ['machine busy, % of 2 cores (every process)', (r) => pick(r).usage.machineBusy * 100, 0],
  [`engine CPU ms per ${unit}`, (r) => msPer(pick(r), 'engine-', unitsOf(pick(r), unit)), 3],
  [`broker CPU ms per ${unit}`, (r) => msPer(pick(r), 'broker', unitsOf(pick(r), unit)), 3],
  ['peak RSS per engine (largest), MiB', (r) => maxEngineRss(pick(r)), 0],
];

const unitsOf = (phase: PhaseResult, unit: string): number =>
  unit === 'delivery' ? phase.deliveries : phase.requests;

const PHASE_A: Row[] = [
  ['deliveries/s', (r) => r.a.requestsPerSecond, 0],
  ['deliveries/s per process', (r) => r.a.requestsPerSecond / r.processes, 0],
  ['first → last request, s', (r) => r.a.seconds, 1],
  ...cpuRows((r) => r.a, 'delivery'),
  ['dispatcher transactions/s', (r) => r.a.dispatcherTransactions / r.a.seconds, 1],
  [
    'deliveries per dispatcher transaction',
    (r) => r.a.deliveries / Math.max(1, r.a.dispatcherTransactions),
    1,
  ],
  ['lanes reopened during the phase', (r) => r.a.reopens, 0],
  ['lost', (r) => r.a.lost, 0],
  ['duplicates', (r) => r.a.duplicates, 0],
];

function latenessRows(results: readonly FleetResult[]): Row[] {
  const tiers = [...new Set(results.flatMap((r) => Object.keys(r.b.lateness)))];
  return tiers.flatMap((tier): Row[] => [
    [`${tier}: retries`, (r) => r.b.lateness[tier]?.count, 0],
    [`${tier}: lateness p50, ms`, (r) => r.b.lateness[tier]?.p50, 0],
    [`${tier}: lateness p99, ms`, (r) => r.b.lateness[tier]?.p99, 0],
    [`${tier}: lateness max, ms`, (r) => r.b.lateness[tier]?.max, 0],
  ]);
}

const phaseB = (results: readonly FleetResult[]): Row[] => [
  ['requests/s (first attempts + retries)', (r) => r.b.requestsPerSecond, 0],
  ['first → last request, s', (r) => r.b.seconds, 1],
  ...latenessRows(results),
  ['lost', (r) => r.b.lost, 0],
  ['duplicates', (r) => r.b.duplicates, 0],
  ...cpuRows((r) => r.b, 'request'),
  ['dispatcher transactions/s', (r) => r.b.dispatcherTransactions / r.b.seconds, 1],
  ['tier-worker transactions/s', (r) => r.b.tierTransactions / r.b.seconds, 1],
  [
    'retries per tier-worker transaction',
    (r) => (r.b.requests - r.b.deliveries) / Math.max(1, r.b.tierTransactions),
    1,
  ],
  ['lanes reopened during the phase', (r) => r.b.reopens, 0],
];

const FLEET: Row[] = [
  ['transactional producers per process', (r) => r.lanesPerProcess, 0],
  ['broker connections per process (largest)', (r) => Math.max(...r.brokerConnections), 0],
  ['spawn → every lane open, s', (r) => r.startupSeconds, 1],
  [
    'idle CPU per engine (nothing to deliver), cores',
    (r) => (cpuOfUsage(r.idle, 'engine-') ?? NaN) / r.idle.seconds / r.processes,
    3,
  ],
  ['idle broker CPU, cores', (r) => (cpuOfUsage(r.idle, 'broker') ?? NaN) / r.idle.seconds, 3],
  ['engine crashes', (r) => r.engineCrashes, 0],
];

/** The median of the runs, with their range when there are several. */
function cell(values: readonly (number | undefined)[], digits: number): string {
  const known = values
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
    .sort((x, y) => x - y);
  if (known.length === 0) return 'n/a';
  const median = known[Math.floor((known.length - 1) / 2)] ?? 0;
  if (known.length === 1) return median.toFixed(digits);
  return `${median.toFixed(digits)} (${(known[0] ?? 0).toFixed(digits)}–${(known.at(-1) ?? 0).toFixed(digits)})`;
}

function table(title: string, rows: readonly Row[], bySize: ReadonlyMap<number, FleetResult[]>): string {
  const t = new Table({
    head: ['', ...[...bySize.keys()].map((n) => `${n} process${n === 1 ? '' : 'es'}`)],
    style: { head: [], border: [] },
  });
  for (const [label, figure, digits] of rows)
    t.push([label, ...[...bySize.values()].map((runs) => cell(runs.map(figure), digits))]);
  return `${title}\n${t.toString()}\n`;
}

function txnTable(shapes: readonly TxnShapeResult[], client = 'kafkajs'): string {
  const t = new Table({
    head: ['', ...shapes.map((s) => `${s.shape} (${s.producers} producer${s.producers === 1 ? '' : 's'})`)],
    style: { head: [], border: [] },
  });
  const per = (cpu: number | undefined, n: number): string =>
    cpu === undefined || n === 0 ? 'n/a' : ((cpu * 1000) / n).toFixed(2);
  const rows: [string, (s: TxnShapeResult) => string][] = [
    ['transactions/s', (s) => (s.transactions / s.seconds).toFixed(0)],
    ['partition commits/s (records/s)', (s) => (s.records / s.seconds).toFixed(0)],
    [
      'ms per transaction (one producer)',
      (s) => ((s.seconds * 1000 * s.producers) / Math.max(1, s.transactions)).toFixed(0),
    ],
    ['broker CPU ms per transaction', (s) => per(s.brokerCpuSeconds, s.transactions)],
    ['broker CPU ms per partition commit', (s) => per(s.brokerCpuSeconds, s.records)],
    [`client (${client}) CPU ms per partition commit`, (s) => per(s.clientCpuSeconds, s.records)],
    [
      'broker CPU, cores',
      (s) => (s.brokerCpuSeconds === undefined ? 'n/a' : (s.brokerCpuSeconds / s.seconds).toFixed(2)),
    ],
  ];
  for (const [label, f] of rows) t.push([label, ...shapes.map(f)]);
  return `Phase C (${client}): transaction cost without HTTP (back-to-back, one 100-byte record and its offset per partition)\n${t.toString()}\n`;
}

/** Phase A, phase B and the fleet, one column per fleet size: the median of the runs (min–max); phase C. */
export function renderTables(
  results: readonly FleetResult[],
  txnCost: readonly TxnShapeResult[] = [],
  brokerBackground: readonly (number | undefined)[] = [],
  txnCostCkjs: readonly TxnShapeResult[] = [],
): string {
  const background = brokerBackground.map((c) => c?.toFixed(2) ?? 'n/a').join(' before, ');
  const bySize = new Map<number, FleetResult[]>();
  for (const r of results) bySize.set(r.processes, [...(bySize.get(r.processes) ?? []), r]);
  const partitions = results[0]?.partitions ?? 0;
  const runs = Math.max(...[...bySize.values()].map((list) => list.length));
  const note = runs > 1 ? `; median of ${runs} runs (min–max)` : '';
  return [
    table(`Phase A: first-attempt throughput, all 200 (${partitions} partitions${note})`, PHASE_A, bySize),
    table(
      `Phase B: 30 % fail their first attempt once, tiers 1s,2s,4s ±25 %${note}`,
      phaseB(results),
      bySize,
    ),
    table('Fleet', FLEET, bySize),
    ...(txnCost.length > 0 ? [txnTable(txnCost)] : []),
    ...(txnCostCkjs.length > 0 ? [txnTable(txnCostCkjs, 'librdkafka')] : []),
    ...(brokerBackground.length > 0
      ? [`Broker CPU from others' load (5 s with none of this benchmark's): ${background} after, cores\n`]
      : []),
  ].join('\n');
}
