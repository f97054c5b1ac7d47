import type { CircuitState } from './circuit.js';

/** What a worker knows of an endpoint from the endpoint-state table. */
export interface GateView {
  readonly circuit: CircuitState;
  readonly circuitChangedAt: number;
  readonly disabled: boolean;
}

export type GateDecision = 'attempt' | 'skip' | 'disabled';

/**
 * Lifecycle step 1: a disabled endpoint gets no attempt (dead letter `endpoint_disabled`); an open
 * circuit gets none until its open period is over (the delivery moves to its next tier without
 * spending an attempt). After the open period an attempt is the probe; `probeInFlight` keeps it to
 * one at a time.
 */
export function gate(
  view: GateView | undefined,
  now: number,
  openForMs: number,
  probeInFlight: boolean,
): GateDecision {
  if (view === undefined) return 'attempt';
  if (view.disabled) return 'disabled';
  if (view.circuit === 'closed') return 'attempt';
  const probing = view.circuit === 'half_open' || now >= view.circuitChangedAt + openForMs;
  return probing && !probeInFlight ? 'attempt' : 'skip';
}
