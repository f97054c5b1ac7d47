/**
 * `npm run bench:throughput`: deliveries per second through kretry's dispatcher (transactional
 * consume → HTTP → produce) against a bare kafkajs pipeline (consume → POST → auto-commit, no
 * transactions) as the ceiling, side by side on the same broker and receiver, and their ratio.
 * Needs KRETRY_BROKERS/KRETRY_SCHEMA_REGISTRY_URL, or it uses the local stack.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { processEnv } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { stackOptionsFrom } from '../src/config/stack-options.js';
import { registerCodecs } from '../src/kafka/codecs.js';
import { createTopics } from '../src/kafka/create-topics.js';
import { createKafka } from '../src/kafka/kafka-client.js';
import { topicSpecs, topology } from '../src/kafka/topology.js';
import { createRegistryClient } from '../src/kafka/value-codec.js';
import { createLogger } from '../src/observability/logger.js';
import { startEngine, type ConnectedConfig } from '../src/roles/engine.js';
import { stackUp } from '../src/stack/stack.js';

const COUNT = Number(processEnv()['BENCH_COUNT'] ?? 50_000);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const env = processEnv();
  let brokers = env['KRETRY_BROKERS'];
  let registryUrl = env['KRETRY_SCHEMA_REGISTRY_URL'];
  if (brokers === undefined || registryUrl === undefined) {
    const stack = await stackUp(stackOptionsFrom(env), log);
    brokers = stack.bootstrap;
    registryUrl = stack.registryUrl;
  }
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (received === 0) firstAt = Date.now();
      received++;
      lastAt = Date.now();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const logger = createLogger('error');

  // kretry
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const config: ConnectedConfig = {
    ...loadConfig({
      env: {
        KRETRY_TOPIC_PREFIX: prefix,
        KRETRY_PARTITIONS: '6',
        KRETRY_ALLOW_PRIVATE_TARGETS: 'true',
        KRETRY_TIERS: '1s',
        KRETRY_TIER_LOOKAHEAD: process.env['BENCH_LOOKAHEAD'] ?? '500',
        KRETRY_CONCURRENCY: process.env['BENCH_CONCURRENCY'] ?? '32',
      },
    }),
    brokers: brokers.split(','),
    schemaRegistryUrl: registryUrl,
  };
  const kafka = createKafka(config.brokers, logger);
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, topicSpecs(config), { partitions: 6, replicationFactor: 1 });
  const names = topology(config);
  const codecs = await registerCodecs(createRegistryClient(registryUrl), names);
  const producer = kafka.producer();
  await producer.connect();
  log(`producing ${COUNT} deliveries…`);
  for (let i = 0; i < COUNT; i += 1000) {
    const messages = [];
    for (let k = i; k < Math.min(COUNT, i + 1000); k++) {
      const value = codecs.ingest.encode({
        deliveryId: `d${k}`,
        endpointId: `ep${k % 100}`,
        url,
        method: 'POST',
        headers: {},
        body: Buffer.from('{"n":1}'),
        contentType: 'application/json',
        createdAt: Date.now(),
        policy: null,
      });
      messages.push({ key: `ep${k % 100}`, value });
    }
    await producer.send({ topic: names.ingest, messages });
  }
  const baselineTopic = `${prefix}baseline`;
  await admin.createTopics({
    topics: [{ topic: baselineTopic, numPartitions: 6, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  for (let i = 0; i < COUNT; i += 1000) {
    const messages = [];
    for (let k = i; k < Math.min(COUNT, i + 1000); k++)
      messages.push({ key: `ep${k % 100}`, value: JSON.stringify({ deliveryId: `d${k}`, url }) });
    await producer.send({ topic: baselineTopic, messages });
  }

  received = 0;
  let started = Date.now();
  const ticker = setInterval(() => log(`received ${received}`), 2000);
  const engine = await startEngine({ ...config, roles: ['dispatcher'] }, logger, { defaultMetrics: false });
  while (received < COUNT) await new Promise((r) => setTimeout(r, 100));
  // From the first delivery to the last: group joins and schema registration are start-up, not throughput.
  const kretrySeconds = (lastAt - firstAt) / 1000;
  const kretryStartup = (firstAt - started) / 1000;
  clearInterval(ticker);
  await engine.stop();

  received = 0;
  started = Date.now();
  const agent = new Agent({ connections: 64 });
  const consumer = kafka.consumer({ groupId: `${prefix}baseline` });
  await consumer.connect();
  await consumer.subscribe({ topic: baselineTopic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachMessage: async ({ message }) => {
      const { url: target } = JSON.parse(message.value?.toString() ?? '{}') as { url: string };
      const response = await request(target, { method: 'POST', body: '{"n":1}', dispatcher: agent });
      await response.body.dump();
    },
  });
  while (received < COUNT) await new Promise((r) => setTimeout(r, 100));
  const baselineSeconds = (lastAt - firstAt) / 1000;
  const baselineStartup = (firstAt - started) / 1000;
  await consumer.disconnect();

  const kretryRate = COUNT / kretrySeconds;
  const baselineRate = COUNT / baselineSeconds;
  process.stdout.write(
    `deliveries: ${COUNT}\nkretry (transactional, dispatcher): ${kretryRate.toFixed(0)}/s (${kretrySeconds.toFixed(1)} s, start-up ${kretryStartup.toFixed(1)} s)\n` +
      `bare kafkajs (no transactions):     ${baselineRate.toFixed(0)}/s (${baselineSeconds.toFixed(1)} s, start-up ${baselineStartup.toFixed(1)} s)\nratio: ${(kretryRate / baselineRate).toFixed(2)}\n`,
  );
  await producer.disconnect();
  await admin
    .deleteTopics({ topics: [...topicSpecs(config).map((s) => s.name), baselineTopic] })
    .catch(() => undefined);
  await admin.disconnect();
  await agent.close();
  server.close();
}

await main();
