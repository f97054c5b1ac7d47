import { randomUUID } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import { loadConfig } from '../../../src/config/load.js';
import { registerCodecs, type Codecs } from '../../../src/kafka/codecs.js';
import { createTopics } from '../../../src/kafka/create-topics.js';
import { PARTITIONER } from '../../../src/kafka/kafka-client.js';
import type { DeliveryRequestValue } from '../../../src/kafka/records.js';
import { topicSpecs, topology, type Topology } from '../../../src/kafka/topology.js';
import { createRegistryClient, type ValueCodec } from '../../../src/kafka/value-codec.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import {
  startEngine,
  type ConnectedConfig,
  type Engine,
  type EngineOptions,
} from '../../../src/roles/engine.js';
import { TEST_LOG_LEVEL, brokers, registryUrl, testKafka, waitFor } from './context.js';

export interface EngineFixture {
  readonly config: ConnectedConfig;
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly engine: Engine | undefined;
  send(
    request: Partial<DeliveryRequestValue> & Pick<DeliveryRequestValue, 'endpointId' | 'url'>,
  ): Promise<string>;
  sendRaw(key: string, value: Buffer): Promise<void>;
  /** Every value on a topic so far (read_committed), decoded. */
  readonly read: <T>(topic: string, codec: ValueCodec<T>) => TopicReader<T>;
  /** Graceful engine shutdown, once; `stop` calls it too. */
  stopEngine(): Promise<void>;
  stop(): Promise<void>;
}

export interface TopicReader<T> {
  readonly values: T[];
  until(predicate: (values: T[]) => boolean, what: string, timeoutMs?: number): Promise<T[]>;
}

/** A kretry deployment of its own (unique topic prefix) on the test broker, with `env` overrides. */
export async function startEngineFixture(
  env: Record<string, string>,
  options: { start?: boolean; engine?: EngineOptions; logger?: Logger } = {},
): Promise<EngineFixture> {
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const config = loadConfig({
    env: {
      KRETRY_TOPIC_PREFIX: prefix,
      KRETRY_PARTITIONS: '2',
      KRETRY_ALLOW_PRIVATE_TARGETS: 'true',
      KRETRY_LOG_LEVEL: TEST_LOG_LEVEL,
      KRETRY_SHUTDOWN_TIMEOUT: '5s',
      KRETRY_API_PORT: '0',
      ...env,
    },
  }) as ConnectedConfig;
  const connected: ConnectedConfig = { ...config, brokers: brokers(), schemaRegistryUrl: registryUrl() };
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, topicSpecs(connected), {
    partitions: connected.partitions,
    replicationFactor: 1,
  });
  const names = topology(connected);
  const codecs = await registerCodecs(createRegistryClient(registryUrl()), names);
  const engine =
    options.start === false
      ? undefined
      : await startEngine(connected, options.logger ?? createLogger(connected.logLevel), {
          defaultMetrics: false,
          ...options.engine,
        });
  const producer: Producer = kafka.producer({ createPartitioner: PARTITIONER });
  await producer.connect();
  const consumers: Consumer[] = [];
  let engineStopped: Promise<void> | undefined;
  const stopEngine = (): Promise<void> => (engineStopped ??= engine?.stop() ?? Promise.resolve());

  return {
    config: connected,
    topology: names,
    codecs,
    engine,
    async send(partial) {
      const deliveryId = partial.deliveryId ?? `msg_${randomUUID()}`;
      const request: DeliveryRequestValue = {
        method: 'POST',
        headers: {},
        body: Buffer.from(JSON.stringify({ deliveryId })),
        contentType: 'application/json',
        createdAt: Date.now(),
        policy: null,
        ...partial,
        deliveryId,
      };
      await producer.send({
        topic: names.ingest,
        messages: [{ key: request.endpointId, value: codecs.ingest.encode(request) }],
      });
      return deliveryId;
    },
    async sendRaw(key, value) {
      await producer.send({ topic: names.ingest, messages: [{ key, value }] });
    },
    read<T>(topic: string, codec: ValueCodec<T>): TopicReader<T> {
      const values: T[] = [];
      const consumer = kafka.consumer({
        groupId: `reader-${randomUUID()}`,
        readUncommitted: false,
        maxWaitTimeInMs: 200,
      });
      consumers.push(consumer);
      const ready = (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        // The reader is at least once: after a rebalance (a starved machine can miss heartbeats)
        // kafkajs fetches again from the last auto-commit. Each record counts once, by position.
        const seen = new Set<string>();
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            const position = `${partition}:${message.offset}`;
            if (seen.has(position)) return;
            seen.add(position);
            if (message.value !== null) values.push(await codec.decode(message.value));
          },
        });
      })();
      return {
        values,
        async until(predicate, what, timeoutMs = 60_000) {
          await ready;
          await waitFor(() => predicate(values), { what, timeoutMs });
          return values;
        },
      };
    },
    stopEngine,
    async stop() {
      await stopEngine();
      await Promise.all(consumers.map((c) => c.disconnect()));
      await producer.disconnect();
      await admin.deleteTopics({ topics: topicSpecs(connected).map((s) => s.name) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
