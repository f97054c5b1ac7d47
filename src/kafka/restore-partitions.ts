import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';

/** Keys of restore markers; readers of a state topic ignore them (they are tombstones). */
export const RESTORE_MARKER_PREFIX = '__kretry_restore__:';

/**
 * Reads the committed contents of some partitions of a compacted state topic: the latest value
 * per key. kafkajs has no way to learn a partition's last stable offset, and a read_committed
 * reader cannot tell "caught up" from "waiting behind markers", so each partition's writer (whose
 * transactional id was just initialised, settling any zombie's transaction) first commits a
 * marker tombstone; everything before the marker is the complete committed state.
 */
export async function restorePartitions(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  writers: ReadonlyMap<number, Producer>,
): Promise<Map<number, Map<string, Buffer>>> {
  const markers = new Map<number, string>();
  for (const [partition, producer] of writers) {
    const key = `${RESTORE_MARKER_PREFIX}${randomUUID()}`;
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ key, value: null, partition }] });
    await transaction.commit();
    markers.set(partition, key);
  }
  const restored = new Map<number, Map<string, Buffer>>(
    [...writers.keys()].map((p) => [p, new Map<string, Buffer>()]),
  );
  if (markers.size === 0) return restored;

  const groupId = `kretry-restore-${randomUUID()}`;
  const reader = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
  });
  const pending = new Set(markers.keys());
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await reader.connect();
  try {
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: ({ partition, message }) => {
        const values = restored.get(partition);
        const key = message.key?.toString();
        if (values === undefined || key === undefined || !pending.has(partition)) return Promise.resolve();
        if (key === markers.get(partition)) {
          pending.delete(partition);
          if (pending.size === 0) done();
        } else if (!key.startsWith(RESTORE_MARKER_PREFIX)) {
          if (message.value === null) values.delete(key);
          else values.set(key, message.value);
        }
        return Promise.resolve();
      },
    });
    await finished;
  } finally {
    await reader.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return restored;
}
