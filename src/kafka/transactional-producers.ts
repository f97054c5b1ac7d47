import type { Kafka, Producer } from 'kafkajs';

/**
 * kafkajs predates KIP-447, so zombie fencing comes from the transactional id: one producer per
 * input partition, its id derived from group, topic and partition. A new owner of the partition
 * initialises the same id, which fences the old owner and settles its open transaction first.
 */
export function transactionalId(groupId: string, topic: string, partition: number): string {
  return `${groupId}.${topic}.${partition}`;
}

export async function connectTransactionalProducer(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partition: number,
): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId: transactionalId(groupId, topic, partition),
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 60_000,
    retry: { initialRetryTime: 10, maxRetryTime: 1_000, retries: 20 },
  });
  await producer.connect();
  return producer;
}

/** Errors after which this producer can never commit again: another owner holds the partition. */
export function isFenced(error: unknown): boolean {
  const type = (error as { type?: unknown }).type;
  return (
    type === 'INVALID_PRODUCER_EPOCH' ||
    type === 'PRODUCER_FENCED' ||
    type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'
  );
}
