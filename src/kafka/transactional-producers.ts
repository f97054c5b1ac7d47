import type { Kafka, Producer } from 'kafkajs';
import { PARTITIONER } from './kafka-client.js';

/**
 * kafkajs predates KIP-447, so zombie fencing comes from the transactional id: one producer per
 * input partition, its id derived from group, topic and partition.
 */
export function transactionalId(groupId: string, topic: string, partition: number): string {
  return `${groupId}.${topic}.${partition}`;
}

export function createTransactionalProducer(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partition: number,
): Producer {
  return kafka.producer({
    transactionalId: transactionalId(groupId, topic, partition),
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 60_000,
    createPartitioner: PARTITIONER,
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 8 },
  });
}

/**
 * Fences every earlier holder of the producer's transactional id and settles its open transaction.
 *
 * kafkajs (src/producer/index.js) initialises a transactional producer's id lazily: `connect()`
 * runs InitProducerId through the *idempotent* manager, WITHOUT the transactional id, which fences
 * nobody. Only the first `transaction()` sends InitProducerId with the transactional id — the call
 * that bumps the epoch, aborts (or waits out) the previous owner's transaction and makes its later
 * commits fail with a fencing error. A transaction begun and aborted at once does exactly that and
 * nothing else: kafkajs sends no EndTxn for a transaction without partitions or offsets.
 * A new owner must do this BEFORE it reads the committed offset; read first, and a zombie's late
 * commit can land after the read, so its records would be processed twice.
 */
export async function fence(producer: Producer): Promise<void> {
  const transaction = await producer.transaction();
  await transaction.abort();
}

/** Errors after which this producer can never commit again: another owner holds the partition. */
export function isFenced(error: unknown): boolean {
  const type = (error as { type?: unknown } | undefined)?.type;
  return (
    type === 'INVALID_PRODUCER_EPOCH' ||
    type === 'PRODUCER_FENCED' ||
    type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'
  );
}

/** Connects a transactional producer and fences earlier holders of its id (see `fence`). */
export async function connectTransactionalProducer(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partition: number,
): Promise<Producer> {
  const producer = createTransactionalProducer(kafka, groupId, topic, partition);
  await producer.connect();
  await fence(producer);
  return producer;
}
