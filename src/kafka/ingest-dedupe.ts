import type { Admin, Kafka, Producer } from 'kafkajs';
import { DedupeMemory, type Accepted } from '../domain/dedupe-memory.js';
import { KretryError } from '../errors.js';
import type { OutputRecord } from './partition-lane.js';
import { restorePartitions } from './restore-partitions.js';
import type { ValueCodec } from './value-codec.js';

/**
 * A record header that makes the dispatcher skip the dedupe check: set by redrive, which is an
 * operator's deliberate decision to send a delivery again under the same deliveryId.
 */
export const BYPASS_DEDUPE_HEADER = 'kretry-redrive';

/**
 * An ingest-dedupe value: when the id was accepted (epoch ms) and at which ingest offset, 16 bytes,
 * big-endian. Internal bookkeeping, so no registry schema: nothing outside the dispatcher reads it
 * but the admin API (duplicate answers), which uses `decodeAccepted`.
 */
export function encodeAccepted(accepted: Accepted): Buffer {
  const value = Buffer.alloc(16);
  value.writeBigInt64BE(BigInt(accepted.at), 0);
  value.writeBigInt64BE(BigInt(accepted.offset), 8);
  return value;
}

export function decodeAccepted(value: Buffer): Accepted {
  if (value.length !== 16)
    throw new KretryError('KRETRY_SCHEMA', `an ingest-dedupe value is 16 bytes, not ${value.length}`);
  return { at: Number(value.readBigInt64BE(0)), offset: Number(value.readBigInt64BE(8)) };
}

/** The record that remembers an acceptance, on the dedupe partition numbered like the ingest one. */
export function acceptedRecord(
  topic: string,
  partition: number,
  deliveryId: string,
  accepted: Accepted,
): OutputRecord {
  return { topic, key: deliveryId, partition, value: encodeAccepted(accepted) };
}

/**
 * Restores the dedupe memory of the ingest partitions opening at the same moment with one read
 * (a rebalance opens them all at once). Each lane's writer, fenced just before, writes the marker
 * that tells the reader where its partition's committed contents end (restore-partitions.ts).
 */
export class DedupeRestorer {
  #waiting: {
    partition: number;
    producer: Producer;
    resolve: (memory: DedupeMemory) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  restore(partition: number, producer: Producer): Promise<DedupeMemory> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ partition, producer, resolve, reject });
      if (this.#waiting.length === 1) setImmediate(() => void this.#run());
    });
  }

  async #run(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    try {
      const writers = new Map(batch.map((w) => [w.partition, w.producer] as const));
      const restored = await restorePartitions(this.kafka, this.admin, this.topic, writers);
      const oldest = this.now() - this.windowMs;
      for (const waiting of batch) {
        const memory = new DedupeMemory(this.windowMs);
        const entries = [...(restored.get(waiting.partition) ?? [])]
          .map(([id, value]) => [id, decodeAccepted(value)] as const)
          .filter(([, accepted]) => accepted.at >= oldest)
          .sort(([, a], [, b]) => a.at - b.at);
        for (const [id, accepted] of entries) memory.remember(id, accepted);
        waiting.resolve(memory);
      }
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}

/** The ingest-dedupe values as a table codec (compacted-table.ts): no registry involved. */
export const ACCEPTED_CODEC: ValueCodec<Accepted> = {
  subject: '',
  schemaId: 0,
  encode: encodeAccepted,
  decode: (value) => Promise.resolve(decodeAccepted(value)),
};
