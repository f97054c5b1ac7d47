/**
 * Consuming kretry's dead letters: every DeadLetter carries the original request, the reason, the
 * last response and every attempt, so nothing else needs to be looked up.
 * Run: KRETRY_BROKERS=… KRETRY_SCHEMA_REGISTRY_URL=… npx tsx examples/consume-dlq.ts [maxMessages]
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';

interface DeadLetter {
  request: { deliveryId: string; endpointId: string; url: string; body: Buffer } | null;
  // exhausted: either limit, in letters written before max_attempts and max_age; unknown: a newer reason.
  reason:
    | 'permanent_failure'
    | 'max_attempts'
    | 'max_age'
    | 'endpoint_disabled'
    | 'target_forbidden'
    | 'invalid_record'
    | 'unsafe_to_retry'
    | 'exhausted'
    | 'unknown';
  lastStatus: number | null;
  lastError: string | null;
  deadAt: number;
  attempts: { attempt: number; at: number; outcome: string; status: number | null }[];
}

const prefix = process.env['KRETRY_TOPIC_PREFIX'] ?? 'kretry.';
const max = Number(process.argv[2] ?? Infinity);
const kafka = new Kafka({
  brokers: (process.env['KRETRY_BROKERS'] ?? '127.0.0.1:9092').split(','),
  logLevel: logLevel.WARN, // kafkajs logs INFO to stdout otherwise
});
const registry = new SchemaRegistry({
  host: process.env['KRETRY_SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
});

const consumer = kafka.consumer({ groupId: 'my-dlq-handler', readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topic: `${prefix}dlq`, fromBeginning: true });
let seen = 0;
await new Promise<void>((resolve) => {
  void consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value === null || seen >= max) return;
      const letter = (await registry.decode(message.value)) as DeadLetter;
      seen++;
      console.log(
        JSON.stringify({
          deliveryId: letter.request?.deliveryId,
          endpointId: letter.request?.endpointId,
          reason: letter.reason,
          lastStatus: letter.lastStatus,
          attempts: letter.attempts.length,
        }),
      );
      if (seen >= max) resolve();
    },
  });
});
await consumer.disconnect();
