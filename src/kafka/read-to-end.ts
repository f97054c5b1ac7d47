import type { Consumer } from 'kafkajs';

/**
 * Calls `done` once the consumer has read every partition in `pending` (partition → its log end
 * when the read began) up to that end, removing each partition as it gets there. kafkajs reports
 * the last offset of every batch, batches of transaction markers only included, which is how a
 * read_committed reader knows it reached the end without a last-stable-offset API.
 */
export function onReadToEnd(consumer: Consumer, pending: Map<number, number>, done: () => void): void {
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const high = pending.get(payload.partition);
    if (high !== undefined && Number(payload.lastOffset) + 1 >= high) pending.delete(payload.partition);
    if (pending.size === 0) done();
  });
}
