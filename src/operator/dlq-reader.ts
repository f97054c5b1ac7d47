import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { DeadLetterValue } from '../kafka/records.js';
import { onReadToEnd } from '../kafka/read-to-end.js';
import type { ValueCodec } from '../kafka/value-codec.js';

export interface DlqEntry {
  readonly partition: number;
  readonly offset: string;
  /** null when the record could not be decoded (`error` says why). */
  readonly letter: DeadLetterValue | null;
  readonly error?: string;
}

export interface DlqReadOptions {
  /** Start at the first dead letter written at or after this time (epoch ms); default: the beginning. */
  readonly since?: number | undefined;
  /** Keep reading new dead letters until `signal` aborts; otherwise stop at the log end as it was at start. */
  readonly follow?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEntry: (entry: DlqEntry) => void | Promise<void>;
}

/**
 * Reads the dlq without moving anyone's offsets: a throw-away group, deleted afterwards, placed at
 * `since` (by record timestamp) or at the beginning. Without `follow` it ends once every partition
 * reached its log end as it was at start (kafkajs reports batches of transaction markers too).
 */
export async function readDlq(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  codec: ValueCodec<DeadLetterValue>,
  options: DlqReadOptions,
): Promise<void> {
  const groupId = `kretry-dlq-reader-${randomUUID()}`;
  const ends = await admin.fetchTopicOffsets(topic);
  const starts = new Map<number, number>(ends.map((e) => [e.partition, Number(e.low)]));
  if (options.since !== undefined) {
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, options.since);
    for (const p of byTime) {
      const end = ends.find((e) => e.partition === p.partition);
      const offset = Number(p.offset) < 0 ? Number(end?.high ?? 0) : Number(p.offset);
      starts.set(p.partition, offset);
    }
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [...starts].map(([partition, offset]) => ({ partition, offset: String(offset) })),
    });
  }
  const pending = new Map<number, number>();
  for (const end of ends) {
    if ((starts.get(end.partition) ?? 0) < Number(end.high)) pending.set(end.partition, Number(end.high));
  }
  if (options.follow !== true && pending.size === 0) {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return;
  }
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 250 });
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  if (options.follow !== true) {
    onReadToEnd(consumer, pending, finish);
  }
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
  options.signal?.addEventListener('abort', () => finish(), { once: true });
  if (options.signal?.aborted === true) finish();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const high = pending.get(partition);
        if (options.follow !== true && (high === undefined || Number(message.offset) >= high)) return;
        if (message.value === null) return;
        let entry: DlqEntry;
        try {
          entry = { partition, offset: message.offset, letter: await codec.decode(message.value) };
        } catch (error) {
          entry = { partition, offset: message.offset, letter: null, error: (error as Error).message };
        }
        await options.onEntry(entry);
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
