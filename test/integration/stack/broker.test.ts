import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, EachMessagePayload } from 'kafkajs';
import { PARTITIONER } from '../../../src/kafka/kafka-client.js';
import { createTopics, testKafka, uniqueName, waitFor } from '../harness/context.js';

describe('the real broker', () => {
  const kafka = testKafka();
  let admin: Admin;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await admin.disconnect();
  });

  it('creates topics with the admin client and describes them', async () => {
    const topic = uniqueName('stack-topics');
    cleanups.push(
      await createTopics(admin, [
        { topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ]),
    );
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });

  it('hides an aborted transaction from read_committed and shows a committed one exactly once, with its offsets', async () => {
    const input = uniqueName('stack-tx-in');
    const output = uniqueName('stack-tx-out');
    const group = uniqueName('stack-tx-group');
    cleanups.push(await createTopics(admin, [{ topic: input }, { topic: output }]));

    const producer = kafka.producer({
      createPartitioner: PARTITIONER,
      transactionalId: uniqueName('stack-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic: output, messages: [{ key: 'k', value: 'aborted' }] });
    await aborted.sendOffsets({
      consumerGroupId: group,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }],
    });
    await aborted.abort();

    const committed = await producer.transaction();
    await committed.send({ topic: output, messages: [{ key: 'k', value: 'committed' }] });
    await committed.sendOffsets({
      consumerGroupId: group,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }],
    });
    await committed.commit();
    // A last committed record marks the end: once it is read, everything before it has been.
    const marker = await producer.transaction();
    await marker.send({ topic: output, messages: [{ key: 'k', value: 'end' }] });
    await marker.commit();
    await producer.disconnect();

    // The offsets sent inside the committed transaction are the group's; the aborted ones are not.
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
    expect(offsets[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('7');

    const seen: string[] = [];
    const consumer: Consumer = kafka.consumer({
      groupId: uniqueName('stack-tx-reader'),
      readUncommitted: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: output, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }: EachMessagePayload) => {
        seen.push(message.value?.toString() ?? '');
        return Promise.resolve();
      },
    });
    await waitFor(() => seen.includes('end'), { what: 'the end marker' });
    await consumer.disconnect();

    expect(seen).toEqual(['committed', 'end']);
  });
});
