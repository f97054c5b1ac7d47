import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import type { DeadLetterValue } from '../../../src/kafka/records.js';
import { schema, type SchemaName } from '../../../src/kafka/schemas.js';
import { createRegistryClient, registerValueCodec } from '../../../src/kafka/value-codec.js';
import { registryUrl, uniqueName } from '../harness/context.js';

const real = createRegistryClient(registryUrl());

/** The reasons before max_attempts, max_age, unsafe_to_retry (and the enum's default) came. */
const OLD_REASONS = [
  'permanent_failure',
  'exhausted',
  'endpoint_disabled',
  'target_forbidden',
  'invalid_record',
];

/**
 * A schema as the release before this change had it: no `retryUnsafe` field anywhere (DeliveryRequest
 * is inlined into DeadLetter) and the five old reasons with no default.
 */
function olderSchema(name: SchemaName): string {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== 'object' || node === null) return node;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) copy[key] = strip(value);
    if (copy['type'] === 'record' && Array.isArray(copy['fields'])) {
      copy['fields'] = (copy['fields'] as { name: string }[]).filter((f) => f.name !== 'retryUnsafe');
    }
    if (copy['type'] === 'enum' && copy['name'] === 'kretry.v1.DeadLetterReason') {
      copy['symbols'] = OLD_REASONS;
      delete copy['default'];
    }
    return copy;
  };
  return JSON.stringify(strip(schema(name).json));
}

describe('schema evolution on the real registry (BACKWARD)', () => {
  it('accepts the new DeadLetter over the old one, and reads an old exhausted letter as exhausted', async () => {
    const topic = uniqueName('dlq-evolution');
    const { id: oldId } = await real.register(
      { type: SchemaType.AVRO, schema: olderSchema('DeadLetter') },
      { subject: `${topic}-value` },
    );
    const old = await real.encode(oldId, {
      request: null,
      reason: 'exhausted',
      lastStatus: 503,
      lastError: 'http_503',
      lastResponseBody: null,
      firstAttemptAt: 1_700_000_000_000,
      deadAt: 1_700_000_060_000,
      attempts: [],
      rawValue: null,
      source: null,
    });
    // registerValueCodec asks the registry for BACKWARD compatibility: it refuses an incompatible change.
    const codec = await registerValueCodec<DeadLetterValue>(real, topic, schema('DeadLetter'));
    expect(codec.schemaId).not.toBe(oldId);
    expect(await codec.decode(old)).toMatchObject({ reason: 'exhausted', lastStatus: 503 });
    // The registered text keeps the enum's default, so other readers resolve a newer reason to it.
    const registered = await (await fetch(`${registryUrl()}/schemas/ids/${codec.schemaId}`)).json();
    expect(JSON.stringify(registered)).toContain('\\"default\\":\\"unknown\\"');
  });

  it.each(['DeliveryRequest', 'EndpointConfig'] as const)(
    'accepts the new %s (retryUnsafe, default null) over the old one and reads old records with null',
    async (name) => {
      const topic = uniqueName('evolution');
      const { id: oldId } = await real.register(
        { type: SchemaType.AVRO, schema: olderSchema(name) },
        { subject: `${topic}-value` },
      );
      const codec = await registerValueCodec<Record<string, unknown>>(real, topic, schema(name));
      expect(codec.schemaId).not.toBe(oldId);
      const oldValue =
        name === 'DeliveryRequest'
          ? {
              deliveryId: 'd1',
              endpointId: 'ep',
              url: '',
              method: 'PATCH',
              headers: {},
              body: Buffer.from('{}'),
              contentType: 'application/json',
              createdAt: 1_700_000_000_000,
              policy: null,
            }
          : {
              endpointId: 'ep',
              url: null,
              secrets: [],
              policy: null,
              enabled: true,
              disableOn404: null,
              enabledAt: null,
              circuitResetAt: null,
              updatedAt: 1_700_000_000_000,
            };
      expect(await codec.decode(await real.encode(oldId, oldValue))).toMatchObject({ retryUnsafe: null });
    },
  );
});
