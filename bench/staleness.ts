/**
 * `npm run bench:staleness`: how stale a worker's view of endpoint health is. BENCH_ENDPOINTS
 * (default 30) endpoints each get 5 deliveries to a receiver that always answers 500; the fifth
 * failure opens the circuit. For each endpoint: the event time of the attempt that tripped it
 * (circuitChangedAt, from the attempt's start) → the moment the engine's in-memory table, which
 * the gate reads, shows it open (polled every 2 ms). Baseline, side by side: the same endpoint's
 * tripping AttemptRecorded as seen by a plain read_committed consumer of `attempts` — what any
 * reader of the log sees, before the projection and the table add their share.
 */
import { randomUUID } from 'node:crypto';
import { startEngine } from '../src/roles/engine.js';
import { benchSetting, deployment, log, receiver } from './support.js';

const ENDPOINTS = Number(benchSetting('BENCH_ENDPOINTS', '30'));

const d = await deployment({ KRETRY_TIERS: '1s,2s', KRETRY_BREAKER_OPEN_FOR: '10m' });
const failing = await receiver(() => 500);
const engine = await startEngine(d.config, d.logger, { defaultMetrics: false });

const seenInLog = new Map<string, number>();
const attemptCount = new Map<string, number>();
const reader = d.kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 100 });
await reader.connect();
await reader.subscribe({ topic: d.names.attempts, fromBeginning: true });
await reader.run({
  eachMessage: async ({ message }) => {
    if (message.value === null) return;
    const a = await d.codecs.attempts.decode(message.value);
    if (a.outcome === 'skipped') return;
    const n = (attemptCount.get(a.endpointId) ?? 0) + 1;
    attemptCount.set(a.endpointId, n);
    if (n === 5) seenInLog.set(a.endpointId, Date.now() - a.eventTime);
  },
});

const ids = Array.from({ length: ENDPOINTS }, (_, i) => `stale-${i}`);
const staleness = new Map<string, number>();
for (let round = 0; round < 5; round++) {
  await d.producer.send({
    topic: d.names.ingest,
    messages: ids.map((id) => ({
      key: id,
      value: d.codecs.ingest.encode({
        deliveryId: `${id}-${round}`,
        endpointId: id,
        url: failing.url,
        method: 'POST',
        headers: {},
        body: Buffer.from('{}'),
        contentType: 'application/json',
        createdAt: Date.now(),
        policy: null,
      }),
    })),
  });
}
log(`waiting for ${ENDPOINTS} circuits to open…`);
const deadline = Date.now() + 120_000;
while (staleness.size < ENDPOINTS && Date.now() < deadline) {
  for (const id of ids) {
    if (staleness.has(id)) continue;
    const view = engine.endpointHealth(id);
    if (view?.circuit === 'open') staleness.set(id, Date.now() - view.circuitChangedAt);
  }
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await engine.stop();
await reader.disconnect();
failing.close();
await d.cleanup();

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const table = [...staleness.values()];
const logged = [...seenInLog.values()];
console.log(
  JSON.stringify(
    {
      endpoints: ENDPOINTS,
      opened: table.length,
      workerViewMs: { p50: quantile(table, 0.5), p99: quantile(table, 0.99), max: Math.max(...table) },
      baselineAttemptsLogMs: {
        p50: quantile(logged, 0.5),
        p99: quantile(logged, 0.99),
        max: Math.max(...logged),
      },
      ratioP99: quantile(table, 0.99) / quantile(logged, 0.99),
    },
    null,
    2,
  ),
);
