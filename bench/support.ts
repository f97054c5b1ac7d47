import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { processEnv } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { stackOptionsFrom } from '../src/config/stack-options.js';
import { registerCodecs, type Codecs } from '../src/kafka/codecs.js';
import { createTopics } from '../src/kafka/create-topics.js';
import { PARTITIONER, createKafka } from '../src/kafka/kafka-client.js';
import { topicSpecs, topology, type Topology } from '../src/kafka/topology.js';
import { createRegistryClient } from '../src/kafka/value-codec.js';
import { createLogger, type Logger } from '../src/observability/logger.js';
import type { ConnectedConfig } from '../src/roles/engine.js';
import type { BackoffStrategyValue } from '../src/kafka/records.js';
import { stackUp } from '../src/stack/stack.js';

export const log = (line: string): void => void process.stderr.write(`${line}\n`);

export function benchSetting(name: string, fallback: string): string {
  return processEnv()[name] ?? fallback;
}

/** A kretry deployment of its own on the configured broker, or on the local stack. */
export interface Deployment {
  readonly config: ConnectedConfig;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly names: Topology;
  readonly codecs: Codecs;
  readonly logger: Logger;
  cleanup(extraTopics?: readonly string[]): Promise<void>;
}

export async function deployment(env: Record<string, string>): Promise<Deployment> {
  const processVars = processEnv();
  let brokers = processVars['KRETRY_BROKERS'];
  let registryUrl = processVars['KRETRY_SCHEMA_REGISTRY_URL'];
  if (brokers === undefined || registryUrl === undefined) {
    const stack = await stackUp(stackOptionsFrom(processVars), log);
    brokers = stack.bootstrap;
    registryUrl = stack.registryUrl;
  }
  const config: ConnectedConfig = {
    ...loadConfig({
      env: {
        KRETRY_TOPIC_PREFIX: `bench${randomUUID().slice(0, 6)}.`,
        KRETRY_PARTITIONS: '6',
        KRETRY_API_PORT: '0',
        KRETRY_ALLOW_PRIVATE_TARGETS: 'true',
        ...env,
      },
    }),
    brokers: brokers.split(','),
    schemaRegistryUrl: registryUrl,
  };
  const logger = createLogger('error');
  const kafka = createKafka(config.brokers, logger);
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, topicSpecs(config), { partitions: config.partitions, replicationFactor: 1 });
  const names = topology(config);
  const codecs = await registerCodecs(createRegistryClient(registryUrl), names);
  const producer = kafka.producer({ createPartitioner: PARTITIONER });
  await producer.connect();
  return {
    config,
    kafka,
    admin,
    producer,
    names,
    codecs,
    logger,
    async cleanup(extraTopics = []) {
      await producer.disconnect();
      await admin
        .deleteTopics({ topics: [...topicSpecs(config).map((s) => s.name), ...extraTopics] })
        .catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Produces `count` DeliveryRequests (ids d0…) to `ingest`, in batches of 1,000. */
export async function produceRequests(
  d: Deployment,
  count: number,
  url: string,
  backoffOf: (k: number) => BackoffStrategyValue | null = () => null,
): Promise<void> {
  log(`producing ${count} deliveries…`);
  for (let i = 0; i < count; i += 1000) {
    const messages = [];
    for (let k = i; k < Math.min(count, i + 1000); k++) {
      const value = d.codecs.ingest.encode({
        deliveryId: `d${k}`,
        endpointId: `ep${k % 100}`,
        url,
        method: 'POST',
        headers: {},
        body: Buffer.from('{"n":1}'),
        contentType: 'application/json',
        createdAt: Date.now(),
        policy: null,
        backoff: backoffOf(k),
      });
      messages.push({ key: `ep${k % 100}`, value });
    }
    await d.producer.send({ topic: d.names.ingest, messages });
  }
}

export interface Receiver {
  readonly url: string;
  readonly stats: { received: number; firstAt: number; lastAt: number };
  close(): void;
}

/** A local HTTP receiver; `status` decides each answer. */
export async function receiver(status: (req: IncomingMessage) => number): Promise<Receiver> {
  const stats = { received: 0, firstAt: 0, lastAt: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (stats.received === 0) stats.firstAt = Date.now();
      stats.received++;
      stats.lastAt = Date.now();
      res.writeHead(status(req)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    stats,
    close: () => void server.close(),
  };
}

export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 100));
}
