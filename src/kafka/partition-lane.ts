import type { KafkaMessage, Producer } from 'kafkajs';
import { DueQueue } from '../domain/due-queue.js';
import { moveLane, type LaneState } from '../domain/partition/lane-state.js';
import type { OffsetLedger } from '../domain/partition/offset-ledger.js';

export interface OutputRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  /** A fixed partition (the projection writes snapshots to its own partition number); else by key. */
  readonly partition?: number | undefined;
}

/** What processing one record caused, and what to do once that is committed. */
export interface Processed {
  readonly records: readonly OutputRecord[];
  /**
   * Side effects that report the outcome (metrics, caches). They run only after the transaction
   * that makes the outcome true commits, so a retried or abandoned commit never counts twice.
   */
  readonly afterCommit?: (() => void) | undefined;
}

export interface Decoded<T> {
  readonly item: T;
  /** Not before this time; 0 = at once. */
  readonly dueAt: number;
  /** When the record was scheduled; later records on the partition were scheduled no earlier. */
  readonly scheduledAt: number;
}

export interface Taken<T> {
  readonly offset: number;
  readonly dueAt: number;
  readonly item: T;
}

export interface Finished<T> {
  readonly offset: number;
  readonly item: T;
  readonly processed: Processed;
}

/** kafkajs's KafkaMessage with the offset every fetched message has. */
export type FetchedMessage = KafkaMessage;

/**
 * One assigned partition of a partition processor: its state (lane-state.ts), its transactional
 * producer, its offset ledger, its look-ahead and its finished work awaiting a commit. `epoch`
 * changes on every (re)open; work started under an older epoch is discarded when it finishes,
 * because the new epoch re-read the committed offset and does that work again itself.
 */
export class Lane<T, S> {
  #state: LaneState = 'opening';
  epoch = 0;
  producer: Producer | undefined;
  ledger: OffsetLedger | undefined;
  workState: S | undefined;
  readonly queue = new DueQueue<Taken<T>>();
  readonly pending = new Map<number, Finished<T>>();
  inFlight = 0;
  committing = false;
  /** What the consumer was last told for this partition. */
  fetchPaused = false;
  frontierScheduledAt = 0;
  decodeBlockedUntil = 0;
  decodeFailures = 0;
  openFailures = 0;
  dueTimer: NodeJS.Timeout | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  /** Set by the processor: one function per lane, so the concurrency limit registers it once. */
  wake: () => void = () => undefined;

  constructor(
    readonly partition: number,
    private readonly onMove: (lane: Lane<T, S>, state: LaneState) => void,
  ) {}

  get state(): LaneState {
    return this.#state;
  }

  move(to: LaneState): void {
    if (to === this.#state && to !== 'opening') return;
    this.#state = moveLane(this.#state, to);
    this.onMove(this, to);
  }

  clearTimers(): void {
    clearTimeout(this.dueTimer);
    clearTimeout(this.retryTimer);
    this.dueTimer = undefined;
    this.retryTimer = undefined;
  }

  /** Forgets everything the current epoch buffered or finished; Kafka still has all of it. */
  reset(): void {
    this.clearTimers();
    this.queue.clear();
    this.pending.clear();
    this.ledger = undefined;
    this.workState = undefined;
    this.frontierScheduledAt = 0;
    this.decodeBlockedUntil = 0;
    this.decodeFailures = 0;
    this.epoch++;
  }

  /** Nothing in flight, nothing finished waiting for a commit, no commit under way. */
  isSettled(): boolean {
    return this.inFlight === 0 && !this.committing && (this.ledger?.uncommitted ?? 0) === 0;
  }
}
