import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKretryError, isTransient, type KretryError } from '../../../src/errors.js';
import type { DeliveryRequestValue } from '../../../src/kafka/records.js';
import { schema } from '../../../src/kafka/schemas.js';
import { createRegistryClient, registerValueCodec, type ValueCodec } from '../../../src/kafka/value-codec.js';
import { registryUrl, uniqueName } from '../harness/context.js';
import { RegistryStandIn } from '../harness/registry-stand-in.js';

const real = createRegistryClient(registryUrl());

const older: Omit<DeliveryRequestValue, 'policy'> = {
  deliveryId: 'old_1',
  endpointId: 'ep',
  url: 'https://example.test',
  method: 'POST',
  headers: {},
  body: Buffer.from('x'),
  contentType: 'text/plain',
  createdAt: 1_700_000_000_000,
};

/** The DeliveryRequest schema as an older producer had it: no policy field. */
function olderSchema(): string {
  const json = structuredClone(schema('DeliveryRequest').json) as { fields: { name: string }[] };
  json.fields = json.fields.filter((f) => f.name !== 'policy');
  return JSON.stringify(json);
}

/**
 * A codec whose registry client goes through `standIn`, and a record written under another version
 * of its schema, registered through the real registry so that neither the codec nor its client has
 * seen that schema id yet.
 */
async function foreignRecord(
  standIn: RegistryStandIn,
): Promise<{ codec: ValueCodec<DeliveryRequestValue>; encoded: Buffer; writerId: number }> {
  const topic = uniqueName('codec');
  const codec = await registerValueCodec<DeliveryRequestValue>(
    createRegistryClient(standIn.url),
    topic,
    schema('DeliveryRequest'),
  );
  const { id } = await real.register(
    { type: SchemaType.AVRO, schema: olderSchema() },
    { subject: `${topic}-value` },
  );
  expect(id).not.toBe(codec.schemaId);
  return { codec, encoded: await real.encode(id, older), writerId: id };
}

async function failureOf(promise: Promise<unknown>): Promise<KretryError> {
  try {
    await promise;
  } catch (error) {
    if (isKretryError(error)) return error;
    throw new Error(`expected a KretryError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the decode to fail');
}

describe('decoding: what is really undecodable', () => {
  let standIn: RegistryStandIn;
  beforeAll(async () => {
    standIn = await RegistryStandIn.start(registryUrl());
  });
  afterAll(async () => {
    await standIn.stop();
  });

  it('a schema id the registry answers 404 for: KRETRY_SCHEMA, not retryable, asked again next time', async () => {
    const missingId = 2_147_483_647;
    // The premise, from the registry itself rather than assumed.
    expect((await fetch(`${registryUrl()}/schemas/ids/${missingId}`)).status).toBe(404);
    const { codec } = await foreignRecord(standIn);
    const record = Buffer.concat([
      Buffer.from([0, 0x7f, 0xff, 0xff, 0xff]),
      codec.encode({ ...older, policy: null }),
    ]);

    const first = await failureOf(codec.decode(record));
    expect(first).toMatchObject({ code: 'KRETRY_SCHEMA', retryable: false });
    expect(first.context).toMatchObject({ schemaId: missingId, status: 404 });
    expect(isTransient(first)).toBe(false);
    // A 404 is not remembered: the next record naming that id asks the registry again.
    const second = await failureOf(codec.decode(record));
    expect(second.code).toBe('KRETRY_SCHEMA');
    expect(standIn.count(`/schemas/ids/${missingId}`)).toBe(2);
  });

  it('bytes that do not match the schema: KRETRY_SCHEMA, not retryable, under its own id and another', async () => {
    const { codec, encoded, writerId } = await foreignRecord(standIn);
    const own = codec.encode({ ...older, policy: null });
    for (const bad of [own.subarray(0, own.length - 3), Buffer.concat([own, Buffer.from([1, 2, 3])])]) {
      const error = await failureOf(codec.decode(bad));
      expect(error).toMatchObject({ code: 'KRETRY_SCHEMA', retryable: false });
      expect(error.context).toMatchObject({ schemaId: codec.schemaId });
    }
    const truncated = await failureOf(codec.decode(encoded.subarray(0, encoded.length - 2)));
    expect(truncated).toMatchObject({ code: 'KRETRY_SCHEMA', retryable: false });
    expect(truncated.context).toMatchObject({ schemaId: writerId });
    expect(isTransient(truncated)).toBe(false);
  });

  it('no magic byte: KRETRY_SCHEMA, not retryable, without asking the registry', async () => {
    const { codec } = await foreignRecord(standIn);
    const before = standIn.requests.length;
    const error = await failureOf(codec.decode(Buffer.from('this is not avro')));
    expect(error).toMatchObject({ code: 'KRETRY_SCHEMA', retryable: false });
    expect(standIn.requests.length).toBe(before);
  });
});

describe('decoding: a registry that is away is transient', () => {
  let standIn: RegistryStandIn;
  beforeAll(async () => {
    standIn = await RegistryStandIn.start(registryUrl());
  });
  afterAll(async () => {
    standIn.mode = { kind: 'proxy' };
    await standIn.stop();
  });

  interface Fault {
    readonly name: string;
    readonly enter: () => Promise<void> | void;
    readonly leave: () => Promise<void> | void;
    /** The status the error carries (mappersmith gives 400 to a request that got no answer). */
    readonly status: number | undefined;
    /** Requests for the schema id while the fault lasts: the library retries 5xx and socket errors. */
    readonly tries: number;
  }
  const faults: Fault[] = [
    {
      name: '503',
      enter: () => void (standIn.mode = { kind: 'status', status: 503 }),
      leave: () => void (standIn.mode = { kind: 'proxy' }),
      status: 503,
      tries: 3,
    },
    {
      name: '429',
      enter: () => void (standIn.mode = { kind: 'status', status: 429 }),
      leave: () => void (standIn.mode = { kind: 'proxy' }),
      status: 429,
      tries: 1,
    },
    {
      name: 'the socket closed without an answer',
      enter: () => void (standIn.mode = { kind: 'close' }),
      leave: () => void (standIn.mode = { kind: 'proxy' }),
      status: 400,
      tries: 3,
    },
    {
      name: 'no answer within the request timeout',
      enter: () => void (standIn.mode = { kind: 'hang' }),
      leave: () => void (standIn.mode = { kind: 'proxy' }),
      status: 400,
      tries: 1,
    },
    {
      name: 'not listening (connection refused)',
      enter: () => standIn.stop(),
      leave: () => standIn.listenAgain(),
      status: 400,
      tries: 0,
    },
  ];

  for (const fault of faults) {
    it(`${fault.name}: KRETRY_REGISTRY, retryable; decodes once the registry is back`, async () => {
      const { codec, encoded, writerId } = await foreignRecord(standIn);
      const path = `/schemas/ids/${writerId}`;
      const before = standIn.count(path);
      await fault.enter();
      const startedAt = Date.now();
      let error: KretryError;
      try {
        error = await failureOf(codec.decode(encoded));
      } finally {
        await fault.leave();
      }
      const tookMs = Date.now() - startedAt;

      expect(error).toMatchObject({ code: 'KRETRY_REGISTRY', retryable: true });
      expect(isTransient(error)).toBe(true);
      expect(error.context).toMatchObject({ schemaId: writerId, status: fault.status });
      expect(standIn.count(path) - before).toBe(fault.tries);
      // Bounded by createRegistryClient's 3 s request timeout and short retries, not the library's defaults.
      expect(tookMs).toBeLessThan(6_000);

      // The failed lookup was not cached: the same record decodes now, and the resolver is kept.
      expect(await codec.decode(encoded)).toEqual({
        ...older,
        policy: null,
        retryUnsafe: null,
        backoff: null,
      });
      const afterSuccess = standIn.count(path);
      expect(await codec.decode(encoded)).toEqual({
        ...older,
        policy: null,
        retryUnsafe: null,
        backoff: null,
      });
      expect(standIn.count(path)).toBe(afterSuccess);
    });
  }
});
