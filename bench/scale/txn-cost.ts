import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createTopics } from '../../src/kafka/create-topics.js';
import { PARTITIONER } from '../../src/kafka/kafka-client.js';
import { ProcSampler } from './proc-sampler.js';

/**
 * What a transaction costs the broker, apart from the records in it: back-to-back transactions of
 * one small record per partition plus the consumed offsets (a lane's commit, stripped of HTTP), in
 * two shapes for `partitions` partitions:
 *
 * - `per-partition`: one transactional producer per partition, each committing its own partition
 *   (kretry today, kafkajs has no KIP-447);
 * - `per-process`: one producer committing every partition in each transaction (what a KIP-447
 *   client allows: one producer per process, fenced by the group generation). kafkajs can send
 *   such a transaction, it just cannot fence a zombie by generation, so this measures only cost.
 */
export interface TxnShapeResult {
  readonly shape: 'per-partition' | 'per-process';
  readonly producers: number;
  readonly seconds: number;
  readonly transactions: number;
  /** Records committed (one per partition per transaction). */
  readonly records: number;
  readonly brokerCpuSeconds: number | undefined;
  /** CPU of this process (the kafkajs clients). */
  readonly clientCpuSeconds: number | undefined;
}

export async function measureTxnCost(
  kafka: Kafka,
  topicPrefix: string,
  partitions: number,
  seconds: number,
  brokerPid: number | undefined,
): Promise<TxnShapeResult[]> {
  const topic = `${topicPrefix}txn-cost-${randomUUID().slice(0, 6)}`;
  const admin = kafka.admin();
  await admin.connect();
  // kretry's own topic creation: it retries the metadata races a busy single broker shows.
  await createTopics(admin, [{ name: topic, configs: {} }], { partitions, replicationFactor: 1 });
  try {
    const results: TxnShapeResult[] = [];
    for (const shape of ['per-partition', 'per-process'] as const) {
      const lanes =
        shape === 'per-partition'
          ? [...Array(partitions).keys()].map((p) => [p])
          : [[...Array(partitions).keys()]];
      const producers = await Promise.all(
        lanes.map(async (_, i) => {
          const producer = kafka.producer({
            transactionalId: `${topic}.${shape}.${i}`,
            idempotent: true,
            maxInFlightRequests: 1,
            createPartitioner: PARTITIONER,
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
      const counts = await Promise.all(
        lanes.map((owned, i) =>
          commitLoop(producers[i] as Producer, topic, `${topic}.${shape}`, owned, until),
        ),
      );
      const usage = sampler.since(from);
      await Promise.all(producers.map((p) => p.disconnect()));
      const transactions = counts.reduce((a, b) => a + b, 0);
      results.push({
        shape,
        producers: producers.length,
        seconds: usage.seconds,
        transactions,
        records: counts.reduce((sum, n, i) => sum + n * (lanes[i]?.length ?? 0), 0),
        brokerCpuSeconds: usage.cpuSeconds['broker'],
        clientCpuSeconds: usage.cpuSeconds['client'],
      });
    }
    return results;
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Transactions back to back until `until`, each with one record per owned partition and their offsets. */
async function commitLoop(
  producer: Producer,
  topic: string,
  groupId: string,
  owned: readonly number[],
  until: number,
): Promise<number> {
  let committed = 0;
  const value = Buffer.alloc(100);
  while (Date.now() < until) {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: owned.map((partition) => ({ key: 'k', value, partition })) });
    await sendOffsetsRetrying(() =>
      transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          { topic, partitions: owned.map((partition) => ({ partition, offset: String(committed + 1) })) },
        ],
      }),
    );
    await transaction.commit();
    committed++;
  }
  return committed;
}

/** As lane-commit.ts: AddOffsetsToTxn right after an EndTxn may meet CONCURRENT_TRANSACTIONS. */
async function sendOffsetsRetrying(call: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as { type?: unknown }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * 2 ** attempt)));
    }
  }
}
