import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { DeadLetterReason } from '../domain/route.js';
import type { Logger } from '../observability/logger.js';
import type { DeadLetterValue } from './records.js';
import type { ValueCodec } from './value-codec.js';

/**
 * Dead letters on the dlq topic, counted by reason: read from the start of the retained log and
 * followed. Memory is one counter per reason, whatever the size of the dlq. It joins no shared
 * group and commits nothing (a throw-away group id), so it never moves anyone's offsets.
 */
export class DlqCounter {
  readonly #byReason = new Map<DeadLetterReason | 'undecodable', number>();
  #consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly codec: ValueCodec<DeadLetterValue>,
    private readonly logger: Logger,
  ) {}

  counts(): { readonly total: number; readonly byReason: Readonly<Record<string, number>> } {
    const byReason = Object.fromEntries([...this.#byReason].sort(([a], [b]) => a.localeCompare(b)));
    return { total: [...this.#byReason.values()].reduce((sum, n) => sum + n, 0), byReason };
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `kretry-dlq-counter-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 500,
    });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.value === null) return;
        let reason: DeadLetterReason | 'undecodable';
        try {
          reason = (await this.codec.decode(message.value)).reason;
        } catch (error) {
          this.logger.warn({ err: error, topic: this.topic }, 'undecodable dead letter counted as such');
          reason = 'undecodable';
        }
        this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + 1);
      },
    });
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
  }
}
