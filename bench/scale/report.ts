import Table from 'cli-table3';
import type { FleetResult, PhaseResult } from './run-fleet.js';

/** CPU seconds of the engines together, and of one other watched process. */
function engineCpu(phase: PhaseResult): number {
  return Object.entries(phase.usage.cpuSeconds)
    .filter(([name]) => name.startsWith('engine-'))
    .reduce((sum, [, s]) => sum + s, 0);
}

function cpuOf(phase: PhaseResult, name: string): number | undefined {
  return phase.usage.cpuSeconds[name];
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
  n === undefined ? 'n/a' : n.toFixed(digits);
const perUnit = (cpu: number | undefined, units: number): string =>
  cpu === undefined || units === 0 ? 'n/a' : ((cpu * 1000) / units).toFixed(3);

/** The phase A and phase B tables, one row per fleet size. */
export function renderTables(results: readonly FleetResult[]): string {
  const a = new Table({
    head: [
      'processes',
      'deliveries/s',
      'per process',
      'engines cores',
      'broker cores',
      'machine busy',
      'engine CPU ms/delivery',
      'broker CPU ms/delivery',
      'peak RSS/engine MiB',
      'dispatcher txn/s',
      'deliveries/txn',
      'attempts markers/txn',
      'broker conns/engine',
    ],
  });
  for (const r of results) {
    const p = r.a;
    const secs = p.usage.seconds;
    a.push([
      String(r.processes),
      p.requestsPerSecond.toFixed(0),
      (p.requestsPerSecond / r.processes).toFixed(0),
      fixed(engineCpu(p) / secs, 2),
      fixed((cpuOf(p, 'broker') ?? Number.NaN) / secs, 2),
      `${(p.usage.machineBusy * 100).toFixed(0)} %`,
      perUnit(engineCpu(p), p.deliveries),
      perUnit(cpuOf(p, 'broker'), p.deliveries),
      String(maxEngineRss(p)),
      (p.dispatcherTransactions / p.seconds).toFixed(0),
      (p.deliveries / Math.max(1, p.dispatcherTransactions)).toFixed(1),
      (p.attemptsMarkers / Math.max(1, p.dispatcherTransactions)).toFixed(2),
      r.brokerConnections.join(' / '),
    ]);
  }
  const b = new Table({
    head: [
      'processes',
      'requests/s',
      'retries',
      'lateness p50 ms',
      'p99 ms',
      'max ms',
      'lost',
      'duplicates',
      'engines cores',
      'broker cores',
      'machine busy',
      'engine CPU ms/request',
      'broker CPU ms/request',
      'peak RSS/engine MiB',
    ],
  });
  for (const r of results) {
    const p = r.b;
    const secs = p.usage.seconds;
    const tiers = Object.entries(p.lateness);
    const cell = (pick: (t: { count: number; p50: number; p99: number; max: number }) => number): string =>
      tiers.map(([name, t]) => `${name}: ${pick(t)}`).join('\n') || 'n/a';
    b.push([
      String(r.processes),
      p.requestsPerSecond.toFixed(0),
      cell((t) => t.count),
      cell((t) => t.p50),
      cell((t) => t.p99),
      cell((t) => t.max),
      String(p.lost),
      String(p.duplicates),
      fixed(engineCpu(p) / secs, 2),
      fixed((cpuOf(p, 'broker') ?? Number.NaN) / secs, 2),
      `${(p.usage.machineBusy * 100).toFixed(0)} %`,
      perUnit(engineCpu(p), p.requests),
      perUnit(cpuOf(p, 'broker'), p.requests),
      String(maxEngineRss(p)),
    ]);
  }
  const setup = results
    .map(
      (r) =>
        `${r.processes} process(es): ${r.lanesPerProcess} transactional producers each, ` +
        `ready in ${r.startupSeconds.toFixed(1)} s, ${r.engineCrashes} crash(es)`,
    )
    .join('\n');
  return `Phase A: first-attempt throughput (all 200)\n${a.toString()}\n\nPhase B: 30 % fail once, tiers 1s,2s,4s\n${b.toString()}\n\n${setup}\n`;
}
