/**
 * `npm run bench:rate-limit`: one hot endpoint limited to 50/s next to 99 unlimited endpoints on the
 * same partitions, under a steady offered load, against a run of the same 99 without the hot one.
 * Reports each endpoint's achieved rate (the hot one's, and the unlimited ones' spread), and the
 * unlimited endpoints' throughput and delay (produce → request at the receiver), with their ratios
 * to the run without the hot endpoint.
 *
 * BENCH_SECONDS (30): how long each run offers load. BENCH_RATE (400): deliveries/s to the 99
 * unlimited endpoints together. BENCH_HOT_RATE (150): deliveries/s offered to the hot endpoint,
 * three times its limit. BENCH_HOT_LIMIT (50/s,50).
 */
import { EndpointCommands } from '../src/operator/endpoint-commands.js';
import { parseRateLimit } from '../src/domain/shaping/token-bucket.js';
import { startEngine } from '../src/roles/engine.js';
import { benchSetting, deployment, log, receiver, until, type Deployment } from './support.js';

const SECONDS = Number(benchSetting('BENCH_SECONDS', '30'));
const RATE = Number(benchSetting('BENCH_RATE', '400'));
const HOT_RATE = Number(benchSetting('BENCH_HOT_RATE', '150'));
const HOT_LIMIT = parseRateLimit(benchSetting('BENCH_HOT_LIMIT', '50/s,50'));
if (typeof HOT_LIMIT === 'string') throw new Error(`BENCH_HOT_LIMIT: ${HOT_LIMIT}`);

interface RunResult {
  readonly withHot: boolean;
  readonly unlimited: {
    delivered: number;
    perSecond: number;
    delayP50: number;
    delayP99: number;
    delayMax: number;
  };
  readonly perEndpointRate: { min: number; median: number; max: number };
  readonly hot: { delivered: number; perSecond: number; rateLimitedSkips: number } | null;
  readonly seconds: number;
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Offers `perSecond` deliveries a second for `seconds`, in 10 sends a second, stamping createdAt. */
async function offer(
  d: Deployment,
  url: string,
  seconds: number,
  rates: { endpoint: (k: number) => string; perSecond: number; prefix: string }[],
  created: Map<string, number>,
): Promise<number> {
  let sent = 0;
  const started = Date.now();
  for (let tick = 0; tick < seconds * 10; tick++) {
    const messages = [];
    for (const rate of rates) {
      const n = Math.round(((tick + 1) * rate.perSecond) / 10) - Math.round((tick * rate.perSecond) / 10);
      for (let i = 0; i < n; i++) {
        const k = sent++;
        const endpointId = rate.endpoint(k);
        const createdAt = Date.now();
        created.set(`${rate.prefix}${k}`, createdAt);
        messages.push({
          key: endpointId,
          value: d.codecs.ingest.encode({
            deliveryId: `${rate.prefix}${k}`,
            endpointId,
            url,
            method: 'POST',
            headers: {},
            body: Buffer.from('{"n":1}'),
            contentType: 'application/json',
            createdAt,
            policy: null,
          }),
        });
      }
    }
    await d.producer.send({ topic: d.names.ingest, messages });
    // Paced by the clock, not by sleeps of fixed length: a slow send does not lower the offered rate.
    const next = started + (tick + 1) * 100;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  return sent;
}

async function run(withHot: boolean): Promise<RunResult> {
  const arrivals = new Map<string, number[]>();
  const created = new Map<string, number>();
  const delays: number[] = [];
  const target = await receiver(() => 200);
  const d = await deployment({ KRETRY_TIERS: '1s,2s', KRETRY_JITTER: '0.25' });
  if (withHot) {
    const commands = new EndpointCommands({
      kafka: d.kafka,
      topology: d.names,
      codecs: d.codecs,
      current: () => undefined,
      now: Date.now,
      logger: d.logger,
    });
    await commands.start();
    await commands.putConfig('hot', { rateLimit: HOT_LIMIT as Exclude<typeof HOT_LIMIT, string> });
    await commands.stop();
  }
  const engine = await startEngine(d.config, d.logger, { defaultMetrics: false });
  // The attempts log tells each delivery's endpoint and start; the receiver only counts.
  const attemptsSeen: {
    endpointId: string;
    at: number;
    deliveryId: string;
    outcome: string;
    errorClass: string | null;
  }[] = [];
  const consumer = d.kafka.consumer({ groupId: `${d.config.topicPrefix}bench-reader`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: d.names.attempts, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value === null) return;
      const a = await d.codecs.attempts.decode(message.value);
      attemptsSeen.push({
        endpointId: a.endpointId,
        at: a.eventTime,
        deliveryId: a.deliveryId,
        outcome: a.outcome,
        errorClass: a.errorClass,
      });
    },
  });
  const started = Date.now();
  const ticker = setInterval(
    () => log(`${withHot ? 'with' : 'without'} hot: ${target.stats.received} requests`),
    5000,
  );
  const rates = [{ endpoint: (k: number) => `ep${1 + (k % 99)}`, perSecond: RATE, prefix: 'u' }];
  if (withHot) rates.push({ endpoint: () => 'hot', perSecond: HOT_RATE, prefix: 'h' });
  const sent = await offer(d, target.url, SECONDS, rates, created);
  await until(() => attemptsSeen.filter((a) => a.outcome === 'success').length >= sent);
  const seconds = (Date.now() - started) / 1000;
  clearInterval(ticker);
  await engine.stop();
  await consumer.disconnect();

  // Delay per delivery: its successful attempt's start less the time it was produced.
  for (const a of attemptsSeen) {
    if (a.outcome !== 'success') continue;
    const list = arrivals.get(a.endpointId) ?? [];
    list.push(a.at);
    arrivals.set(a.endpointId, list);
    if (a.endpointId !== 'hot') delays.push(a.at - (created.get(a.deliveryId) ?? a.at));
  }
  delays.sort((x, y) => x - y);
  const rateOf = (times: readonly number[]): number => {
    const sorted = [...times].sort((x, y) => x - y);
    const span = ((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)) / 1000;
    return span > 0 ? (sorted.length - 1) / span : 0;
  };
  const unlimited = [...arrivals.entries()].filter(([id]) => id !== 'hot');
  const unlimitedTimes = unlimited.flatMap(([, times]) => times);
  const perEndpoint = unlimited.map(([, times]) => rateOf(times)).sort((x, y) => x - y);
  const hotTimes = arrivals.get('hot') ?? [];
  await d.cleanup();
  target.close();
  return {
    withHot,
    seconds,
    unlimited: {
      delivered: unlimitedTimes.length,
      perSecond: rateOf(unlimitedTimes),
      delayP50: percentile(delays, 0.5),
      delayP99: percentile(delays, 0.99),
      delayMax: delays.at(-1) ?? 0,
    },
    perEndpointRate: {
      min: perEndpoint[0] ?? 0,
      median: percentile(perEndpoint, 0.5),
      max: perEndpoint.at(-1) ?? 0,
    },
    hot: withHot
      ? {
          delivered: hotTimes.length,
          perSecond: rateOf(hotTimes),
          rateLimitedSkips: attemptsSeen.filter(
            (a) => a.endpointId === 'hot' && a.errorClass === 'rate_limited',
          ).length,
        }
      : null,
  };
}

if (process.argv.includes('--help')) {
  process.stdout.write(
    'npm run bench:rate-limit [-- --json]\n  BENCH_SECONDS (30), BENCH_RATE (400), BENCH_HOT_RATE (150), BENCH_HOT_LIMIT (50/s,50)\n',
  );
  process.exit(0);
}
log(`run 1 of 2: 99 unlimited endpoints at ${RATE}/s for ${SECONDS} s`);
const without = await run(false);
log(`run 2 of 2: the same, plus "hot" offered ${HOT_RATE}/s, limited to ${HOT_LIMIT.perSecond}/s`);
const withHot = await run(true);
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ without, withHot }, null, 2) + '\n');
} else {
  const ratio = (a: number, b: number): string => (b === 0 ? 'n/a' : (a / b).toFixed(2));
  const lines = [
    `| | without hot | with hot | ratio |`,
    `|---|---|---|---|`,
    `| unlimited endpoints: deliveries/s | ${without.unlimited.perSecond.toFixed(0)} | ${withHot.unlimited.perSecond.toFixed(0)} | ${ratio(withHot.unlimited.perSecond, without.unlimited.perSecond)} |`,
    `| unlimited: delay p50 (ms) | ${without.unlimited.delayP50} | ${withHot.unlimited.delayP50} | ${ratio(withHot.unlimited.delayP50, without.unlimited.delayP50)} |`,
    `| unlimited: delay p99 (ms) | ${without.unlimited.delayP99} | ${withHot.unlimited.delayP99} | ${ratio(withHot.unlimited.delayP99, without.unlimited.delayP99)} |`,
    `| unlimited: delay max (ms) | ${without.unlimited.delayMax} | ${withHot.unlimited.delayMax} | |`,
    `| unlimited: per-endpoint rate min / median / max | ${fmt(without.perEndpointRate)} | ${fmt(withHot.perEndpointRate)} | |`,
    `| hot endpoint: achieved rate (limit ${HOT_LIMIT.perSecond}/s, offered ${HOT_RATE}/s) | | ${withHot.hot?.perSecond.toFixed(1) ?? ''}/s | |`,
    `| hot endpoint: delivered, rate_limited deferrals | | ${withHot.hot?.delivered ?? 0}, ${withHot.hot?.rateLimitedSkips ?? 0} | |`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function fmt(r: RunResult['perEndpointRate']): string {
  return `${r.min.toFixed(2)} / ${r.median.toFixed(2)} / ${r.max.toFixed(2)}`;
}
