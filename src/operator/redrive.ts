import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { DeadLetterReason } from '../domain/route.js';
import { KretryError } from '../errors.js';
import type { Codecs } from '../kafka/codecs.js';
import { onReadToEnd } from '../kafka/read-to-end.js';
import type { DeadLetterValue } from '../kafka/records.js';
import type { Topology } from '../kafka/topology.js';
import type { Logger } from '../observability/logger.js';

export interface RedriveFilter {
  readonly endpointId?: string | undefined;
  readonly reason?: DeadLetterReason | undefined;
  /** Dead letters with deadAt at or after this (epoch ms). */
  readonly since?: number | undefined;
  /** Dead letters with deadAt before this (epoch ms). */
  readonly until?: number | undefined;
}

export interface RedriveOptions extends RedriveFilter {
  /** Stop after re-injecting this many. */
  readonly limit?: number | undefined;
  /** Count what would be re-injected; write and commit nothing. */
  readonly dryRun?: boolean | undefined;
  readonly onProgress?: ((progress: RedriveProgress) => void) | undefined;
}

export interface RedriveProgress {
  /** Offsets to read this run, from the committed ones to the log end at start (an upper bound: transaction markers count). */
  readonly toRead: number;
  readonly read: number;
  readonly matched: number;
  readonly reinjected: number;
  /** Matching dead letters without a request to re-inject (invalid_record). */
  readonly unredrivable: number;
}

export interface RedriveDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: Topology;
  readonly codecs: Pick<Codecs, 'dlq' | 'ingest'>;
  readonly logger: Logger;
}

export function matchesFilter(letter: DeadLetterValue, filter: RedriveFilter): boolean {
  if (filter.reason !== undefined && letter.reason !== filter.reason) return false;
  if (filter.since !== undefined && letter.deadAt < filter.since) return false;
  if (filter.until !== undefined && letter.deadAt >= filter.until) return false;
  if (filter.endpointId !== undefined && letter.request?.endpointId !== filter.endpointId) return false;
  return true;
}

/**
 * `kretry redrive`: the `redrive` group reads the dlq from its committed offsets up to the log end
 * as it was at start, and re-injects matching dead letters into ingest unchanged (same deliveryId,
 * so the same `webhook-id`). Each batch's re-injections and the group's offsets commit in one
 * transaction: a second run skips what the first re-injected, and resetting the group (`kretry
 * replay --group <prefix>redrive`) is how an operator redrives the same dead letters again.
 */
export async function redrive(deps: RedriveDeps, options: RedriveOptions = {}): Promise<RedriveProgress> {
  const { kafka, admin, topology, codecs } = deps;
  const group = topology.redriveGroup;
  const described = await admin.describeGroups([group]);
  const members = described.groups[0]?.members ?? [];
  if (members.length > 0) {
    throw new KretryError(
      'KRETRY_USAGE',
      `another redrive is running (group ${group} has ${members.length} active member(s): ${members
        .map((m) => `${m.clientId}@${m.clientHost}`)
        .join(', ')}); wait for it to finish`,
    );
  }
  const ends = await admin.fetchTopicOffsets(topology.dlq);
  const committed = await admin.fetchOffsets({ groupId: group, topics: [topology.dlq] });
  const startAt = new Map(
    (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
  );
  const pending = new Map<number, number>();
  let toRead = 0;
  for (const end of ends) {
    const from = Math.max(startAt.get(end.partition) ?? -1, Number(end.low));
    const high = Number(end.high);
    if (from < high) {
      pending.set(end.partition, high);
      toRead += high - from;
    }
  }
  const progress = { toRead, read: 0, matched: 0, reinjected: 0, unredrivable: 0 };
  const report = (): void => options.onProgress?.({ ...progress });
  report();
  if (pending.size === 0) return progress;

  // A dry run reads with a throw-away group placed at the redrive group's offsets.
  const readGroup = options.dryRun === true ? `${group}-dry-run-${randomUUID()}` : group;
  const placed = [...startAt].filter(([, offset]) => offset >= 0);
  if (options.dryRun === true && placed.length > 0) {
    await admin.setOffsets({
      groupId: readGroup,
      topic: topology.dlq,
      partitions: placed.map(([partition, offset]) => ({ partition, offset: String(offset) })),
    });
  }
  const consumer: Consumer = kafka.consumer({
    groupId: readGroup,
    readUncommitted: false,
    maxWaitTimeInMs: 200,
  });
  const producer: Producer | undefined =
    options.dryRun === true
      ? undefined
      : kafka.producer({
          transactionalId: `${group}.${topology.dlq}`,
          idempotent: true,
          maxInFlightRequests: 1,
        });
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const limitReached = (): boolean => options.limit !== undefined && progress.reinjected >= options.limit;
  onReadToEnd(consumer, pending, finish);
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));

  const handleBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const high = pending.get(batch.partition);
    if (high === undefined || limitReached()) return;
    const reinject: { key: string; value: Buffer }[] = [];
    // Counted into `progress` only once committed: a failed batch is fetched and counted again.
    const counts = { read: 0, matched: 0, reinjected: 0, unredrivable: 0 };
    const room = options.limit === undefined ? Infinity : options.limit - progress.reinjected;
    let through: number | undefined;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset >= high || counts.reinjected >= room) break;
      through = offset;
      counts.read++;
      if (message.value === null) continue;
      let letter: DeadLetterValue;
      try {
        letter = await codecs.dlq.decode(message.value);
      } catch (error) {
        deps.logger.warn(
          { err: error, partition: batch.partition, offset },
          'undecodable dead letter skipped',
        );
        continue;
      }
      if (!matchesFilter(letter, options)) continue;
      counts.matched++;
      if (letter.request === null) {
        counts.unredrivable++;
        continue;
      }
      reinject.push({ key: letter.request.endpointId, value: codecs.ingest.encode(letter.request) });
      counts.reinjected++;
    }
    if (through === undefined) return;
    if (producer !== undefined) {
      const transaction = await producer.transaction();
      try {
        if (reinject.length > 0) await transaction.send({ topic: topology.ingest, messages: reinject });
        await transaction.sendOffsets({
          consumerGroupId: group,
          topics: [
            {
              topic: topology.dlq,
              partitions: [{ partition: batch.partition, offset: String(through + 1) }],
            },
          ],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    }
    progress.read += counts.read;
    progress.matched += counts.matched;
    progress.reinjected += counts.reinjected;
    progress.unredrivable += counts.unredrivable;
    report();
    await payload.heartbeat();
    if (limitReached()) finish();
  };

  try {
    await producer?.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: topology.dlq, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch: handleBatch });
    await finished;
    report();
    return { ...progress };
  } finally {
    await consumer.disconnect();
    await producer?.disconnect();
    if (options.dryRun === true) await admin.deleteGroups([readGroup]).catch(() => undefined);
  }
}
