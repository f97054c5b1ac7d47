/**
 * `npm run bench:projection`: fold rate of the projection role over a pre-filled attempts topic
 * (BENCH_EVENTS, default 1,000,000, across BENCH_ENDPOINTS, default 10,000, over one day of event
 * time), against the pure in-memory fold of the same events as the baseline, run side by side.
 * Prints events/s for both, the ratio, the target (>= 100,000 events/s) and the peak RSS.
 */
import { foldAttempt, type EndpointHealth } from '../src/domain/health/endpoint-health.js';
import type { AttemptRecordedValue } from '../src/kafka/records.js';
import { projectionGroup } from '../src/roles/projection.js';
import { startEngine } from '../src/roles/engine.js';
import { benchSetting, deployment, log, until } from './support.js';

const EVENTS = Number(benchSetting('BENCH_EVENTS', '1000000'));
const ENDPOINTS = Number(benchSetting('BENCH_ENDPOINTS', '10000'));
const T0 = Date.parse('2026-03-01T00:00:00Z');

function event(i: number): AttemptRecordedValue {
  const endpoint = i % ENDPOINTS;
  const failing = endpoint % 10 === 0 || i % 17 === 0;
  return {
    deliveryId: `d${i}`,
    endpointId: `ep-${endpoint}`,
    attempt: 1,
    eventTime: T0 + Math.floor((i / EVENTS) * 86_400_000),
    outcome: failing ? 'retryable' : 'success',
    status: failing ? 503 : 200,
    errorClass: failing ? 'http_503' : null,
    latencyMs: 10 + (i % 400),
    tierIndex: null,
    dueAt: null,
    disablesEndpoint: false,
    operatorAction: null,
  };
}

// Baseline: the same fold, in memory, no Kafka.
let started = Date.now();
const states = new Map<string, EndpointHealth>();
for (let i = 0; i < EVENTS; i++) {
  const e = event(i);
  states.set(e.endpointId, foldAttempt(states.get(e.endpointId), e));
}
const baselineRate = EVENTS / ((Date.now() - started) / 1000);
states.clear();

const d = await deployment({ KRETRY_TIERS: '1s' });
log(`producing ${EVENTS} attempts…`);
for (let i = 0; i < EVENTS; i += 5000) {
  const messages = [];
  for (let k = i; k < Math.min(EVENTS, i + 5000); k++) {
    const value = event(k);
    messages.push({ key: value.endpointId, value: d.codecs.attempts.encode(value) });
  }
  await d.producer.send({ topic: d.names.attempts, messages });
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
started = Date.now();
const engine = await startEngine(d.config, d.logger, { roles: ['projection'], defaultMetrics: false });
const high = await d.admin.fetchTopicOffsets(d.names.attempts);
let caughtUp = false;
const poll = setInterval(() => {
  void (async () => {
    const [committed] = await d.admin.fetchOffsets({
      groupId: projectionGroup(d.names),
      topics: [d.names.attempts],
    });
    const done = high.reduce(
      (n, p) =>
        n + Math.max(0, Number(committed?.partitions.find((c) => c.partition === p.partition)?.offset ?? 0)),
      0,
    );
    log(`projection: ${done} / ${EVENTS}`);
    caughtUp = done >= EVENTS;
  })();
}, 1000);
await until(() => caughtUp);
const seconds = (Date.now() - started) / 1000;
clearInterval(poll);
clearInterval(sampler);
await engine.stop();

const rate = EVENTS / seconds;
process.stdout.write(
  `events: ${EVENTS} across ${ENDPOINTS} endpoints\n` +
    `projection (Kafka, transactional snapshots): ${rate.toFixed(0)} events/s (${seconds.toFixed(1)} s incl. group join and restore)\n` +
    `pure fold in memory (baseline):              ${baselineRate.toFixed(0)} events/s\n` +
    `ratio: ${(rate / baselineRate).toFixed(2)}; target >= 100000 events/s: ${rate >= 100_000 ? 'met' : 'missed'}\n` +
    `peak RSS: ${Math.round(peakRss / 1048576)} MB\n`,
);
await d.cleanup();
