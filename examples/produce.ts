/**
 * Producing a delivery to kretry's ingest topic from TypeScript: kafkajs plus the schema registry.
 * kretry registered the DeliveryRequest schema under `<prefix>ingest-value` when it started.
 * Run: KRETRY_BROKERS=… KRETRY_SCHEMA_REGISTRY_URL=… npx tsx examples/produce.ts <endpointId> <url>
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const prefix = process.env['KRETRY_TOPIC_PREFIX'] ?? 'kretry.';
const kafka = new Kafka({
  brokers: (process.env['KRETRY_BROKERS'] ?? '127.0.0.1:9092').split(','),
  logLevel: logLevel.WARN, // kafkajs logs INFO to stdout otherwise
});
const registry = new SchemaRegistry({
  host: process.env['KRETRY_SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
});

const [endpointId = 'acme', url = 'https://example.com/webhooks'] = process.argv.slice(2);
const schemaId = await registry.getLatestSchemaId(`${prefix}ingest-value`);
const deliveryId = `msg_${randomUUID().replaceAll('-', '')}`; // becomes the webhook-id header
const value = await registry.encode(schemaId, {
  deliveryId,
  endpointId,
  url,
  method: 'POST',
  headers: { 'x-tenant': 'example' },
  body: Buffer.from(JSON.stringify({ type: 'invoice.paid', invoice: 42 })),
  contentType: 'application/json',
  createdAt: Date.now(),
  policy: null, // or { maxAttempts: 5, maxAgeMs: 3_600_000, tiers: null }
});

// murmur2, as Java clients and kretry partition: an endpoint's records share one partition.
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
await producer.connect();
// Key = endpointId: one endpoint's deliveries stay in one partition, in order.
await producer.send({ topic: `${prefix}ingest`, messages: [{ key: endpointId, value }] });
await producer.disconnect();
console.log(deliveryId);
