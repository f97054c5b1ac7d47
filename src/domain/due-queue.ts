/**
 * A bounded look-ahead of records ordered by due time, earliest first. Arrivals are nearly in due
 * order (same delay, appended over time; ingest records are all due at once, in offset order), so
 * insertion scans from the back and is usually O(1); jitter only moves a record a few places.
 * Taking from the front moves a head index instead of shifting the array, so draining a full
 * look-ahead is linear, not quadratic.
 */
export interface Due {
  readonly dueAt: number;
  readonly offset: number;
}

export class DueQueue<T extends Due> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  add(item: T): void {
    let i = this.#items.length;
    while (i > this.#head && isLater(this.#items[i - 1], item)) i--;
    if (i === this.#items.length) this.#items.push(item);
    else this.#items.splice(i, 0, item);
  }

  /** The earliest due time, or undefined when empty. */
  earliestDue(): number | undefined {
    return this.#items[this.#head]?.dueAt;
  }

  /** Removes and returns the earliest item if it is due at `now`. */
  takeDue(now: number): T | undefined {
    const first = this.#items[this.#head];
    if (first === undefined || first.dueAt > now) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return first;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

function isLater(a: Due | undefined, b: Due): boolean {
  return a !== undefined && (a.dueAt > b.dueAt || (a.dueAt === b.dueAt && a.offset > b.offset));
}
