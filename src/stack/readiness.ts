// First: kafkajs's aborted-record filter must be replaced before kafkajs loads.
import '../kafka/kafkajs-read-committed.js';
import { Kafka, logLevel } from 'kafkajs';
import { PARTITIONER } from '../kafka/kafka-client.js';

/** True when the broker answers a metadata request. */
export async function brokerAnswers(bootstrap: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'kretry-stack-probe',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when the registry's readiness endpoint answers 200. */
export async function registryAnswers(healthUrl: string): Promise<boolean> {
  try {
    const response = await fetch(healthUrl, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * A fresh broker creates its group and transaction coordinators' topics on first use, and answers
 * NOT_COORDINATOR or "loading" until they are loaded; kafkajs does not retry TxnOffsetCommit on
 * those, so the first transactional `sendOffsets` against a new broker fails. The stack is ready
 * only once both coordinators answer.
 */
export async function warmCoordinators(bootstrap: string): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'kretry-stack-warmup',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    createPartitioner: PARTITIONER,
    transactionalId: 'kretry-stack-warmup',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  try {
    await admin.connect();
    // Throws until the group coordinator is loaded.
    await admin.describeGroups(['kretry-stack-warmup']);
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.abort();
    return true;
  } catch {
    return false;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
