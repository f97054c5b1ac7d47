/**
 * `npm run bench:lateness`: a backlog of deliveries of which 30 % fail their first attempt, with
 * 1-second tiers (1s, 2s) and ±25 % jitter. Prints p50/p99/max schedule lateness per tier (due
 * time → attempt start, from the attempts log) and the engine process's peak RSS. Memory must not
 * depend on the backlog, so each run is made twice side by side in child processes — a small
 * backlog as the baseline and the full one — and the ratios of peak live heap and peak RSS are printed.
 * A third run mixes backoff strategies into the baseline's backlog: 10 % of the deliveries wait 20 s
 * (custom, ten times the longest tier, so it travels in hops) and 10 % a fixed 1.5 s. The default
 * deliveries' lateness beside them, against the baseline's, shows whether long delays hold anything
 * back (head-of-line blocking).
 * BENCH_BACKLOG (100000), BENCH_BASELINE_BACKLOG (10000).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AttemptRecordedValue, BackoffStrategyValue } from '../src/kafka/records.js';
import { startEngine } from '../src/roles/engine.js';
import { backoffToValue } from '../src/kafka/delivery-codec.js';
import { benchSetting, deployment, log, produceRequests, receiver, until } from './support.js';

interface RunResult {
  readonly backlog: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  /** Largest heap still in use right after a forced full GC: what the process really holds. */
  readonly peakLiveHeapMb: number;
  readonly tiers: Record<string, { count: number; p50: number; p99: number; max: number }>;
  /** Mixed run only: lateness of the default-strategy retries, and of each strategy's retries. */
  readonly byStrategy?: Record<string, { count: number; p50: number; p99: number; max: number }>;
}

type Mode = 'plain' | 'mixed';

/** In the mixed run, delivery k's strategy: 10 % custom 20 s, 10 % fixed 1.5 s, the rest the tiers. */
function strategyOf(mode: Mode, k: number): 'default' | 'custom-20s' | 'fixed-1.5s' {
  if (mode === 'plain') return 'default';
  const bucket = k % 10;
  return bucket === 3 ? 'custom-20s' : bucket === 7 ? 'fixed-1.5s' : 'default';
}

/** The wire form of a strategy, through the project's own codec. */
function backoffValue(name: ReturnType<typeof strategyOf>): BackoffStrategyValue | null {
  if (name === 'custom-20s') return backoffToValue({ kind: 'custom', delaysMs: [20_000], jitter: null });
  if (name === 'fixed-1.5s') return backoffToValue({ kind: 'fixed', delayMs: 1_500, jitter: null });
  return null;
}

function stats(values: number[]): { count: number; p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
}

async function child(backlog: number, mode: Mode): Promise<RunResult> {
  const firstSeen = new Set<string>();
  const target = await receiver((req) => {
    const id = String(req.headers['webhook-id']);
    // 30 % of each endpoint's deliveries fail their first attempt (delivery k goes to endpoint
    // k % 100). Picking by k % 10 instead would make 30 endpoints fail every first attempt: their
    // breakers open (as they should, one probe per open period) and the run measures the breaker's
    // 30 s open periods, not tier lateness.
    const failsFirst = Math.floor(Number(id.slice(1)) / 100) % 10 < 3;
    if (failsFirst && !firstSeen.has(id)) {
      firstSeen.add(id);
      return 500;
    }
    return 200;
  });
  let read = 0;
  const d = await deployment({ KRETRY_TIERS: '1s,2s', KRETRY_JITTER: '0.25' });
  await produceRequests(d, backlog, target.url, (k) => backoffValue(strategyOf(mode, k)));

  let peakRss = 0;
  let peakLiveHeap = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  // RSS includes garbage V8 has not collected yet, which grows with how long and how fast it runs;
  // the heap left after a full GC is what the engine holds (costs a few ms of pause every 2 s).
  const collectGarbage = (globalThis as unknown as { gc: () => void }).gc;
  const liveSampler = setInterval(() => {
    collectGarbage();
    peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
  }, 2000);
  const started = Date.now();
  // The workers' memory, without the api role: its delivery index (KRETRY_DELIVERY_INDEX_SIZE,
  // 100,000 by default) holds every delivery of a backlog up to that size by design, which would
  // make memory look backlog-dependent when the workers' is not.
  const engine = await startEngine({ ...d.config, roles: ['dispatcher', 'tiers', 'projection'] }, d.logger, {
    defaultMetrics: false,
  });
  const ticker = setInterval(() => log(`backlog ${backlog}: ${target.stats.received} requests`), 5000);
  await until(
    () => target.stats.received >= backlog + firstSeen.size && firstSeen.size >= Math.floor(backlog * 0.3),
  );
  const seconds = (Date.now() - started) / 1000;
  clearInterval(ticker);
  await engine.stop();
  clearInterval(sampler);
  clearInterval(liveSampler);

  // Lateness from the attempts log: every retry carries its due time and its start.
  const retries: AttemptRecordedValue[] = [];
  const consumer = d.kafka.consumer({
    groupId: `${d.config.topicPrefix}bench-reader`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: d.names.attempts, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      read++;
      if (message.value === null) return;
      const value = await d.codecs.attempts.decode(message.value);
      // Retries only: a skip (an open circuit, a deferral) is not an attempt.
      if (value.tierIndex !== null && value.dueAt !== null && value.outcome !== 'skipped')
        retries.push(value);
    },
  });
  await until(() => read >= backlog + firstSeen.size);
  await consumer.disconnect();

  const tiers: RunResult['tiers'] = {};
  for (const [index, tier] of d.names.tiers.entries()) {
    const lateness = retries
      .filter((r) => r.tierIndex === index)
      .map((r) => r.eventTime - (r.dueAt ?? 0))
      .sort((a, b) => a - b);
    if (lateness.length === 0) continue;
    const at = (q: number): number =>
      lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))] ?? 0;
    tiers[tier.topic.slice(d.config.topicPrefix.length)] = {
      count: lateness.length,
      p50: at(0.5),
      p99: at(0.99),
      max: at(1),
    };
  }
  const byStrategy: Record<string, number[]> = {};
  for (const r of retries) {
    const name = strategyOf(mode, Number(r.deliveryId.slice(1)));
    (byStrategy[name] ??= []).push(r.eventTime - (r.dueAt ?? 0));
  }
  await d.cleanup();
  target.close();
  return {
    ...(mode === 'mixed' && {
      byStrategy: Object.fromEntries(
        Object.entries(byStrategy).map(([name, values]) => [name, stats(values)]),
      ),
    }),
    backlog,
    seconds,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    peakLiveHeapMb: Math.round(peakLiveHeap / 1024 / 1024),
    tiers,
  };
}

function runChild(backlog: number, mode: Mode = 'plain'): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(backlog), mode],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as RunResult)
        : reject(new Error(`backlog ${backlog}: exit ${code}`)),
    );
  });
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  const mode = process.argv[childIndex + 2] === 'mixed' ? 'mixed' : 'plain';
  process.stdout.write(JSON.stringify(await child(Number(process.argv[childIndex + 1]), mode)));
  process.exit(0);
}

const baseline = await runChild(Number(benchSetting('BENCH_BASELINE_BACKLOG', '10000')));
const full = await runChild(Number(benchSetting('BENCH_BACKLOG', '100000')));
const mixed = await runChild(baseline.backlog, 'mixed');
for (const run of [baseline, full]) {
  process.stdout.write(
    `backlog ${run.backlog}: settled in ${run.seconds.toFixed(1)} s, peak RSS ${run.peakRssMb} MB, peak live heap ${run.peakLiveHeapMb} MB\n`,
  );
  for (const [tier, s] of Object.entries(run.tiers)) {
    process.stdout.write(
      `  ${tier}: ${s.count} retries, lateness p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms\n`,
    );
  }
}
process.stdout.write(
  `peak live heap ratio (backlog ${full.backlog} / ${baseline.backlog}): ${(full.peakLiveHeapMb / baseline.peakLiveHeapMb).toFixed(2)}\n` +
    `peak RSS ratio (backlog ${full.backlog} / ${baseline.backlog}): ${(full.peakRssMb / baseline.peakRssMb).toFixed(2)} (1.0 = memory independent of backlog; RSS also counts uncollected garbage)\n`,
);

// Head-of-line blocking shows as default retries made later beside long delays than without them.
const plainRetries = Object.values(baseline.tiers);
const basePool = plainRetries.reduce((worst, s) => Math.max(worst, s.p99), 0);
process.stdout.write(
  `mixed strategies (backlog ${mixed.backlog}, settled in ${mixed.seconds.toFixed(1)} s):\n`,
);
for (const [name, s] of Object.entries(mixed.byStrategy ?? {})) {
  process.stdout.write(
    `  ${name}: ${s.count} retries, lateness p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms\n`,
  );
}
const mixedDefault = mixed.byStrategy?.['default'];
if (mixedDefault !== undefined && basePool > 0) {
  process.stdout.write(
    `default retries' lateness p99 beside long delays / without them (baseline run, worst tier): ${(mixedDefault.p99 / basePool).toFixed(2)}\n`,
  );
}
