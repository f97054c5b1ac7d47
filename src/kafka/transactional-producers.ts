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

/**
 * Broker error codes after which this producer can never commit again: another owner holds the
 * partition. kafkajs 2.2.4 has no name for PRODUCER_FENCED (90, sent by brokers since Kafka 2.7):
 * it arrives as type KAFKAJS_UNKNOWN_ERROR_CODE with code -99 and the real code only in its message
 * ("Unknown error code 90", protocol/error.js), so that message is read too. Its retrier also
 * wraps a non-retriable protocol error in KafkaJSNonRetriableError (no type, no code) with the
 * original as `cause`, which is how fencing during a produce reaches us; so the causes count too.
 */
const FENCING_CODES: ReadonlySet<number> = new Set([
  47, // INVALID_PRODUCER_EPOCH
  53, // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  90, // PRODUCER_FENCED
]);

/** Errors after which this producer can never commit again: another owner holds the partition. */
export function isFenced(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (FENCING_CODES.has(brokerCode(e))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function brokerCode(error: object): number {
  const { code, type, message } = error as { code?: unknown; type?: unknown; message?: unknown };
  if (type === 'KAFKAJS_UNKNOWN_ERROR_CODE' && typeof message === 'string') {
    const named = /Unknown error code (-?\d+)/.exec(message);
    if (named !== null) return Number(named[1]);
  }
  return typeof code === 'number' ? code : Number.NaN;
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
