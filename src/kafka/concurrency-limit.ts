/** At most `limit` tasks at once across every partition of a process; waiters are woken in order. */
export class ConcurrencyLimit {
  #active = 0;
  readonly #waiters: Array<() => void> = [];

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
    const next = this.#waiters.shift();
    next?.();
  }

  /** Calls `wake` once, the next time a slot frees. */
  onFree(wake: () => void): void {
    this.#waiters.push(wake);
  }
}
