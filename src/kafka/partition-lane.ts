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
  /** Set while admission holds the record back (traffic shaping): its own due time and ticket. */
  readonly held?: { readonly dueAt: number; readonly ticket: unknown } | undefined;
}

/** Released when the record's work ends, whatever happened; releasing twice is once. */
export interface Permit {
  release(): void;
}

/**
 * Whether a due record may start now (PartitionWork.admit). A record held back leaves its
 * concurrency slot and the head of the look-ahead to others: that is what keeps one endpoint's limit
 * from holding back the other endpoints of its partition.
 */
export type Admit =
  | { readonly kind: 'start'; readonly permit?: Permit | undefined }
  /** Ask again at `at`; the record waits in the look-ahead ordered by that time. */
  | { readonly kind: 'retry-at'; readonly at: number; readonly ticket: unknown; readonly reason: string }
  /** Ask again when `whenFree(key)` calls back; the record waits aside. */
  | { readonly kind: 'park'; readonly key: string; readonly ticket: unknown; readonly reason: string }
  /** Do not wait in memory at all: process it now as `overflow` (the work defers it elsewhere). */
  | { readonly kind: 'defer'; readonly reason: string; readonly ticket?: unknown };

/** What admission said, as `process` sees it. */
export type Admitted =
  | { readonly kind: 'admitted'; readonly permit: Permit | undefined }
  /** Held back, but the look-ahead cannot hold more records back: the work must not wait for it. */
  | { readonly kind: 'overflow'; readonly reason: string; readonly ticket: unknown };

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
  /** Records admission holds back until their key frees (Admit 'park'), by key. */
  readonly parked = new Map<string, Taken<T>[]>();
  /** Records admission holds back, parked or waiting in `queue` for their retry time. */
  held = 0;
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
    this.clearBuffers();
    this.pending.clear();
    this.ledger = undefined;
    this.workState = undefined;
    this.frontierScheduledAt = 0;
    this.decodeBlockedUntil = 0;
    this.decodeFailures = 0;
    this.epoch++;
  }

  /** Forgets the look-ahead and what admission holds back. */
  clearBuffers(): void {
    this.queue.clear();
    this.parked.clear();
    this.held = 0;
  }

  /** Records waiting to start: in the look-ahead or parked. */
  get waiting(): number {
    let parked = 0;
    for (const list of this.parked.values()) parked += list.length;
    return this.queue.size + parked;
  }

  /** Nothing in flight, nothing finished waiting for a commit, no commit under way. */
  isSettled(): boolean {
    return this.inFlight === 0 && !this.committing && (this.ledger?.uncommitted ?? 0) === 0;
  }
}
