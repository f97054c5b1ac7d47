import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { isTransient } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { PARTITIONER } from './kafka-client.js';
import { RESTORE_MARKER_PREFIX } from './restore-partitions.js';
import type { ValueCodec } from './value-codec.js';

/**
 * A compacted topic (endpoint-state, endpoints) as an in-memory table by key, read to the end at
 * start and followed after. "The end" is found with a marker tombstone written to every partition
 * at start (see restorePartitions for why the log end offset cannot be used). The view lags the
 * writer by one fetch (maxWait 100 ms) plus the writer's own commit delay: the README states the
 * bound.
 */
export class CompactedTable<V> {
  readonly #values = new Map<string, V>();
  #consumer: Consumer | undefined;
  #ready = false;
  #stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly codec: ValueCodec<V>,
    private readonly logger: Logger,
  ) {}

  get(key: string): V | undefined {
    return this.#values.get(key);
  }

  keys(): IterableIterator<string> {
    return this.#values.keys();
  }

  values(): IterableIterator<V> {
    return this.#values.values();
  }

  get size(): number {
    return this.#values.size;
  }

  /** Forgets every entry `keep` says no to (a table whose topic expires entries by age). */
  prune(keep: (value: V) => boolean): void {
    for (const [key, value] of this.#values) if (!keep(value)) this.#values.delete(key);
  }

  /** True once the table has read its topic to the end once. */
  get ready(): boolean {
    return this.#ready;
  }

  async start(): Promise<void> {
    const [metadata] = (await this.admin.fetchTopicMetadata({ topics: [this.topic] })).topics;
    const partitions = metadata?.partitions.map((p) => p.partitionId) ?? [];
    const marker = `${RESTORE_MARKER_PREFIX}table-${randomUUID()}`;
    const pending = new Set(partitions);
    let caughtUp: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    const groupId = `kretry-table-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async (payload) => {
        const { partition, message } = payload;
        const key = message.key?.toString() ?? '';
        if (key === marker) {
          pending.delete(partition);
          if (pending.size === 0) caughtUp();
          return;
        }
        if (key.startsWith(RESTORE_MARKER_PREFIX)) return;
        if (message.value === null) {
          this.#values.delete(key);
          return;
        }
        const value = await this.#decode(key, message.value, () => payload.heartbeat());
        if (value !== undefined) this.#values.set(key, value);
      },
    });
    const producer = this.kafka.producer({ createPartitioner: PARTITIONER });
    await producer.connect();
    await producer.send({
      topic: this.topic,
      messages: partitions.map((partition) => ({ key: marker, value: null, partition })),
    });
    await producer.disconnect();
    if (partitions.length > 0) await ready;
    this.#ready = true;
  }

  /**
   * A registry that is away (KRETRY_REGISTRY, retryable) is waited for, with a capped backoff:
   * skipping the record would leave the table without the endpoint's configuration or health
   * until the key is written again. Only a record that is really undecodable is skipped, logged.
   */
  async #decode(key: string, bytes: Buffer, heartbeat: () => Promise<void>): Promise<V | undefined> {
    for (let failures = 1; ; failures++) {
      try {
        return await this.codec.decode(bytes);
      } catch (error) {
        if (!isTransient(error) || this.#stopped) {
          this.logger.error({ err: error, key, topic: this.topic }, 'undecodable record ignored');
          return undefined;
        }
        const delay = Math.min(10_000, 250 * 2 ** Math.min(failures - 1, 6));
        this.logger.warn(
          { err: error, key, topic: this.topic, retryInMs: delay },
          'decoding waits for the registry',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        await heartbeat();
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#consumer?.disconnect();
  }
}
