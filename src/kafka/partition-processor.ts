import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { reopenDelayMs, isLive, type LaneState } from '../domain/partition/lane-state.js';
import { maxWindowSpan } from '../domain/partition/commit-budget.js';
import { OffsetLedger } from '../domain/partition/offset-ledger.js';
import { shouldPause } from '../domain/partition/pause-decision.js';
import { decodeWindow, type OffsetWindow } from '../domain/offset-window.js';
import { isKretryError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { BrokerLimits } from './broker-limits.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { closeWithin } from './bounded-close.js';
import { commitLane } from './lane-commit.js';
import {
  Lane,
  type Admit,
  type Admitted,
  type Decoded,
  type Finished,
  type Processed,
  type Taken,
} from './partition-lane.js';
import type { PartitionStatus } from './partition-status.js';
import { createTransactionalProducer, fence } from './transactional-producers.js';

export type { Admit, Admitted, Decoded, OutputRecord, Permit, Processed } from './partition-lane.js';

/** What a role does with the records of one topic; the processor does everything Kafka. */
export interface PartitionWork<T, S> {
  /**
   * Decodes a record. Never throws for bad input: an undecodable record becomes an item that
   * dead-letters. Throws for a transient failure (registry unreachable): the partition pauses
   * and the record is decoded again after a backoff, never dead-lettered.
   */
  decode(
    message: { value: Buffer | null; key: Buffer | null; offset: string },
    partition: number,
  ): Promise<Decoded<T>>;
  /**
   * Does the work of one record. A throw means "not finished": it is tried again shortly.
   * `admitted` is what `admit` said (always `admitted` without permit when there is no `admit`).
   */
  process(item: T, dueAt: number, state: S, admitted: Admitted): Promise<Processed>;
  /**
   * Asked when a record is due and has a concurrency slot: may it start now? `ticket` is what an
   * earlier answer for the same record carried. A record held back gives its slot back and waits
   * aside; at most half the look-ahead is held back per partition, and past that the record is
   * processed at once as `overflow` (the work then moves it on without waiting, so a busy endpoint
   * cannot fill the look-ahead and stall the partition).
   */
  admit?(item: T, now: number, ticket: unknown): Admit;
  /** Calls `wake` once, the next time `key` (from a `park` answer) may have room. */
  whenFree?(key: string, wake: () => void): void;
  /** Per-partition state, built while opening, after fencing (the projection restores snapshots). */
  open?(partition: number, producer: Producer, committed: OffsetWindow): Promise<S>;
  /**
   * Records built from a whole commit at once (the projection's snapshots), given the finished
   * records in offset order and the window the commit records.
   */
  beforeCommit?(state: S, finished: readonly Finished<T>[], window: OffsetWindow): Processed;
}

export interface PartitionProcessorOptions<T, S> {
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** Role name for logs, metrics and readiness. */
  readonly role: string;
  readonly groupId: string;
  readonly topic: string;
  /** Records queued (not yet started) per partition before it is paused. */
  readonly lookahead: number;
  /** The shortest delay any record on this topic can have (tier delay less jitter); 0 for ingest. */
  readonly minDelayMs: number;
  readonly limit: ConcurrencyLimit;
  readonly sessionTimeoutMs: number;
  readonly limits: BrokerLimits;
  readonly status: PartitionStatus;
  readonly now: () => number;
  readonly logger: Logger;
  readonly work: PartitionWork<T, S>;
  /** Fetch sizing; the projection reads big batches when catching up. */
  readonly fetch?: { readonly maxBytesPerPartition: number; readonly maxBytes: number } | undefined;
}

const PROCESS_RETRY_MS = 1_000;
const DECODE_RETRY_BASE_MS = 250;
const DECODE_RETRY_MAX_MS = 10_000;
/** How long stop() gives producers and the consumer to close after draining, each. */
const CLOSE_TIMEOUT_MS = 3_000;
/** kafkajs's default `maxBytesPerPartition`. */
const MIN_PARTITION_FETCH_BYTES = 1024 * 1024;
/** kafkajs's default `maxBytes` for a whole fetch. */
const DEFAULT_FETCH_BYTES = 10 * 1024 * 1024;

/**
 * The one partition processor: every loop in kretry that consumes a partition and produces
 * transactionally runs on it (dispatcher, tiers, projection). Per assigned partition a `Lane`
 * walks the state table in src/domain/partition/lane-state.ts:
 *
 * - opening: a fresh transactional producer is fenced FIRST (kafkajs's `connect()` asks for a
 *   producer id without the transactional id; only the first `transaction()` sends it, which
 *   fences the previous owner and settles its open transaction), then the committed offset and
 *   its metadata are read, then the consumer is sought there. Fails → retried after a capped backoff.
 * - active ⇄ paused: `eachBatch` only fills a bounded look-ahead ordered by due time and returns;
 *   timers start records as they fall due, within the concurrency limit; finished records commit
 *   with the records they caused, one transaction at a time per lane (lane-commit.ts).
 *   A fenced commit closes the lane (another member owns it); any other failed commit closes the
 *   producer and reopens the lane — a failed EndTxn leaves kafkajs's transaction state machine
 *   unusable, and only a re-read of the committed offset says what really committed.
 * - draining (stop): nothing new starts; in-flight records finish and commit; then the consumer
 *   stops and leaves the group — in that order, because kafkajs's `stop()` leaves the group first.
 * - closed: revoked, fenced or stopped. Nothing calls the consumer after it stopped (its
 *   `pause`/`resume` throw then).
 */
export class PartitionProcessor<T, S = undefined> {
  readonly #options: PartitionProcessorOptions<T, S>;
  readonly #lanes = new Map<number, Lane<T, S>>();
  readonly #maxSpan: number;
  #assigned = new Set<number>();
  #consumer: Consumer | undefined;
  #consumerLive = false;
  #stopping = false;
  #settled: () => void = () => undefined;

  constructor(options: PartitionProcessorOptions<T, S>) {
    this.#options = options;
    this.#maxSpan = maxWindowSpan(options.limits.metadataMaxBytes);
  }

  get topic(): string {
    return this.#options.topic;
  }

  async start(): Promise<void> {
    const { kafka, groupId, topic, role, status } = this.#options;
    const partitionFetchBytes = Math.max(
      this.#options.fetch?.maxBytesPerPartition ?? 0,
      this.#options.limits.maxMessageBytes,
      MIN_PARTITION_FETCH_BYTES,
    );
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      sessionTimeout: this.#options.sessionTimeoutMs,
      rebalanceTimeout: 60_000,
      heartbeatInterval: Math.max(500, Math.floor(this.#options.sessionTimeoutMs / 10)),
      // Short: while every partition is paused kafkajs sleeps this long before it fetches again.
      maxWaitTimeInMs: 100,
      // Never below the largest record batch a producer may write: the broker returns a batch
      // larger than the partition's fetch size only for the first partition of a fetch, so a
      // smaller size starves the others for good (a transaction's batch of ScheduledAttempts with
      // large bodies stalled a tier partition this way in the chaos suite's bigbodies scenario).
      maxBytesPerPartition: partitionFetchBytes,
      maxBytes: Math.max(this.#options.fetch?.maxBytes ?? DEFAULT_FETCH_BYTES, partitionFetchBytes),
      // kafkajs restarts the consumer after a crash only when this says so; always try, and let
      // readiness show a consumer that stays down.
      retry: { retries: 10, restartOnFailure: () => Promise.resolve(true) },
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      status.consumerRunning(role, topic);
      this.#onAssignment(payload.memberAssignment[topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const message = payload.error.message;
      this.#options.logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart && !this.#stopping) status.consumerCrashed(role, topic, message);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.#onBatch(payload),
    });
    this.#consumerLive = true;
  }

  /**
   * Graceful stop: nothing new starts, every partition's fetching pauses, in-flight records finish
   * and commit within `deadlineMs`, and only then does the consumer stop and leave the group.
   * Work not finished by the deadline is not committed; the next owner does it again.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    const { now, logger } = this.#options;
    for (const lane of this.#lanes.values()) {
      lane.clearTimers();
      lane.clearBuffers();
      if (isLive(lane.state)) lane.move('draining');
      else if (lane.state === 'opening') this.#close(lane, 'stopping');
      this.#setFetchPaused(lane, true);
    }
    const deadline = now() + deadlineMs;
    while (now() < deadline && [...this.#lanes.values()].some((l) => !l.isSettled())) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - now()));
        this.#settled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const unsettled = [...this.#lanes.values()].filter((l) => !l.isSettled());
    if (unsettled.length > 0) {
      logger.warn(
        { partitions: unsettled.map((l) => l.partition) },
        'shutdown deadline reached; unfinished records will be attempted again by the next owner',
      );
    }
    for (const lane of [...this.#lanes.values()]) this.#close(lane, 'stopped');
    this.#consumerLive = false;
    const consumer = this.#consumer;
    if (consumer !== undefined)
      await closeWithin(consumer.disconnect(), CLOSE_TIMEOUT_MS, logger, 'consumer');
  }

  /** Records waiting in look-ahead buffers, for metrics and tests. */
  buffered(): number {
    return [...this.#lanes.values()].reduce((sum, lane) => sum + lane.waiting, 0);
  }

  #onAssignment(assigned: readonly number[]): void {
    this.#assigned = new Set(assigned);
    for (const lane of [...this.#lanes.values()]) {
      if (!this.#assigned.has(lane.partition)) this.#close(lane, 'revoked');
    }
    if (this.#stopping) return;
    for (const partition of assigned) {
      const lane = this.#lanes.get(partition);
      if (lane === undefined || lane.state === 'closed') this.#reopen(partition, undefined);
    }
    // Pause state does not survive a rebalance reliably: tell the consumer every partition's state.
    for (const partition of assigned) {
      const lane = this.#lanes.get(partition);
      if (lane !== undefined) this.#setFetchPaused(lane, this.#wantsPause(lane), true);
    }
  }

  /** Starts (or restarts) a lane's opening: the old producer goes, the new one fences it. */
  #reopen(partition: number, previous: Lane<T, S> | undefined): void {
    this.#options.logger.debug(
      { partition, after: previous === undefined ? 'open' : 'failure' },
      'partition reopening',
    );
    let lane = previous ?? this.#lanes.get(partition);
    if (lane === undefined || lane.state === 'closed') {
      lane = new Lane<T, S>(partition, (l, state) => this.#moved(l, state));
      lane.wake = () => this.#pump(lane as Lane<T, S>);
      this.#lanes.set(partition, lane);
      this.#moved(lane, 'opening');
    } else {
      lane.move('opening');
    }
    const opening = lane;
    const producer = opening.producer;
    opening.producer = undefined;
    opening.reset();
    this.#setFetchPaused(opening, true);
    if (producer !== undefined) void producer.disconnect().catch(() => undefined);
    const delay = reopenDelayMs(opening.openFailures);
    const epoch = opening.epoch;
    opening.retryTimer = setTimeout(() => void this.#open(opening, epoch), delay);
  }

  async #open(lane: Lane<T, S>, epoch: number): Promise<void> {
    const { kafka, admin, groupId, topic, logger, work, role, status } = this.#options;
    const current = (): boolean => lane.epoch === epoch && lane.state === 'opening' && !this.#stopping;
    if (!current()) return;
    let producer: Producer | undefined;
    try {
      producer = createTransactionalProducer(kafka, groupId, topic, lane.partition);
      await producer.connect();
      await fence(producer);
      const window = await readCommittedWindow(admin, groupId, topic, lane.partition);
      const workState =
        work.open === undefined ? (undefined as S) : await work.open(lane.partition, producer, window);
      if (!current()) {
        await producer.disconnect().catch(() => undefined);
        return;
      }
      lane.producer = producer;
      lane.workState = workState;
      lane.ledger = new OffsetLedger(window, this.#maxSpan);
      lane.openFailures = 0;
      // kafkajs fetches from its own position; after a reopen that is past what committed.
      this.#consumerCall((c) =>
        c.seek({ topic, partition: lane.partition, offset: String(window.commitPoint) }),
      );
      lane.move('active');
      logger.debug(
        { partition: lane.partition, commitPoint: window.commitPoint, skipping: window.finishedAbove.length },
        'partition opened',
      );
      this.#pump(lane);
    } catch (error) {
      await producer?.disconnect().catch(() => undefined);
      if (!current()) return;
      lane.openFailures++;
      status.openFailed(role, topic, lane.partition);
      const delay = reopenDelayMs(lane.openFailures);
      logger.warn(
        { err: error, partition: lane.partition, attempt: lane.openFailures, retryInMs: delay },
        'opening the partition failed; retrying',
      );
      lane.move('opening');
      lane.retryTimer = setTimeout(() => void this.#open(lane, epoch), delay);
    }
  }

  #close(lane: Lane<T, S>, why: string): void {
    if (lane.state === 'closed') return;
    this.#options.logger.debug({ partition: lane.partition, from: lane.state, why }, 'partition closed');
    lane.move('closed');
    const producer = lane.producer;
    lane.producer = undefined;
    lane.reset();
    if (this.#lanes.get(lane.partition) === lane) this.#lanes.delete(lane.partition);
    if (producer !== undefined) {
      void closeWithin(producer.disconnect(), CLOSE_TIMEOUT_MS, this.#options.logger, 'producer');
    }
    this.#notifySettled();
  }

  #moved(lane: Lane<T, S>, state: LaneState): void {
    const { role, topic, status } = this.#options;
    status.laneMoved(role, topic, lane.partition, state);
  }

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const lane = this.#lanes.get(batch.partition);
    const ledger = lane?.ledger;
    if (lane === undefined || ledger === undefined || !isLive(lane.state) || this.#stopping) return;
    const epoch = lane.epoch;
    // A batch fetched before a seek (a reopen) does not start at the lane's frontier: take nothing
    // from it, or the records between would look like gaps.
    const fetchedOffset = Number((batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? NaN);
    if (Number.isFinite(fetchedOffset) && fetchedOffset > ledger.nextTake) {
      this.#consumerCall((c) =>
        c.seek({ topic: batch.topic, partition: batch.partition, offset: String(ledger.nextTake) }),
      );
      return;
    }
    const { work, lookahead, now, logger } = this.#options;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || lane.epoch !== epoch || !isLive(lane.state)) break;
      if (lane.decodeBlockedUntil > now()) break;
      const offset = Number(message.offset);
      const where = ledger.classify(offset);
      if (where === 'seen') {
        payload.resolveOffset(message.offset);
        continue;
      }
      if (where === 'beyond-window' || lane.waiting >= lookahead) break;
      let decoded: Decoded<T>;
      try {
        decoded = await work.decode(message, batch.partition);
      } catch (error) {
        if (lane.epoch !== epoch) break;
        lane.decodeFailures++;
        const delay = Math.min(
          DECODE_RETRY_MAX_MS,
          DECODE_RETRY_BASE_MS * 2 ** Math.min(lane.decodeFailures - 1, 10),
        );
        lane.decodeBlockedUntil = now() + delay;
        logger.warn(
          {
            err: error,
            partition: batch.partition,
            offset,
            retryInMs: delay,
            transient: isKretryError(error) && error.retryable,
          },
          'decoding failed for a reason other than the record; pausing the partition and trying again',
        );
        clearTimeout(lane.retryTimer);
        lane.retryTimer = setTimeout(() => this.#pump(lane), delay);
        break;
      }
      if (lane.epoch !== epoch || !isLive(lane.state)) break;
      lane.decodeFailures = 0;
      lane.decodeBlockedUntil = 0;
      payload.resolveOffset(message.offset);
      if (ledger.admit(offset) === 'finished-before') continue;
      lane.frontierScheduledAt = Math.max(lane.frontierScheduledAt, decoded.scheduledAt);
      lane.queue.add({ offset, dueAt: decoded.dueAt, item: decoded.item });
    }
    if (lane.epoch === epoch) {
      this.#pump(lane);
      if (ledger.uncommitted > 0) void this.#commit(lane);
    }
    await payload.heartbeat();
  }

  /** Starts every due record there is capacity for; arms a timer for the next one. */
  #pump(lane: Lane<T, S>): void {
    if (!isLive(lane.state)) return;
    const { limit, now } = this.#options;
    clearTimeout(lane.dueTimer);
    lane.dueTimer = undefined;
    for (;;) {
      if (this.#stopping) break;
      const earliest = lane.queue.earliestDue();
      if (earliest === undefined) break;
      if (earliest > now()) {
        lane.dueTimer = setTimeout(() => this.#pump(lane), earliest - now());
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
      const admitted = this.#admit(lane, taken);
      if (admitted === undefined) {
        limit.release();
        continue;
      }
      lane.inFlight++;
      this.#options.logger.debug(
        { partition: lane.partition, offset: taken.offset, epoch: lane.epoch },
        'processing',
      );
      void this.#run(
        lane,
        lane.epoch,
        { offset: taken.offset, dueAt: taken.held?.dueAt ?? taken.dueAt, item: taken.item },
        admitted,
      );
    }
    this.#setFetchPaused(lane, this.#wantsPause(lane));
  }

  /**
   * Admission (PartitionWork.admit): what a due record with a slot may do. Undefined when it is held
   * back: it waits in the look-ahead for its retry time, or aside until its key frees.
   */
  #admit(lane: Lane<T, S>, taken: Taken<T>): Admitted | undefined {
    const { work, now } = this.#options;
    if (work.admit === undefined) return { kind: 'admitted', permit: undefined };
    const answer = work.admit(taken.item, now(), taken.held?.ticket);
    if (answer.kind === 'start') {
      if (taken.held !== undefined) lane.held--;
      return { kind: 'admitted', permit: answer.permit };
    }
    const alreadyHeld = taken.held !== undefined;
    if (answer.kind === 'defer') {
      if (alreadyHeld) lane.held--;
      return { kind: 'overflow', reason: answer.reason, ticket: answer.ticket ?? taken.held?.ticket };
    }
    if (!alreadyHeld && lane.held >= Math.floor(this.#options.lookahead / 2)) {
      return { kind: 'overflow', reason: answer.reason, ticket: answer.ticket };
    }
    if (!alreadyHeld) lane.held++;
    const held = { dueAt: taken.held?.dueAt ?? taken.dueAt, ticket: answer.ticket };
    if (answer.kind === 'retry-at') {
      // Never at or before now: the pump would take it again at once.
      lane.queue.add({ offset: taken.offset, item: taken.item, dueAt: Math.max(answer.at, now() + 1), held });
      return undefined;
    }
    const parked = lane.parked.get(answer.key);
    if (parked !== undefined) {
      parked.push({ ...taken, held });
      return undefined;
    }
    lane.parked.set(answer.key, [{ ...taken, held }]);
    const epoch = lane.epoch;
    work.whenFree?.(answer.key, () => {
      if (lane.epoch !== epoch) return;
      const back = lane.parked.get(answer.key) ?? [];
      lane.parked.delete(answer.key);
      // Due already: they go to the front, in due order, and are asked again.
      for (const item of back) lane.queue.add(item);
      this.#pump(lane);
    });
    return undefined;
  }

  async #run(
    lane: Lane<T, S>,
    epoch: number,
    taken: { offset: number; dueAt: number; item: T },
    admitted: Admitted,
  ): Promise<void> {
    let processed: Processed | undefined;
    try {
      processed = await this.#options.work.process(taken.item, taken.dueAt, lane.workState as S, admitted);
    } catch (error) {
      this.#options.logger.error(
        { err: error, partition: lane.partition, offset: taken.offset },
        'processing failed; will retry',
      );
    } finally {
      if (admitted.kind === 'admitted') admitted.permit?.release();
      lane.inFlight--;
      this.#options.limit.release();
    }
    if (lane.epoch !== epoch || (!isLive(lane.state) && lane.state !== 'draining')) {
      this.#notifySettled();
      return; // the lane reopened or closed: the next epoch does this record again
    }
    if (processed === undefined) {
      if (lane.state !== 'draining') {
        lane.queue.add({ ...taken, dueAt: this.#options.now() + PROCESS_RETRY_MS });
        this.#pump(lane);
      }
      this.#notifySettled();
      return;
    }
    lane.ledger?.finish(taken.offset);
    lane.pending.set(taken.offset, { offset: taken.offset, item: taken.item, processed });
    void this.#commit(lane);
    this.#pump(lane);
  }

  async #commit(lane: Lane<T, S>): Promise<void> {
    const epoch = lane.epoch;
    const outcome = await commitLane(lane, this.#options);
    if (lane.epoch !== epoch) {
      // The lane reopened while this commit ran; work the new epoch finished meanwhile found a
      // commit under way and waited for it, so it is this commit's job to start the next one.
      if (isLive(lane.state) && (lane.ledger?.uncommitted ?? 0) > 0) void this.#commit(lane);
      this.#notifySettled();
      return;
    }
    switch (outcome) {
      case 'idle':
        break;
      case 'committed':
        if ((lane.ledger?.uncommitted ?? 0) > 0) void this.#commit(lane);
        this.#pump(lane);
        break;
      case 'fenced':
        this.#options.logger.warn({ partition: lane.partition }, 'fenced by a new owner of the partition');
        this.#close(lane, 'fenced');
        // Still ours by the last assignment (this member came back from a stall and got it
        // again): open afresh, which fences whoever fenced us. Otherwise the rebalance that
        // follows a fence hands it over.
        if (this.#assigned.has(lane.partition) && !this.#stopping) {
          this.#reopen(lane.partition, undefined);
          const reopened = this.#lanes.get(lane.partition);
          if (reopened !== undefined) reopened.openFailures = 1;
        }
        break;
      case 'failed':
        if (lane.state === 'draining') {
          this.#close(lane, 'commit failed while draining');
          break;
        }
        this.#options.status.reopened(this.#options.role, this.#options.topic);
        lane.openFailures = Math.max(1, lane.openFailures);
        this.#reopen(lane.partition, lane);
        break;
    }
    this.#notifySettled();
  }

  #wantsPause(lane: Lane<T, S>): boolean {
    const ledger = lane.ledger;
    if (!isLive(lane.state) || ledger === undefined || this.#stopping) return true;
    const { lookahead, minDelayMs, now } = this.#options;
    return shouldPause({
      queued: lane.waiting,
      pending: ledger.uncommitted,
      lookahead,
      earliestDue: lane.queue.earliestDue(),
      frontierScheduledAt: lane.frontierScheduledAt,
      minDelayMs,
      decodeBlockedUntil: lane.decodeBlockedUntil,
      nextTake: ledger.nextTake,
      windowEnd: ledger.windowEnd(),
      now: now(),
    });
  }

  #setFetchPaused(lane: Lane<T, S>, paused: boolean, force = false): void {
    if (isLive(lane.state)) lane.move(paused ? 'paused' : 'active');
    if (lane.fetchPaused === paused && !force) return;
    lane.fetchPaused = paused;
    const target = [{ topic: this.#options.topic, partitions: [lane.partition] }];
    this.#consumerCall((c) => (paused ? c.pause(target) : c.resume(target)));
  }

  /** Calls the consumer only while it runs: after `stop()`, kafkajs's pause/resume/seek throw. */
  #consumerCall(call: (consumer: Consumer) => void): void {
    const consumer = this.#consumer;
    if (consumer === undefined || !this.#consumerLive) return;
    try {
      call(consumer);
    } catch (error) {
      this.#options.logger.debug({ err: error }, 'consumer call refused');
    }
  }

  #notifySettled(): void {
    if (this.#stopping) this.#settled();
  }
}

/** The committed offset of a partition and the finished offsets its metadata lists. */
async function readCommittedWindow(
  admin: Admin,
  groupId: string,
  topic: string,
  partition: number,
): Promise<OffsetWindow> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const entry = committed?.partitions.find((p) => p.partition === partition);
  let commitPoint = Number(entry?.offset ?? -1);
  if (commitPoint < 0) {
    const offsets = await admin.fetchTopicOffsets(topic);
    commitPoint = Number(offsets.find((p) => p.partition === partition)?.low ?? 0);
  }
  return decodeWindow(commitPoint, entry?.metadata);
}
