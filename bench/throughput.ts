/**
 * `npm run bench:throughput`: deliveries per second through kretry's dispatcher (transactional
 * consume → HTTP → produce) against a bare kafkajs pipeline (consume → POST → auto-commit, no
 * transactions) as the ceiling, side by side on the same broker and receiver, and their ratio.
 * Rates run from the first delivery received to the last, so group joins are not counted.
 * BENCH_COUNT (50000), BENCH_LOOKAHEAD (500), BENCH_CONCURRENCY (32).
 */
import { Agent, request } from 'undici';
import { startEngine } from '../src/roles/engine.js';
import { benchSetting, deployment, log, produceRequests, receiver, until } from './support.js';

const COUNT = Number(benchSetting('BENCH_COUNT', '50000'));

const target = await receiver(() => 200);
const d = await deployment({
  KRETRY_TIERS: '1s',
  KRETRY_TIER_LOOKAHEAD: benchSetting('BENCH_LOOKAHEAD', '500'),
  KRETRY_CONCURRENCY: benchSetting('BENCH_CONCURRENCY', '32'),
});
await produceRequests(d, COUNT, target.url);
const baselineTopic = `${d.config.topicPrefix}baseline`;
await d.admin.createTopics({
  topics: [{ topic: baselineTopic, numPartitions: 6, replicationFactor: 1 }],
  waitForLeaders: true,
});
for (let i = 0; i < COUNT; i += 1000) {
  const messages = [];
  for (let k = i; k < Math.min(COUNT, i + 1000); k++)
    messages.push({ key: `ep${k % 100}`, value: JSON.stringify({ url: target.url }) });
  await d.producer.send({ topic: baselineTopic, messages });
}

function measure(): { rate: number; seconds: number } {
  const seconds = (target.stats.lastAt - target.stats.firstAt) / 1000;
  return { rate: COUNT / seconds, seconds };
}

Object.assign(target.stats, { received: 0, firstAt: 0, lastAt: 0 });
const ticker = setInterval(() => log(`kretry: ${target.stats.received} delivered`), 5000);
const engine = await startEngine({ ...d.config, roles: ['dispatcher'] }, d.logger, { defaultMetrics: false });
await until(() => target.stats.received >= COUNT);
clearInterval(ticker);
const kretry = measure();
await engine.stop();

Object.assign(target.stats, { received: 0, firstAt: 0, lastAt: 0 });
const agent = new Agent({ connections: 64 });
const consumer = d.kafka.consumer({ groupId: `${d.config.topicPrefix}baseline` });
await consumer.connect();
await consumer.subscribe({ topic: baselineTopic, fromBeginning: true });
await consumer.run({
  partitionsConsumedConcurrently: 6,
  eachMessage: async ({ message }) => {
    const { url } = JSON.parse(message.value?.toString() ?? '{}') as { url: string };
    const response = await request(url, { method: 'POST', body: '{"n":1}', dispatcher: agent });
    await response.body.dump();
  },
});
await until(() => target.stats.received >= COUNT);
const baseline = measure();
await consumer.disconnect();

process.stdout.write(
  `deliveries: ${COUNT}\n` +
    `kretry (transactional dispatcher): ${kretry.rate.toFixed(0)}/s (${kretry.seconds.toFixed(1)} s)\n` +
    `bare kafkajs (no transactions):    ${baseline.rate.toFixed(0)}/s (${baseline.seconds.toFixed(1)} s)\n` +
    `ratio: ${(kretry.rate / baseline.rate).toFixed(2)} (target >= 0.7)\n`,
);
await agent.close();
await d.cleanup([baselineTopic]);
target.close();
