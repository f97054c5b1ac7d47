// First: kafkajs's aborted-record filter must be replaced before kafkajs loads.
import { assertReadCommittedFixed } from '../../../src/kafka/kafkajs-read-committed.js';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import { inject } from 'vitest';

/**
 * The log level of the engines the tests start. A warning a test provokes on purpose (a reset
 * projection group, a retried commit) is not a failure and would only bury vitest's report, so
 * engines log errors only: a real fault still prints. Lower it here while chasing a failure.
 */
export const TEST_LOG_LEVEL = process.env.KRETRY_TEST_LOG_LEVEL ?? 'error';

export function brokers(): string[] {
  return inject('kretryBrokers').split(',');
}

export function registryUrl(): string {
  return inject('kretryRegistryUrl');
}

/** Unique per call, so tests never share a topic, group or transactional id. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function testKafka(clientId = 'kretry-test'): Kafka {
  assertReadCommittedFixed();
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING });
}

/** Creates topics and returns a cleanup that deletes them. */
export async function createTopics(
  admin: Admin,
  topics: readonly ITopicConfig[],
): Promise<() => Promise<void>> {
  await admin.createTopics({ topics: [...topics], waitForLeaders: true });
  return async () => {
    await admin.deleteTopics({ topics: topics.map((t) => t.topic) }).catch(() => undefined);
  };
}

/** Polls until the condition holds or the deadline passes; never a bare sleep that hopes. */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  {
    timeoutMs = 30_000,
    intervalMs = 100,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
