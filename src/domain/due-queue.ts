/**
 * A bounded look-ahead of records ordered by due time, earliest first. Arrivals are nearly in due
 * order (same delay, appended over time), so insertion scans from the back and is usually O(1);
 * jitter only moves a record a few places.
 */
export interface Due {
  readonly dueAt: number;
  readonly offset: number;
}

export class DueQueue<T extends Due> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    let i = this.#items.length;
    while (i > 0 && isLater(this.#items[i - 1], item)) i--;
    this.#items.splice(i, 0, item);
  }

  /** The earliest due time, or undefined when empty. */
  earliestDue(): number | undefined {
    return this.#items[0]?.dueAt;
  }

  /** Removes and returns the earliest item if it is due at `now`. */
  takeDue(now: number): T | undefined {
    const first = this.#items[0];
    if (first === undefined || first.dueAt > now) return undefined;
    this.#items.shift();
    return first;
  }

  clear(): void {
    this.#items.length = 0;
  }
}

function isLater(a: Due | undefined, b: Due): boolean {
  return a !== undefined && (a.dueAt > b.dueAt || (a.dueAt === b.dueAt && a.offset > b.offset));
}
