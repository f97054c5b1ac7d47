/**
 * One probe per endpoint per open period (docs/lifecycle.md). A probe is "in flight" from the
 * moment it starts until its result reaches the gate — that is, until the endpoint-state snapshot
 * shows the circuit changed at or after the probe began (success closes it, failure reopens it) —
 * not merely until the HTTP call returns: between the call and the folded snapshot there are a
 * commit, a projection transaction and a fetch, and every delivery due meanwhile would otherwise
 * probe too. `timeoutMs` frees a probe whose result never arrives (its commit was abandoned).
 */
export class ProbeTracker {
  readonly #started = new Map<string, number>();

  constructor(private readonly timeoutMs: number) {}

  /** Whether a probe for the endpoint is still waiting for its result, given the circuit's last change. */
  inFlight(endpointId: string, circuitChangedAt: number, now: number): boolean {
    const startedAt = this.#started.get(endpointId);
    if (startedAt === undefined) return false;
    if (circuitChangedAt >= startedAt || now >= startedAt + this.timeoutMs) {
      this.#started.delete(endpointId);
      return false;
    }
    return true;
  }

  start(endpointId: string, now: number): void {
    this.#started.set(endpointId, now);
  }

  /** The probe's attempt did not happen after all (it was abandoned before the call). */
  cancel(endpointId: string): void {
    this.#started.delete(endpointId);
  }
}
