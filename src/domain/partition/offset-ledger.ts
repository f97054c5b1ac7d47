import { finish, type OffsetWindow } from '../offset-window.js';

/**
 * One lane's bookkeeping of offsets between the last commit and the fetch frontier: which taken
 * records are still unfinished, which are finished but not yet committed, and how far above the
 * lowest unfinished offset the lane may run (commit-budget.ts, `maxWindowSpan`).
 *
 * Gaps count as finished. A read_committed fetch never returns transaction markers or aborted
 * records, and every transactional write leaves a marker in each partition it touched, so offsets
 * are not dense. Without this the commit point would stop at the first marker and the window's
 * metadata would grow with every record after it until the broker refused it.
 */
export class OffsetLedger {
  #window: OffsetWindow;
  #nextTake: number;
  readonly #unfinished = new Set<number>();
  /** Finished by a previous owner, as the committed metadata says: skipped, never redone. */
  readonly #finishedBefore: ReadonlySet<number>;
  #finished: number[] = [];
  /** Lowest unfinished offset, or `#nextTake` when nothing taken is unfinished. */
  #low: number;

  constructor(
    committed: OffsetWindow,
    readonly maxSpan: number,
  ) {
    this.#window = committed;
    this.#finishedBefore = new Set(committed.finishedAbove);
    this.#nextTake = committed.commitPoint;
    this.#low = committed.commitPoint;
  }

  get committed(): OffsetWindow {
    return this.#window;
  }

  get nextTake(): number {
    return this.#nextTake;
  }

  /** Taken records not finished yet (queued or in flight). */
  get unfinished(): number {
    return this.#unfinished.size;
  }

  /** Finished records (and gaps) waiting for a commit. */
  get uncommitted(): number {
    return this.#finished.length;
  }

  /** The first offset a record may not be taken at: beyond it a commit could not encode the window. */
  windowEnd(): number {
    return this.#low + this.maxSpan;
  }

  /**
   * Where a fetched record stands, without changing anything: seen before (kafkajs re-fetches
   * from the committed offset after a rejoin), beyond the window a commit can encode (leave it in
   * Kafka for now), or new.
   */
  classify(offset: number): 'seen' | 'beyond-window' | 'new' {
    if (offset < this.#nextTake) return 'seen';
    if (offset >= this.windowEnd()) return 'beyond-window';
    return 'new';
  }

  /**
   * Takes a new record (see `classify`): the offsets skipped since the last one are gaps and count
   * as finished. `finished-before`: the committed metadata lists it as finished by a previous
   * owner, so it is not done again; `take`: it is now unfinished until `finish`.
   */
  admit(offset: number): 'take' | 'finished-before' {
    if (this.classify(offset) !== 'new') throw new Error(`invariant: offset ${offset} is not new`);
    for (let gap = this.#nextTake; gap < offset; gap++) {
      if (!this.#finishedBefore.has(gap)) this.#finished.push(gap);
    }
    this.#nextTake = offset + 1;
    if (this.#finishedBefore.has(offset)) {
      this.#advanceLow();
      return 'finished-before';
    }
    this.#unfinished.add(offset);
    this.#advanceLow();
    return 'take';
  }

  /** A taken record finished (its outputs wait for the commit). */
  finish(offset: number): void {
    if (!this.#unfinished.delete(offset)) throw new Error(`invariant: offset ${offset} was not in flight`);
    this.#finished.push(offset);
    this.#advanceLow();
  }

  /** Every finished offset not yet committed, and the window a commit of all of them records. */
  nextCommit(): { readonly offsets: readonly number[]; readonly window: OffsetWindow } {
    // A copy: work finishing while this commit is in flight must not join a commit it missed.
    const offsets = [...this.#finished];
    return { offsets, window: finish(this.#window, offsets) };
  }

  /** The commit of `window` (from `nextCommit`) succeeded; `count` offsets of the queue went with it. */
  committedThrough(window: OffsetWindow, count: number): void {
    this.#window = window;
    this.#finished = this.#finished.slice(count);
  }

  #advanceLow(): void {
    let low = Math.max(this.#low, this.#window.commitPoint);
    while (low < this.#nextTake && !this.#unfinished.has(low)) low++;
    // Offsets below `low` that are not unfinished are finished (taken, gap or finished before).
    this.#low = this.#unfinished.size === 0 ? this.#nextTake : low;
  }
}
