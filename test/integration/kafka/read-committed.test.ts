import type { Producer, Transaction } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopics, testKafka, uniqueName, waitFor } from '../harness/context.js';

/**
 * What the chaos suite caught: a read_committed kafkajs consumer handed over records of aborted
 * transactions when several transactions, written by different producers into one partition,
 * interleave and abort (src/kafka/kafkajs-read-committed.ts). A real broker writes the log and the
 * aborted-transaction index here; the consumer must see exactly the committed records.
 */
describe('read_committed consumers (kafkajs, with kretry’s aborted-record filter)', () => {
  const kafka = testKafka();
  const topic = uniqueName('read-committed');
  const producers: Producer[] = [];
  const admin = kafka.admin();
  let dropTopic: () => Promise<void> = () => Promise.resolve();
  const committed: string[] = [];
  const aborted: string[] = [];

  beforeAll(async () => {
    await admin.connect();
    dropTopic = await createTopics(admin, [{ topic, numPartitions: 1 }]);
    for (let i = 0; i < 4; i++) {
      const producer = kafka.producer({
        transactionalId: `${topic}-p${i}`,
        maxInFlightRequests: 1,
        idempotent: true,
      });
      await producer.connect();
      producers.push(producer);
    }
    // Rounds of four interleaved transactions, ended in an order unlike their start order, about
    // half of them aborted: the index lists aborted transactions by their end, not their start.
    for (let round = 0; round < 12; round++) {
      const open: Transaction[] = [];
      for (const [i, producer] of producers.entries()) {
        open[i] = await producer.transaction();
      }
      for (let step = 0; step < 3; step++) {
        for (const [i, txn] of open.entries()) {
          await txn.send({ topic, messages: [{ key: 'k', value: `r${round}-p${i}-s${step}` }] });
        }
      }
      for (const i of [3, 1, 0, 2]) {
        const txn = open[i] as Transaction;
        const values = [0, 1, 2].map((step) => `r${round}-p${i}-s${step}`);
        if ((round + i) % 2 === 0) {
          await txn.abort();
          aborted.push(...values);
        } else {
          await txn.commit();
          committed.push(...values);
        }
      }
    }
  });

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()));
    await dropTopic();
    await admin.disconnect();
  });

  it('hands over every committed record and no aborted one, from the start and from mid-log', async () => {
    for (const fromMiddle of [false, true]) {
      const seen: string[] = [];
      const consumer = kafka.consumer({
        groupId: uniqueName('rc-reader'),
        readUncommitted: false,
        maxWaitTimeInMs: 100,
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          seen.push(String(message.value));
          return Promise.resolve();
        },
      });
      if (fromMiddle) {
        // Start inside the log, after several aborted transactions began: where kafkajs went wrong.
        consumer.seek({ topic, partition: 0, offset: '40' });
      }
      await waitFor(() => seen.includes(committed.at(-1) ?? ''), { what: 'the last committed record' });
      await consumer.disconnect();
      expect(seen.filter((v) => aborted.includes(v))).toEqual([]);
      if (!fromMiddle) expect([...seen].sort()).toEqual([...committed].sort());
    }
  });
});
