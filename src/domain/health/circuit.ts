import { InvariantError } from '../invariant.js';

export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export const CIRCUIT_EVENTS = ['trip', 'probe_window', 'probe_succeeded', 'probe_failed', 'reset'] as const;
export type CircuitEvent = (typeof CIRCUIT_EVENTS)[number];

/**
 * Every legal move of an endpoint's circuit breaker; anything else is a bug. Closed trips open;
 * after the open period one probe is let through (half-open); its result closes or reopens the
 * circuit. An operator's reset closes it from anywhere.
 */
const TRANSITIONS: Readonly<Record<CircuitState, Partial<Record<CircuitEvent, CircuitState>>>> = {
  closed: { trip: 'open', reset: 'closed' },
  open: { probe_window: 'half_open', reset: 'closed' },
  half_open: { probe_succeeded: 'closed', probe_failed: 'open', reset: 'closed' },
};

export function transition(state: CircuitState, event: CircuitEvent): CircuitState {
  const next = TRANSITIONS[state][event];
  if (next === undefined)
    throw new InvariantError(`circuit breaker: no transition from ${state} on ${event}`);
  return next;
}

export function canTransition(state: CircuitState, event: CircuitEvent): boolean {
  return TRANSITIONS[state][event] !== undefined;
}

/**
 * When the breaker trips and how long it stays open. Defaults (README): at least 10 attempts in
 * 60 s with at least 50 % failing, or 5 consecutive failures; half-open after 30 s.
 */
export interface BreakerPolicy {
  readonly windowMs: number;
  readonly minAttempts: number;
  readonly failureRatio: number;
  readonly consecutiveFailures: number;
  readonly openForMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = {
  windowMs: 60_000,
  minAttempts: 10,
  failureRatio: 0.5,
  consecutiveFailures: 5,
  openForMs: 30_000,
};
