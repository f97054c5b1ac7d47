import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { createRegistryClient, registerValueCodec } from '../../../src/kafka/value-codec.js';
import { schema } from '../../../src/kafka/schemas.js';
import { registryUrl, uniqueName } from '../harness/context.js';

interface DeliveryRequestValue {
  deliveryId: string;
  endpointId: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  contentType: string;
  createdAt: number;
  policy: null | { maxAttempts: number | null; maxAgeMs: number | null; tiers: number[] | null };
  retryUnsafe: boolean | null;
  backoff: null;
}

describe('the real schema registry', () => {
  const registry = createRegistryClient(registryUrl());

  it('registers a schema from schemas/ and round-trips a value in Confluent wire format', async () => {
    const topic = uniqueName('registry-ingest');
    const codec = await registerValueCodec<DeliveryRequestValue>(registry, topic, schema('DeliveryRequest'));
    expect(codec.subject).toBe(`${topic}-value`);

    const value: DeliveryRequestValue = {
      deliveryId: 'msg_1',
      endpointId: 'ep_1',
      url: 'https://example.test/hook',
      method: 'POST',
      headers: { 'x-tenant': 't1' },
      body: Buffer.from('{"hello":"world"}'),
      contentType: 'application/json',
      createdAt: 1_700_000_000_000,
      policy: { maxAttempts: 3, maxAgeMs: null, tiers: null },
      retryUnsafe: null,
      backoff: null,
    };
    const encoded = codec.encode(value);
    expect(encoded.readUInt8(0)).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(codec.schemaId);
    expect(await codec.decode(encoded)).toEqual(value);
    // Any Confluent-format reader can decode it through the registry alone.
    expect(await registry.decode(encoded)).toMatchObject({
      deliveryId: 'msg_1',
      createdAt: 1_700_000_000_000,
    });
  });

  it('decodes values written with another compatible version of the schema', async () => {
    const topic = uniqueName('registry-evolve');
    const codec = await registerValueCodec<DeliveryRequestValue>(registry, topic, schema('DeliveryRequest'));
    // An older producer: no policy field, timestamps as plain longs.
    const older = structuredClone(schema('DeliveryRequest').json) as {
      fields: { name: string; type: unknown }[];
    };
    older.fields = older.fields.filter((f) => f.name !== 'policy');
    for (const field of older.fields) if (field.name === 'createdAt') field.type = 'long';
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(older) },
      { subject: `${topic}-value` },
    );
    const encoded = await registry.encode(id, {
      deliveryId: 'old_1',
      endpointId: 'ep',
      url: 'https://example.test',
      method: 'POST',
      headers: {},
      body: Buffer.from('x'),
      contentType: 'text/plain',
      createdAt: 1_700_000_000_000,
    });
    expect(await codec.decode(encoded)).toMatchObject({
      deliveryId: 'old_1',
      createdAt: 1_700_000_000_000,
      policy: null,
    });
  });

  it('rejects an incompatible change to a registered schema', async () => {
    const topic = uniqueName('registry-compat');
    await registerValueCodec(registry, topic, schema('DeliveryRequest'));
    const incompatible = structuredClone(schema('DeliveryRequest').json) as { fields: unknown[] };
    // A new field without a default: new readers cannot read records already on the topic.
    incompatible.fields.push({ name: 'tenant', type: 'string' });
    await expect(
      registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(incompatible) },
        { subject: `${topic}-value` },
      ),
    ).rejects.toThrow(/incompatible/i);

    const compatible = structuredClone(schema('DeliveryRequest').json) as { fields: unknown[] };
    compatible.fields.push({ name: 'tenant', type: ['null', 'string'], default: null });
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(compatible) },
      { subject: `${topic}-value` },
    );
    expect(id).toBeGreaterThan(0);
  });
});
