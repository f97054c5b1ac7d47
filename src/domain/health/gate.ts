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

/** The health fields the gate reads, as the endpoint-state snapshot carries them. */
export interface HealthSnapshot {
  readonly circuit: CircuitState;
  readonly circuitChangedAt: number;
  readonly disabledAt: number | null;
}

/** An operator's settings from the endpoints topic that act on the gate at once. */
export interface OperatorSettings {
  readonly enabled: boolean;
  readonly enabledAt: number | null;
  readonly circuitResetAt: number | null;
}

/**
 * The gate's view of an endpoint: its folded health, corrected by the operator's latest commands.
 * A command also goes into the attempts log so the fold catches up, but workers see the endpoints
 * topic first: without this, a re-enabled endpoint would keep dead-lettering until the projection's
 * next snapshot arrives.
 */
export function gateView(
  health: HealthSnapshot | undefined,
  settings: OperatorSettings | undefined,
): GateView | undefined {
  if (health === undefined && settings === undefined) return undefined;
  const enabledAt = settings?.enabledAt ?? null;
  const autoDisabled = health?.disabledAt != null && !(enabledAt !== null && enabledAt >= health.disabledAt);
  const resetAt = Math.max(settings?.circuitResetAt ?? -Infinity, enabledAt ?? -Infinity);
  const circuitReset = health !== undefined && resetAt >= health.circuitChangedAt;
  return {
    circuit: health === undefined || circuitReset ? 'closed' : health.circuit,
    circuitChangedAt: health?.circuitChangedAt ?? 0,
    disabled: settings?.enabled === false || autoDisabled,
  };
}

export const ENDPOINT_STATES = ['closed', 'open', 'half_open', 'disabled'] as const;
export type EndpointState = (typeof ENDPOINT_STATES)[number];

/** One word for an endpoint, as the API filters and the `kretry_endpoints{state}` gauge count. */
export function endpointState(view: GateView | undefined): EndpointState {
  if (view === undefined) return 'closed';
  return view.disabled ? 'disabled' : view.circuit;
}
