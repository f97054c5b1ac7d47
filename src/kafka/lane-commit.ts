import type { Logger } from '../observability/logger.js';
import { RECORD_OVERHEAD_BYTES, sendBudgetBytes, splitBySize } from '../domain/partition/commit-budget.js';
import { encodeWindow } from '../domain/offset-window.js';
import type { BrokerLimits } from './broker-limits.js';
import type { Lane, OutputRecord } from './partition-lane.js';
import type { PartitionWork } from './partition-processor.js';
import { isFenced } from './transactional-producers.js';

export type CommitOutcome = 'idle' | 'committed' | 'fenced' | 'failed';

interface CommitContext<T, S> {
  readonly groupId: string;
  readonly topic: string;
  readonly limits: BrokerLimits;
  readonly logger: Logger;
  readonly work: PartitionWork<T, S>;
}

/**
 * One transaction of one lane: every record its finished work caused, then the new commit point
 * with the finished offsets above it in the metadata. Never more than one per lane at a time.
 *
 * Always fits: the records go in several sends, each under the topics' `max.message.bytes` (one
 * send of everything once sent a batch the broker refused as MESSAGE_TOO_LARGE, forever), and the
 * metadata fits by construction (the offset ledger never lets work run past the encodable span).
 * A failure is never retried with the same producer: the caller closes it and reopens the lane.
 */
export async function commitLane<T, S>(
  lane: Lane<T, S>,
  context: CommitContext<T, S>,
): Promise<CommitOutcome> {
  const { ledger, producer } = lane;
  if (lane.committing || ledger === undefined || producer === undefined) return 'idle';
  if (lane.state !== 'active' && lane.state !== 'paused' && lane.state !== 'draining') return 'idle';
  const { offsets, window } = ledger.nextCommit();
  if (offsets.length === 0) return 'idle';
  lane.committing = true;
  const { groupId, topic, limits, logger, work } = context;
  const finished = offsets
    .map((offset) => lane.pending.get(offset))
    .filter((f) => f !== undefined)
    .sort((a, b) => a.offset - b.offset);
  let transaction: Awaited<ReturnType<typeof producer.transaction>> | undefined;
  try {
    const extra =
      work.beforeCommit === undefined ? undefined : work.beforeCommit(lane.workState as S, finished, window);
    const records = [...finished.flatMap((f) => f.processed.records), ...(extra?.records ?? [])];
    const open = await producer.transaction();
    transaction = open;
    const budget = sendBudgetBytes(limits.maxMessageBytes);
    for (const group of splitBySize(records, recordBytes, budget)) {
      await open.sendBatch({ topicMessages: byTopic(group) });
    }
    await whileConcurrent(() =>
      open.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          {
            topic,
            partitions: [
              // kafkajs passes `metadata` through to TxnOffsetCommit; its types omit the field.
              {
                partition: lane.partition,
                offset: String(window.commitPoint),
                metadata: encodeWindow(window),
              } as { partition: number; offset: string },
            ],
          },
        ],
      }),
    );
    await open.commit();
    // Debug: with `partition opened`, enough to replay who committed what (the chaos suite).
    logger.debug(
      {
        topic,
        partition: lane.partition,
        offsets: offsets.length,
        first: offsets[0],
        last: offsets.at(-1),
        commitPoint: window.commitPoint,
        finishedAbove: window.finishedAbove.length,
        records: records.length,
      },
      'committed',
    );
    ledger.committedThrough(window, offsets.length);
    for (const f of finished) lane.pending.delete(f.offset);
    for (const f of finished) f.processed.afterCommit?.();
    extra?.afterCommit?.();
    return 'committed';
  } catch (error) {
    if (transaction?.isActive() === true) await transaction.abort().catch(() => undefined);
    if (isFenced(error)) return 'fenced';
    logger.warn(
      { err: error, topic, partition: lane.partition, records: finished.length },
      'commit failed; closing the producer and reopening the partition',
    );
    return 'failed';
  } finally {
    lane.committing = false;
  }
}

/**
 * AddOffsetsToTxn right after the previous EndTxn often meets CONCURRENT_TRANSACTIONS: the
 * coordinator is still writing the previous transaction's markers. The Java client retries it;
 * kafkajs's `sendOffsets` does not (docs/kafkajs.md, trap 6), and reopening the lane for it would
 * redo every record of the commit. The failed request changed nothing, so asking again within the
 * same transaction is safe; after ~3 s the caller's ordinary failure path takes over.
 */
async function whileConcurrent<R>(call: () => Promise<R>): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const type = (error as { type?: unknown } | undefined)?.type;
      if (type !== 'CONCURRENT_TRANSACTIONS' || attempt >= CONCURRENT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * 2 ** attempt)));
    }
  }
}

const CONCURRENT_RETRIES = 10;

function recordBytes(record: OutputRecord): number {
  return record.value.length + Buffer.byteLength(record.key) + RECORD_OVERHEAD_BYTES;
}

function byTopic(
  records: readonly OutputRecord[],
): { topic: string; messages: { key: string; value: Buffer; partition?: number }[] }[] {
  const grouped = new Map<string, { key: string; value: Buffer; partition?: number }[]>();
  for (const record of records) {
    const list = grouped.get(record.topic) ?? [];
    list.push(
      record.partition === undefined
        ? { key: record.key, value: record.value }
        : { key: record.key, value: record.value, partition: record.partition },
    );
    grouped.set(record.topic, list);
  }
  return [...grouped].map(([topic, messages]) => ({ topic, messages }));
}
