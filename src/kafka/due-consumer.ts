import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DueQueue } from '../domain/due-queue.js';
import { decodeWindow, encodeWindow, finish, type OffsetWindow } from '../domain/offset-window.js';
import type { Logger } from '../observability/logger.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { connectTransactionalProducer, isFenced } from './transactional-producers.js';

export interface OutputRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
}

export interface Decoded<T> {
  readonly item: T;
  /** Not before this time; 0 = at once. */
  readonly dueAt: number;
  /** When the record was scheduled; later records on the partition were scheduled no earlier. */
  readonly scheduledAt: number;
}

export interface DueConsumerOptions<T> {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly groupId: string;
  readonly topic: string;
  /** Records buffered, in flight or awaiting commit per partition before it is paused. */
  readonly lookahead: number;
  /** The shortest delay any record on this topic can have (tier delay less jitter); 0 for ingest. */
  readonly minDelayMs: number;
  readonly limit: ConcurrencyLimit;
  /** Group session timeout; HTTP calls never run inside a handler, so it need not exceed one. */
  readonly sessionTimeoutMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** Never throws for bad input: an undecodable record becomes an item that dead-letters. */
  readonly decode: (message: KafkaMessage, partition: number) => Promise<Decoded<T>>;
  /** Makes the attempt; returns every record it causes. A throw means "not finished, try again". */
  readonly process: (item: T, dueAt: number) => Promise<readonly OutputRecord[]>;
}

interface Taken<T> {
  readonly offset: number;
  readonly dueAt: number;
  readonly item: T;
}

interface Finished {
  readonly offset: number;
  readonly outputs: readonly OutputRecord[];
}

/** Kafka rejects offset metadata over `offset.metadata.max.bytes` (4 KiB by default). */
const METADATA_BUDGET = 3_000;
const RETRY_DELAY_MS = 1_000;

/** One assigned partition: its look-ahead, its in-flight attempts and its transactional hand-off. */
class Lane<T> {
  readonly queue = new DueQueue<Taken<T>>();
  readonly pending: Finished[] = [];
  inFlight = 0;
  committing = false;
  paused = false;
  dropped = false;
  timer: NodeJS.Timeout | undefined;
  frontierScheduledAt = 0;
  /** Set by the consumer: one function per lane, so the limit registers its wake-up once. */
  wake: () => void = () => undefined;

  constructor(
    readonly partition: number,
    readonly producer: Producer,
    public window: OffsetWindow,
    public nextTake: number,
  ) {}

  /**
   * Full: enough buffered to keep the attempts busy, or too many finished records waiting for a
   * commit (the broker is slow or away). Either bound keeps memory independent of the backlog.
   */
  isFull(lookahead: number): boolean {
    return this.queue.size >= lookahead || this.pending.length >= 2 * lookahead;
  }
}

/**
 * Consumes one topic and hands every record to `process` when it falls due, never sleeping in a
 * handler: `eachBatch` only fills a bounded per-partition look-ahead ordered by due time and
 * returns, timers start attempts as records fall due, and each partition's finished records are
 * committed together with the records they caused in one transaction of that partition's producer.
 *
 * Out-of-order finishing is safe: the commit point is the lowest unfinished offset and the
 * finished offsets above it go in the commit's metadata, which a new owner reads and skips.
 * kafkajs traps this avoids (DESIGN.md): no throw-to-pause (pause, then return), offsets resolved
 * only as records are taken into the look-ahead (auto-commit off, so resolving only moves the fetch
 * position), pauses reconciled on every group join, and no HTTP call inside a handler, so
 * heartbeats keep flowing.
 */
export class DueConsumer<T> {
  readonly #options: DueConsumerOptions<T>;
  readonly #lanes = new Map<number, Lane<T>>();
  readonly #opening = new Map<number, Promise<Lane<T> | undefined>>();
  #consumer: Consumer | undefined;
  #stopping = false;

  constructor(options: DueConsumerOptions<T>) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { kafka, groupId, topic } = this.#options;
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      sessionTimeout: this.#options.sessionTimeoutMs,
      rebalanceTimeout: 60_000,
      heartbeatInterval: Math.max(500, Math.floor(this.#options.sessionTimeoutMs / 10)),
      // Short: while every partition is paused kafkajs sleeps this long before it fetches again.
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 128 * 1024,
      retry: { retries: 10 },
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.#reconcile(payload.memberAssignment[topic] ?? []);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.#onBatch(payload),
    });
  }

  /** Stops fetching, lets in-flight attempts finish and commit within the deadline, leaves the group. */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    await consumer.stop();
    const deadline = this.#options.now() + deadlineMs;
    while (
      this.#options.now() < deadline &&
      [...this.#lanes.values()].some((l) => l.inFlight > 0 || l.pending.length > 0 || l.committing)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const lane of this.#lanes.values()) await this.#drop(lane);
    await consumer.disconnect();
  }

  /** Records waiting in look-ahead buffers, for metrics and tests. */
  buffered(): number {
    return [...this.#lanes.values()].reduce((sum, lane) => sum + lane.queue.size, 0);
  }

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const lane = await this.#lane(batch.partition);
    if (lane === undefined) return;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || lane.dropped || this.#stopping) break;
      const offset = Number(message.offset);
      if (offset < lane.nextTake) {
        // Re-delivered after a rejoin: already buffered, in flight or finished.
        payload.resolveOffset(message.offset);
        continue;
      }
      if (lane.isFull(this.#options.lookahead)) break;
      lane.nextTake = offset + 1;
      payload.resolveOffset(message.offset);
      if (lane.window.finishedAbove.includes(offset)) continue; // finished by a previous owner
      const decoded = await this.#options.decode(message, batch.partition);
      lane.frontierScheduledAt = Math.max(lane.frontierScheduledAt, decoded.scheduledAt);
      lane.queue.add({ offset, dueAt: decoded.dueAt, item: decoded.item });
    }
    this.#pump(lane);
    await payload.heartbeat();
  }

  async #lane(partition: number): Promise<Lane<T> | undefined> {
    const existing = this.#lanes.get(partition);
    if (existing !== undefined) return existing;
    let opening = this.#opening.get(partition);
    if (opening === undefined) {
      opening = this.#open(partition).finally(() => this.#opening.delete(partition));
      this.#opening.set(partition, opening);
    }
    return opening;
  }

  /**
   * The producer first: initialising its transactional id fences a previous owner and settles its
   * open transaction, so the committed offset read afterwards is final.
   */
  async #open(partition: number): Promise<Lane<T> | undefined> {
    const { kafka, admin, groupId, topic } = this.#options;
    const producer = await connectTransactionalProducer(kafka, groupId, topic, partition);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const entry = committed?.partitions.find((p) => p.partition === partition);
    let commitPoint = Number(entry?.offset ?? -1);
    if (commitPoint < 0) {
      const offsets = await admin.fetchTopicOffsets(topic);
      commitPoint = Number(offsets.find((p) => p.partition === partition)?.low ?? 0);
    }
    const lane = new Lane<T>(partition, producer, decodeWindow(commitPoint, entry?.metadata), commitPoint);
    lane.wake = () => this.#pump(lane);
    this.#lanes.set(partition, lane);
    this.#options.logger.debug(
      { topic, partition, commitPoint, skipping: lane.window.finishedAbove.length },
      'partition opened',
    );
    return lane;
  }

  #reconcile(assigned: readonly number[]): void {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    const { topic } = this.#options;
    for (const lane of this.#lanes.values()) {
      if (!assigned.includes(lane.partition)) void this.#drop(lane);
    }
    // Pause state does not survive a rebalance reliably: set every assigned partition explicitly.
    for (const partition of assigned) {
      const lane = this.#lanes.get(partition);
      if (lane?.paused === true) consumer.pause([{ topic, partitions: [partition] }]);
      else consumer.resume([{ topic, partitions: [partition] }]);
    }
  }

  async #drop(lane: Lane<T>): Promise<void> {
    if (lane.dropped) return;
    lane.dropped = true;
    clearTimeout(lane.timer);
    lane.queue.clear();
    this.#lanes.delete(lane.partition);
    while (lane.committing) await new Promise((resolve) => setTimeout(resolve, 20));
    await lane.producer.disconnect().catch(() => undefined);
  }

  /** Starts every due record there is capacity for; arms a timer for the next one. */
  #pump(lane: Lane<T>): void {
    if (lane.dropped) return;
    const { limit, now } = this.#options;
    clearTimeout(lane.timer);
    lane.timer = undefined;
    for (;;) {
      if (this.#stopping) break;
      const earliest = lane.queue.earliestDue();
      if (earliest === undefined) break;
      if (earliest > now()) {
        lane.timer = setTimeout(() => this.#pump(lane), earliest - now());
        break;
      }
      if (!limit.tryAcquire()) {
        limit.onFree(lane.wake);
        break;
      }
      const taken = lane.queue.takeDue(now());
      if (taken === undefined) {
        limit.release();
        break;
      }
      lane.inFlight++;
      void this.#run(lane, taken);
    }
    this.#updatePause(lane);
  }

  async #run(lane: Lane<T>, taken: Taken<T>): Promise<void> {
    try {
      const outputs = await this.#options.process(taken.item, taken.dueAt);
      lane.pending.push({ offset: taken.offset, outputs });
    } catch (error) {
      // Not finished: nothing was produced, so it is attempted again shortly.
      this.#options.logger.error(
        { err: error, topic: this.#options.topic, offset: taken.offset },
        'processing failed; will retry',
      );
      lane.queue.add({ ...taken, dueAt: this.#options.now() + RETRY_DELAY_MS });
    } finally {
      lane.inFlight--;
      this.#options.limit.release();
    }
    void this.#commit(lane);
    this.#pump(lane);
  }

  /** One transaction at a time per partition: the records caused, then the new commit point. */
  async #commit(lane: Lane<T>): Promise<void> {
    if (lane.committing || lane.dropped || lane.pending.length === 0) return;
    lane.committing = true;
    const { groupId, topic, logger } = this.#options;
    const batch = takeWithinBudget(lane);
    const window = finish(
      lane.window,
      batch.map((f) => f.offset),
    );
    let transaction: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      transaction = await lane.producer.transaction();
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const record of batch.flatMap((f) => f.outputs)) {
        const list = byTopic.get(record.topic) ?? [];
        list.push({ key: record.key, value: record.value });
        byTopic.set(record.topic, list);
      }
      if (byTopic.size > 0) {
        await transaction.sendBatch({
          topicMessages: [...byTopic].map(([t, messages]) => ({ topic: t, messages })),
        });
      }
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          {
            topic,
            partitions: [
              {
                partition: lane.partition,
                offset: String(window.commitPoint),
                metadata: encodeWindow(window),
              } as { partition: number; offset: string },
            ],
          },
        ],
      });
      await transaction.commit();
      lane.window = window;
    } catch (error) {
      await transaction?.abort().catch(() => undefined);
      if (isFenced(error)) {
        logger.warn(
          { topic, partition: lane.partition },
          'fenced by a new owner of the partition; letting it go',
        );
        lane.committing = false;
        await this.#drop(lane);
        return;
      }
      logger.warn({ err: error, topic, partition: lane.partition }, 'transaction failed; retrying');
      lane.pending.unshift(...batch);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    } finally {
      lane.committing = false;
    }
    if (lane.pending.length > 0) void this.#commit(lane);
    this.#pump(lane);
  }

  #updatePause(lane: Lane<T>): void {
    const consumer = this.#consumer;
    if (consumer === undefined || lane.dropped) return;
    const { topic, lookahead, minDelayMs, now } = this.#options;
    const earliest = lane.queue.earliestDue();
    const full = lane.isFull(lookahead);
    // Nothing due, and nothing behind the frontier can be due sooner than what is buffered.
    const waiting =
      earliest !== undefined && earliest > now() && lane.frontierScheduledAt + minDelayMs >= earliest;
    const shouldPause = full || waiting;
    if (shouldPause && !lane.paused) consumer.pause([{ topic, partitions: [lane.partition] }]);
    if (!shouldPause && lane.paused) consumer.resume([{ topic, partitions: [lane.partition] }]);
    lane.paused = shouldPause;
  }
}

/** The finished records, lowest offsets first, whose commit metadata fits the broker's limit. */
function takeWithinBudget<T>(lane: Lane<T>): Finished[] {
  lane.pending.sort((a, b) => a.offset - b.offset);
  let count = lane.pending.length;
  while (
    count > 1 &&
    encodeWindow(
      finish(
        lane.window,
        lane.pending.slice(0, count).map((f) => f.offset),
      ),
    ).length > METADATA_BUDGET
  ) {
    count = Math.floor(count / 2);
  }
  return lane.pending.splice(0, count);
}
