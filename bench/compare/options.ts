import { processEnv } from '../../src/config/env.js';
import { DEFAULT_CONCURRENCY, type Scenario } from './peer.js';

export const HELP = `npm run bench:compare -- [options]

Runs kretry, the fair ceiling (bare kafkajs → undici), kafkajs-async-retry 1.0.0 and, when
bench/peers/spring.ts exists, Spring @RetryableTopic against one receiver process, and writes
bench/results/<date>.md, <date>.json and PNG charts.

Options:
  --only <names>      comma-separated systems: ceiling,kretry,kafkajs-async-retry,spring…
  --scenario <A|B>    one scenario only (A: throughput, all 200; B: 30 % first attempts fail)
  --finding           instead: kafkajs-async-retry with a 2-minute tier and maxWaitTime 3 s
  --out <dir>         where results go (default bench/results)
  --no-charts         skip the matplotlib charts
  --json              print the results as JSON on stdout instead of the table
  --help              this text

Environment:
  BENCH_COMPARE_RUNS (3)          runs; every figure is the median with min and max
  BENCH_COMPARE_SECONDS (20)      the ceiling's scenario-A phase lasts at least this long
  BENCH_COMPARE_COUNT             scenario-A deliveries (default: sized by a ceiling calibration)
  BENCH_COMPARE_B_RATE (1000)     scenario-B deliveries per second, offered for SECONDS
  BENCH_COMPARE_CONCURRENCY (32)  HTTP requests in flight per system
  BENCH_COMPARE_PARTITIONS (6)    partitions of every input and retry topic
  BENCH_COMPARE_STALL_SECONDS (30) a phase ends when no request arrived for this long
  BENCH_COMPARE_FINDING_SECONDS (150) how long --finding watches
  BENCH_COMPARE_FINDING_MAX_WAIT_MS (3000) the library's maxWaitTime in --finding
  BENCH_COMPARE_VENV              the plotting venv (default ~/.cache/kretry/bench-venv)
  KRETRY_BROKERS, KRETRY_SCHEMA_REGISTRY_URL: the broker to use (default: the local stack)
`;

export interface CompareOptions {
  readonly help: boolean;
  readonly json: boolean;
  readonly finding: boolean;
  readonly charts: boolean;
  readonly only: readonly string[] | undefined;
  readonly scenarios: readonly Scenario[];
  readonly outDir: string;
  readonly runs: number;
  readonly seconds: number;
  readonly count: number | undefined;
  readonly bRate: number;
  readonly concurrency: number;
  readonly partitions: number;
  readonly stallMs: number;
  readonly findingSeconds: number;
  readonly findingMaxWaitMs: number;
  readonly venv: string | undefined;
}

function positive(name: string, fallback: number): number {
  const raw = processEnv()[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: "${raw}" is not a positive number`);
  return value;
}

export function parseOptions(argv: readonly string[]): CompareOptions {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i === -1) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const known = new Set([
    '--only',
    '--scenario',
    '--finding',
    '--out',
    '--no-charts',
    '--json',
    '--help',
    '-h',
  ]);
  argv.forEach((arg, i) => {
    const previous = argv[i - 1];
    const isValue = previous === '--only' || previous === '--scenario' || previous === '--out';
    if (!isValue && !known.has(arg)) throw new Error(`unknown option ${arg} (see --help)`);
  });
  const scenario = value('--scenario');
  if (scenario !== undefined && scenario !== 'A' && scenario !== 'B')
    throw new Error(`--scenario: "${scenario}" is not A or B`);
  const count = processEnv()['BENCH_COMPARE_COUNT'];
  return {
    help: argv.includes('--help') || argv.includes('-h'),
    json: argv.includes('--json'),
    finding: argv.includes('--finding'),
    charts: !argv.includes('--no-charts'),
    only: value('--only')
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    scenarios: scenario === undefined ? ['A', 'B'] : [scenario],
    outDir: value('--out') ?? 'bench/results',
    runs: Math.round(positive('BENCH_COMPARE_RUNS', 3)),
    seconds: positive('BENCH_COMPARE_SECONDS', 20),
    count: count === undefined || count === '' ? undefined : Math.round(positive('BENCH_COMPARE_COUNT', 1)),
    bRate: positive('BENCH_COMPARE_B_RATE', 1000),
    concurrency: Math.round(positive('BENCH_COMPARE_CONCURRENCY', DEFAULT_CONCURRENCY)),
    partitions: Math.round(positive('BENCH_COMPARE_PARTITIONS', 6)),
    stallMs: positive('BENCH_COMPARE_STALL_SECONDS', 30) * 1000,
    findingSeconds: positive('BENCH_COMPARE_FINDING_SECONDS', 150),
    findingMaxWaitMs: positive('BENCH_COMPARE_FINDING_MAX_WAIT_MS', 3000),
    venv: processEnv()['BENCH_COMPARE_VENV'],
  };
}

/** `--only` matches a system by its name or a prefix of it (`spring` for `spring-retryable`). */
export function selected(options: CompareOptions, name: string): boolean {
  return options.only === undefined || options.only.some((o) => name === o || name.startsWith(o));
}
