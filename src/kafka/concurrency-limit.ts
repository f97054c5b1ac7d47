/**
 * At most `limit` tasks at once across every partition of a process. A partition that finds no
 * free slot registers its wake-up once; a freed slot wakes every registered partition, and those
 * that still find none register again. Waking only one could strand a partition: the woken one may
 * have nothing left to start, and the slot would then go unused while others wait.
 */
export class ConcurrencyLimit {
  #active = 0;
  readonly #waiters = new Set<() => void>();

  constructor(readonly limit: number) {}

  get active(): number {
    return this.#active;
  }

  tryAcquire(): boolean {
    if (this.#active >= this.limit) return false;
    this.#active++;
    return true;
  }

  release(): void {
    this.#active--;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Calls `wake` once, the next time a slot frees; registering the same function twice is one registration. */
  onFree(wake: () => void): void {
    this.#waiters.add(wake);
  }
}
