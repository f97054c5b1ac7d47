/**
 * Which deliveryIds one ingest partition accepted within the dedupe window, and at which offset.
 * A record is a duplicate when its id was accepted from a *different* record (another offset)
 * within the window; the same record read again (a replay resets the dispatcher's offsets, a lane
 * that reopens redoes its uncommitted records) is not. Memory is bounded by time: ids older than
 * the window are forgotten, oldest first (Map keeps insertion order, and acceptance times only
 * grow per partition except across a restore, which `remember` sorts out by re-inserting).
 */
export type DedupeVerdict = 'new' | 'duplicate' | 'same-record';

export interface Accepted {
  readonly offset: number;
  readonly at: number;
}

export class DedupeMemory {
  readonly #ids = new Map<string, Accepted>();

  constructor(readonly windowMs: number) {}

  get size(): number {
    return this.#ids.size;
  }

  /** The verdict on a record with `deliveryId` at `offset`, judged at `now`. */
  judge(deliveryId: string, offset: number, now: number): { verdict: DedupeVerdict; accepted?: Accepted } {
    this.forgetBefore(now - this.windowMs);
    const accepted = this.#ids.get(deliveryId);
    if (accepted === undefined) return { verdict: 'new' };
    return { verdict: accepted.offset === offset ? 'same-record' : 'duplicate', accepted };
  }

  /** Remembers an accepted record (a new one, or one restored from the dedupe topic). */
  remember(deliveryId: string, accepted: Accepted): void {
    const known = this.#ids.get(deliveryId);
    // The first acceptance is the one that counts; a later copy never replaces it.
    if (known !== undefined && known.at <= accepted.at) return;
    this.#ids.delete(deliveryId);
    this.#ids.set(deliveryId, accepted);
  }

  forgetBefore(oldest: number): void {
    for (const [id, accepted] of this.#ids) {
      if (accepted.at >= oldest) break;
      this.#ids.delete(id);
    }
  }
}
