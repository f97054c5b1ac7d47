import { BYPASS_DEDUPE_HEADER } from '../kafka/ingest-dedupe.js';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RecordedDeadLetterReason } from '../domain/route.js';
import { KretryError } from '../errors.js';
import type { Codecs } from '../kafka/codecs.js';
import { CompactedTable } from '../kafka/compacted-table.js';
import { PARTITIONER } from '../kafka/kafka-client.js';
import type { DeadLetterHandledValue, DeadLetterValue } from '../kafka/records.js';
import type { Topology } from '../kafka/topology.js';
import { fence } from '../kafka/transactional-producers.js';
import type { Logger } from '../observability/logger.js';
import { readDlq } from './dlq-reader.js';

export interface RedriveFilter {
  readonly endpointId?: string | undefined;
  readonly reason?: RecordedDeadLetterReason | undefined;
  /** Dead letters with deadAt at or after this (epoch ms). */
  readonly since?: number | undefined;
  /** Dead letters with deadAt before this (epoch ms). */
  readonly until?: number | undefined;
  /** Only the dead letters of this delivery. */
  readonly deliveryId?: string | undefined;
}

export interface HandleOptions extends RedriveFilter {
  /** Stop after handling this many. */
  readonly limit?: number | undefined;
  /** Count what would be handled; write nothing. */
  readonly dryRun?: boolean | undefined;
  readonly onProgress?: ((progress: HandleProgress) => void) | undefined;
}

export interface ResolveOptions extends HandleOptions {
  /** Who resolved them, as the operator gives it. */
  readonly by?: string | undefined;
  readonly note?: string | undefined;
}

export interface HandleProgress {
  /** Dead letters on the dlq when the run began (an upper bound: transaction markers count). */
  readonly toRead: number;
  readonly read: number;
  /** Matching dead letters not handled before. */
  readonly matched: number;
  /** Matching dead letters an earlier redrive or resolve already handled: skipped. */
  readonly alreadyHandled: number;
  /** Re-injected (redrive) or marked resolved (resolve) by this run. */
  readonly handled: number;
  /** Matching dead letters without a request to re-inject (invalid_record); redrive leaves them. */
  readonly unredrivable: number;
}

export interface RedriveDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: Topology;
  readonly codecs: Pick<Codecs, 'dlq' | 'ingest' | 'dlqHandled'>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export function matchesFilter(letter: DeadLetterValue, filter: RedriveFilter): boolean {
  if (filter.reason !== undefined && letter.reason !== filter.reason) return false;
  if (filter.since !== undefined && letter.deadAt < filter.since) return false;
  if (filter.until !== undefined && letter.deadAt >= filter.until) return false;
  if (filter.endpointId !== undefined && letter.request?.endpointId !== filter.endpointId) return false;
  if (filter.deliveryId !== undefined && letter.request?.deliveryId !== filter.deliveryId) return false;
  return true;
}

/** The key of a dead letter on `dlq-handled`: where it sits on the dlq, which never changes. */
export function letterKey(partition: number, offset: string | number): string {
  return `${partition}:${offset}`;
}

/**
 * The mark of the dead letter at (partition, offset), if it is this letter's. Coordinates are
 * unique only within one life of the dlq topic: deleted and created again, its offsets start over,
 * while `dlq-handled` keeps the marks of the letters that were there before. A mark whose deadAt
 * differs from the letter's belongs to such an earlier letter; ignoring it keeps the new letter
 * open instead of silently "already handled". (Marks written before deadAt was recorded apply.)
 */
export function markOf(
  marks: { get(key: string): DeadLetterHandledValue | undefined },
  partition: number,
  offset: string | number,
  letter: DeadLetterValue | null,
): DeadLetterHandledValue | undefined {
  const mark = marks.get(letterKey(partition, offset));
  if (mark === undefined || letter === null || mark.deadAt === null) return mark;
  return mark.deadAt === letter.deadAt ? mark : undefined;
}

/** Dead letters re-injected or resolved in one transaction. */
const CHUNK = 200;

/**
 * `kretry redrive`: re-injects matching dead letters into ingest unchanged (same deliveryId, so
 * the same `webhook-id`), each exactly once. Which letters were handled is remembered per letter
 * on the compacted `dlq-handled` topic, written in the same transaction as the re-injection, not as
 * a group offset: a filtered run then leaves every letter it did not match available to the next
 * run with another filter, and redriving the same filter twice finds nothing the second time.
 */
export function redrive(deps: RedriveDeps, options: HandleOptions = {}): Promise<HandleProgress> {
  return handleDeadLetters(deps, options, 'redriven');
}

/**
 * `kretry dlq resolve`: marks matching dead letters handled (who, note, when) without a
 * re-injection; they are no longer redriven nor counted as open by `dlq stats`.
 */
export function resolve(deps: RedriveDeps, options: ResolveOptions = {}): Promise<HandleProgress> {
  return handleDeadLetters(deps, options, 'resolved');
}

async function handleDeadLetters(
  deps: RedriveDeps,
  options: ResolveOptions,
  action: DeadLetterHandledValue['action'],
): Promise<HandleProgress> {
  const { kafka, admin, topology, codecs } = deps;
  const now = deps.now ?? Date.now;
  // Fence first, then read what was handled: an earlier run still writing is cut off before the
  // read, so nothing it commits can be missed here and handled twice.
  const producer: Producer | undefined =
    options.dryRun === true
      ? undefined
      : kafka.producer({
          transactionalId: topology.dlqHandlerId,
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: PARTITIONER,
        });
  const handledTable = dlqHandledTable(deps);
  try {
    if (producer !== undefined) {
      await producer.connect();
      await fence(producer);
    }
    await handledTable.start();
    const ends = await admin.fetchTopicOffsets(topology.dlq);
    const toRead = ends.reduce((sum, e) => sum + Number(e.high) - Number(e.low), 0);
    const progress = { toRead, read: 0, matched: 0, alreadyHandled: 0, handled: 0, unredrivable: 0 };
    const report = (): void => options.onProgress?.({ ...progress });
    report();

    let chunk: { partition: number; offset: string; letter: DeadLetterValue }[] = [];
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const batch = chunk;
      chunk = [];
      if (producer !== undefined) await commitChunk(producer, deps, batch, action, options, now());
      progress.handled += batch.length;
      report();
    };
    const limitReached = (): boolean =>
      options.limit !== undefined && progress.handled + chunk.length >= options.limit;
    const abort = new AbortController();
    await readDlq(kafka, admin, topology.dlq, codecs.dlq, {
      signal: abort.signal,
      onEntry: async (entry) => {
        if (limitReached()) {
          abort.abort();
          return;
        }
        progress.read++;
        const { letter } = entry;
        if (letter === null || !matchesFilter(letter, options)) return;
        if (markOf(handledTable, entry.partition, entry.offset, letter) !== undefined) {
          progress.alreadyHandled++;
          return;
        }
        progress.matched++;
        if (action === 'redriven' && letter.request === null) {
          progress.unredrivable++;
          return;
        }
        chunk.push({ partition: entry.partition, offset: entry.offset, letter });
        if (chunk.length >= CHUNK) await flush();
        if (limitReached()) abort.abort();
      },
    });
    await flush();
    report();
    return { ...progress };
  } finally {
    await handledTable.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}

/** One transaction: the re-injections (redrive) and a DeadLetterHandled per letter. */
async function commitChunk(
  producer: Producer,
  deps: RedriveDeps,
  chunk: readonly { partition: number; offset: string; letter: DeadLetterValue }[],
  action: DeadLetterHandledValue['action'],
  options: ResolveOptions,
  at: number,
): Promise<void> {
  const { topology, codecs } = deps;
  const transaction = await producer.transaction();
  try {
    if (action === 'redriven') {
      await transaction.send({
        topic: topology.ingest,
        messages: chunk.flatMap(({ letter }) =>
          letter.request === null
            ? []
            : [
                {
                  key: letter.request.endpointId,
                  value: codecs.ingest.encode(letter.request),
                  // A redrive is an operator's decision to deliver this id again: past the dedupe.
                  headers: { [BYPASS_DEDUPE_HEADER]: '1' },
                },
              ],
        ),
      });
    }
    await transaction.send({
      topic: topology.dlqHandled,
      messages: chunk.map(({ partition, offset, letter }) => ({
        key: letterKey(partition, offset),
        value: codecs.dlqHandled.encode({
          partition,
          offset: Number(offset),
          deliveryId: letter.request?.deliveryId ?? null,
          action,
          at,
          by: options.by ?? null,
          note: options.note ?? null,
          deadAt: letter.deadAt,
        }),
      })),
    });
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => undefined);
    throw new KretryError(
      'KRETRY_KAFKA',
      `Writing ${chunk.length} ${action} dead letter(s) failed; nothing of this chunk was written, run the command again: ${(error as Error).message}`,
      { cause: error, retryable: true },
    );
  }
}

/** Every dead letter an operator handled, by `letterKey`; for `dlq stats`. */
export async function readHandled(
  deps: Pick<RedriveDeps, 'kafka' | 'admin' | 'topology' | 'codecs' | 'logger'>,
): Promise<ReadonlyMap<string, DeadLetterHandledValue>> {
  const table = dlqHandledTable(deps);
  await table.start();
  try {
    const handled = new Map<string, DeadLetterHandledValue>();
    for (const key of table.keys()) {
      const value = table.get(key);
      if (value !== undefined) handled.set(key, value);
    }
    return handled;
  } finally {
    await table.stop();
  }
}

function dlqHandledTable(
  deps: Pick<RedriveDeps, 'kafka' | 'admin' | 'topology' | 'codecs' | 'logger'>,
): CompactedTable<DeadLetterHandledValue> {
  return new CompactedTable<DeadLetterHandledValue>(
    deps.kafka,
    deps.admin,
    deps.topology.dlqHandled,
    deps.codecs.dlqHandled,
    deps.logger.child({ component: 'dlq-handled' }),
  );
}
