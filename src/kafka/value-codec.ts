import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { KretryError } from '../errors.js';
import type { LoadedSchema } from './schemas.js';

/** Confluent wire format: magic byte 0, then the schema id as a 4-byte big-endian integer. */
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export interface ValueCodec<T> {
  readonly subject: string;
  readonly schemaId: number;
  encode(value: T): Buffer;
  /** Decodes any registered writer version into the current reader schema. */
  decode(buffer: Buffer): Promise<T>;
}

/**
 * How long one registry request may take. The library sets no timeout at all (mappersmith sends
 * without one unless a middleware adds it), so a registry that accepts the connection and never
 * answers would hold a decode, and with it a partition, forever.
 */
const REGISTRY_REQUEST_TIMEOUT_MS = 3_000;

/**
 * The library's own retry of GET requests (mappersmith's retry middleware v2, configured in the
 * library's api/index.js): it retries a 5xx and a socket error with a code such as ECONNREFUSED or
 * ECONNRESET, not a 429 and not a timeout (mappersmith's TimeoutError has no code). The library's
 * defaults are 3 retries from 100 ms, doubling, up to 5 s apart. kretry keeps them short, because
 * the caller (the partition processor) retries a transient failure with its own backoff and the
 * partition paused, and a long hidden retry here would only delay that: a refused connection fails
 * after 3 tries in about 0.3 s, a registry that never answers after one 3 s try, and the worst case
 * (a 5xx after nearly 3 s, three times) takes about 10 s.
 */
const REGISTRY_RETRY = {
  retries: 2,
  initialRetryTimeInSecs: 0.1,
  maxRetryTimeInSecs: 1,
  multiplier: 2,
  factor: 0.2,
} as const;

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/** mappersmith's TimeoutMiddleware, written here so kretry depends on nothing it does not declare. */
function requestTimeout(timeoutMs: number): RegistryMiddleware {
  return () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() === undefined ? request.enhance({ timeout: timeoutMs }) : request;
    },
  });
}

export function createRegistryClient(url: string): SchemaRegistry {
  return new SchemaRegistry({
    host: url,
    clientId: 'kretry',
    retry: REGISTRY_RETRY,
    middlewares: [requestTimeout(REGISTRY_REQUEST_TIMEOUT_MS)],
  });
}

/** TopicNameStrategy: the value subject of a topic is `<topic>-value`. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/**
 * Registers the schema under the topic's value subject with BACKWARD compatibility, so the
 * registry itself rejects a change that could not read what is already on the topic.
 */
export async function registerValueCodec<T>(
  registry: SchemaRegistry,
  topic: string,
  schema: LoadedSchema,
): Promise<ValueCodec<T>> {
  const subject = valueSubject(topic);
  let schemaId: number;
  try {
    ({ id: schemaId } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema.json) },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    ));
  } catch (error) {
    throw new KretryError(
      'KRETRY_SCHEMA',
      `Registering ${schema.name} under subject ${subject} failed: ${(error as Error).message}`,
      {
        cause: error,
        context: { subject },
      },
    );
  }
  return codecFor<T>(registry, subject, schemaId, schema.type);
}

function codecFor<T>(
  registry: SchemaRegistry,
  subject: string,
  schemaId: number,
  reader: avro.Type,
): ValueCodec<T> {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  // One resolver per writer schema id; the library's own decode re-parses the reader schema on
  // every call, which is too slow for the hot path. Only a resolver is kept: a failed lookup is
  // asked again on the next record, and so is a 404, which the registry may not give for long (a
  // registry restored from a backup, a follower that has not yet read the id), and which is cheap
  // next to the dead letter it causes.
  const resolvers = new Map<number, avro.Resolver>();

  async function resolverFor(writerId: number): Promise<avro.Resolver> {
    const known = resolvers.get(writerId);
    if (known !== undefined) return known;
    let writer: avro.Type;
    try {
      writer = (await registry.getSchema(writerId)) as avro.Type;
    } catch (error) {
      throw lookupFailure(error, writerId);
    }
    let resolver: avro.Resolver;
    try {
      resolver = reader.createResolver(writer);
    } catch (error) {
      throw new KretryError(
        'KRETRY_SCHEMA',
        `Schema id ${writerId} cannot be read as ${subject}: ${(error as Error).message}`,
        { cause: error, context: { schemaId: writerId, subject } },
      );
    }
    resolvers.set(writerId, resolver);
    return resolver;
  }

  return {
    subject,
    schemaId,
    encode(value: T): Buffer {
      return Buffer.concat([header, reader.toBuffer(value)]);
    },
    async decode(buffer: Buffer): Promise<T> {
      if (buffer.length < HEADER_BYTES || buffer.readUInt8(0) !== MAGIC_BYTE) {
        throw new KretryError(
          'KRETRY_SCHEMA',
          'Not in Confluent wire format (no magic byte 0 and schema id).',
        );
      }
      const writerId = buffer.readInt32BE(1);
      const resolver = writerId === schemaId ? undefined : await resolverFor(writerId);
      try {
        return reader.fromBuffer(buffer.subarray(HEADER_BYTES), resolver) as T;
      } catch (error) {
        throw new KretryError(
          'KRETRY_SCHEMA',
          `The bytes do not match schema id ${writerId}: ${(error as Error).message}`,
          { cause: error, context: { schemaId: writerId, subject } },
        );
      }
    },
  };
}

/**
 * Why the registry did not give a schema, as a KretryError. Only a 404 says the id does not exist,
 * so the record can never be decoded (KRETRY_SCHEMA). Everything else is the registry being away,
 * slow or busy (KRETRY_REGISTRY, retryable), including the status 400 that mappersmith gives to a
 * request that got no answer at all: its gateway turns a socket error (ECONNREFUSED, "socket hang
 * up") or a timeout into a Response with status 400, and the library's error middleware turns that
 * into a ResponseError { status, message, url } (api/middleware/errorMiddleware.js). A registry
 * that answers but gives a schema avsc cannot parse also lands here: asking again is harmless, and
 * dead-lettering a record kretry might read tomorrow is not.
 */
function lookupFailure(error: unknown, schemaId: number): KretryError {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404) {
    return new KretryError('KRETRY_SCHEMA', `Schema id ${schemaId} is not in the registry: ${message}`, {
      cause: error,
      context: { schemaId, status },
    });
  }
  return new KretryError('KRETRY_REGISTRY', `Fetching schema id ${schemaId} failed: ${message}`, {
    retryable: true,
    cause: error,
    context: status === undefined ? { schemaId } : { schemaId, status },
  });
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}

/**
 * A codec that decodes through `codec` and keeps only what `project` takes: a table that needs a few
 * fields of a large value holds just those. It writes nothing.
 */
export function readOnly<V, P>(codec: ValueCodec<V>, project: (value: V) => P): ValueCodec<P> {
  return {
    subject: codec.subject,
    schemaId: codec.schemaId,
    encode: () => {
      throw new Error(`invariant: a projection of ${codec.subject} is read-only`);
    },
    decode: async (buffer) => project(await codec.decode(buffer)),
  };
}
