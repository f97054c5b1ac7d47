import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { onReadToEnd } from '../src/kafka/read-to-end.js';
import type { ValueCodec } from '../src/kafka/value-codec.js';

/**
 * Follows a topic (read_committed) from the beginning and hands every decoded value to `onValue`
 * until stopped. A consumer that kafkajs gives up on (it crashes without restarting, e.g. after a
 * long broker outage) is replaced by a new one that reads from the beginning again, so `onValue`
 * must be idempotent (adding to sets is).
 */
export class TopicTail<T> {
  #consumer: Consumer | undefined;
  #stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly codec: ValueCodec<T>,
    private readonly onValue: (value: T) => void,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `chaos-tail-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 250,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.#stopped) return;
      void consumer.disconnect().catch(() => undefined);
      void this.start().catch(() => undefined);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value !== null) this.onValue(await this.codec.decode(message.value));
      },
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#consumer?.disconnect().catch(() => undefined);
  }
}

export interface TopicContents<T> {
  readonly values: T[];
  /** Raw values that did not decode with the project's codec. */
  readonly undecodable: number;
  /** False when the deadline passed before every partition was read to its end. */
  readonly complete: boolean;
}

/**
 * Every committed value of a topic up to its current end. An open transaction (a process killed
 * mid-commit whose producer nobody fenced) holds read_committed readers back until it times out,
 * hence the deadline.
 */
export async function readTopic<T>(
  kafka: Kafka,
  topic: string,
  codec: ValueCodec<T>,
  timeoutMs: number,
): Promise<TopicContents<T>> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map<number, number>();
  for (const o of offsets) if (Number(o.high) > Number(o.low)) pending.set(o.partition, Number(o.high));
  // By position: kafkajs may hand a record over again (a batch retried after an error, a rejoin),
  // and a record counted twice here would read as a delivery dead-lettered or scheduled twice.
  const byPosition = new Map<string, T>();
  let undecodable = 0;
  if (pending.size === 0) return { values: [], undecodable, complete: true };

  const consumer = kafka.consumer({
    groupId: `chaos-audit-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  const done = new Promise<void>((resolve) => onReadToEnd(consumer, pending, resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const position = `${partition}@${message.offset}`;
        if (message.value === null || byPosition.has(position)) return;
        try {
          byPosition.set(position, await codec.decode(message.value));
        } catch {
          undecodable++;
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const complete = await Promise.race([
      done.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return { values: [...byPosition.values()], undecodable, complete };
  } finally {
    await consumer.disconnect();
  }
}
