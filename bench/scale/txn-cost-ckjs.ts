import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { createTopics } from '../../src/kafka/create-topics.js';
import { packageRoot } from '../../src/package-root.js';
import { delay } from '../../src/stack/processes.js';
import { ProcSampler } from './proc-sampler.js';
import type { TxnShapeResult } from './txn-cost.js';

/**
 * Phase C again with `@confluentinc/kafka-javascript` (librdkafka) instead of kafkajs, when it is
 * installed: it is not a dependency of kretry (a native build), so this is an experiment. Install
 * it without saving, e.g. `CKJS_LINKING=dynamic npm install --no-save
 * @confluentinc/kafka-javascript@1.10.1`, or point BENCH_SCALE_CKJS_DIR at a folder that has it.
 *
 * Its `sendOffsets` takes the consumer itself, so the offsets go with the group's member id and
 * generation (KIP-447): the broker would reject them from a member of an older generation. The
 * consumer here has joined the group and owns the input partitions, as a lane's consumer would.
 */

/** The few parts of the client's KafkaJS-compatible API this uses. */
interface CkjsConsumer {
  connect(): Promise<void>;
  subscribe(args: { topics: string[] }): Promise<void>;
  run(args: { eachMessage: () => Promise<void> }): Promise<void>;
  assignment(): unknown[];
  disconnect(): Promise<void>;
}
interface CkjsTransaction {
  send(args: {
    topic: string;
    messages: { key: string; value: Buffer; partition: number }[];
  }): Promise<unknown>;
  sendOffsets(args: {
    consumer: CkjsConsumer;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<void>;
  commit(): Promise<void>;
}
interface CkjsProducer {
  connect(): Promise<void>;
  transaction(): Promise<CkjsTransaction>;
  disconnect(): Promise<void>;
}
interface CkjsKafka {
  producer(config: Record<string, unknown>): CkjsProducer;
  consumer(config: Record<string, unknown>): CkjsConsumer;
}
interface CkjsModule {
  KafkaJS: { Kafka: new (config: Record<string, unknown>) => CkjsKafka; logLevel: { ERROR: number } };
}

const MODULE = '@confluentinc/kafka-javascript';

/** The client, from BENCH_SCALE_CKJS_DIR or the package's own node_modules; undefined when absent. */
export function loadCkjs(fromDir: string | undefined): CkjsModule | undefined {
  const require = createRequire(import.meta.url);
  try {
    const path = require.resolve(MODULE, { paths: [fromDir ?? packageRoot()] });
    return require(path) as CkjsModule;
  } catch {
    return undefined;
  }
}

export async function measureTxnCostCkjs(
  ckjs: CkjsModule,
  admin: Kafka,
  bootstrap: string,
  topicPrefix: string,
  partitions: number,
  seconds: number,
  brokerPid: number | undefined,
): Promise<TxnShapeResult[]> {
  const tag = `${topicPrefix}ckjs-${randomUUID().slice(0, 6)}`;
  const input = `${tag}.in`;
  const output = `${tag}.out`;
  const kafkaAdmin = admin.admin();
  await kafkaAdmin.connect();
  await createTopics(
    kafkaAdmin,
    [input, output].map((name) => ({ name, configs: {} })),
    { partitions, replicationFactor: 1 },
  );
  const { Kafka, logLevel } = ckjs.KafkaJS;
  const kafka = new Kafka({ kafkaJS: { brokers: bootstrap.split(','), logLevel: logLevel.ERROR } });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: `${tag}.group`, fromBeginning: true, autoCommit: false },
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [input] });
    await consumer.run({ eachMessage: () => Promise.resolve() });
    const joinBy = Date.now() + 60_000;
    while (consumer.assignment().length < partitions) {
      if (Date.now() > joinBy) throw new Error('librdkafka consumer: no assignment within 60 s');
      await delay(100);
    }
    const all = [...Array(partitions).keys()];
    const results: TxnShapeResult[] = [];
    for (const shape of ['per-partition', 'per-process'] as const) {
      const lanes = shape === 'per-partition' ? all.map((p) => [p]) : [all];
      const producers = await Promise.all(
        lanes.map(async (_, i) => {
          const producer = kafka.producer({
            'linger.ms': 0,
            kafkaJS: { transactionalId: `${tag}.${shape}.${i}`, idempotent: true, maxInFlightRequests: 1 },
          });
          await producer.connect();
          return producer;
        }),
      );
      const sampler = new ProcSampler();
      if (brokerPid !== undefined) sampler.watch('broker', brokerPid);
      sampler.watch('client', process.pid);
      const from = sampler.mark();
      const until = Date.now() + seconds * 1000;
      const value = Buffer.alloc(100);
      const counts = await Promise.all(
        lanes.map(async (owned, i) => {
          const producer = producers[i] as CkjsProducer;
          let committed = 0;
          while (Date.now() < until) {
            const transaction = await producer.transaction();
            await transaction.send({
              topic: output,
              messages: owned.map((partition) => ({ key: 'k', value, partition })),
            });
            await transaction.sendOffsets({
              consumer,
              topics: [
                {
                  topic: input,
                  partitions: owned.map((partition) => ({ partition, offset: String(committed + 1) })),
                },
              ],
            });
            await transaction.commit();
            committed++;
          }
          return committed;
        }),
      );
      const usage = sampler.since(from);
      await Promise.all(producers.map((p) => p.disconnect()));
      results.push({
        shape,
        producers: producers.length,
        seconds: usage.seconds,
        transactions: counts.reduce((a, b) => a + b, 0),
        records: counts.reduce((sum, n, i) => sum + n * (lanes[i]?.length ?? 0), 0),
        brokerCpuSeconds: usage.cpuSeconds['broker'],
        clientCpuSeconds: usage.cpuSeconds['client'],
      });
    }
    return results;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await kafkaAdmin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
    await kafkaAdmin.disconnect();
  }
}
