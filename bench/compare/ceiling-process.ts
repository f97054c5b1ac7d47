/**
 * The fair ceiling's process: a bare kafkajs consumer → undici POST pipeline, with none of
 * kretry's work (no transactions, no Avro, no attempt records, no retries). It runs at the same
 * HTTP concurrency as kretry (one process-wide limit), with kretry's undici agent settings, on
 * the same partitions, so the ratio kretry/ceiling is the price of kretry's guarantees alone.
 *
 * `eachBatch`, not `eachMessage`: `eachMessage` awaits one message per partition at a time, so
 * its concurrency is capped at the partition count (6), which is what made the old baseline unfair.
 * Offsets are committed by kafkajs's auto-commit after each batch (at-least-once, like a typical app).
 */
import { Kafka, logLevel } from 'kafkajs';
import { childOptions, reportEvent } from './child-peer.js';
import { createBenchHttpClient, createLimiter } from './http-client.js';
import type { InputRecord, PeerStartOptions } from './peer.js';

const options = childOptions<PeerStartOptions>();
const http = createBenchHttpClient();
const limiter = createLimiter(options.concurrency);
const kafka = new Kafka({
  clientId: 'bench-ceiling',
  brokers: options.brokers.split(','),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: `${options.runId}-ceiling` });
consumer.on(consumer.events.CRASH, (e) =>
  reportEvent('crash', { error: String(e.payload.error), restart: e.payload.restart }),
);

await consumer.connect();
await consumer.subscribe({ topic: options.inputTopic, fromBeginning: true });
await consumer.run({
  partitionsConsumedConcurrently: options.partitions,
  eachBatch: async (payload) => {
    await Promise.all(
      payload.batch.messages.map((message) =>
        limiter.run(async () => {
          const record = JSON.parse(message.value?.toString('utf8') ?? '{}') as InputRecord;
          await http.post(record.url, record.body);
        }),
      ),
    );
    await payload.heartbeat();
  },
});
reportEvent('running');

process.once('SIGTERM', () => {
  void consumer
    .disconnect()
    .then(() => http.close())
    .finally(() => process.exit(0));
});
