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

export function createRegistryClient(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url, clientId: 'kretry' });
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
  // every call, which is too slow for the hot path.
  const resolvers = new Map<number, avro.Resolver | null>();

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
      let resolver = resolvers.get(writerId);
      if (resolver === undefined) {
        const writer = writerId === schemaId ? null : ((await registry.getSchema(writerId)) as avro.Type);
        resolver = writer === null ? null : reader.createResolver(writer);
        resolvers.set(writerId, resolver);
      }
      const payload = buffer.subarray(HEADER_BYTES);
      return (resolver === null ? reader.fromBuffer(payload) : reader.fromBuffer(payload, resolver)) as T;
    },
  };
}
