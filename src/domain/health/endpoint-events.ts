import type { CircuitState } from './circuit.js';
import type { DisabledReason, EndpointHealth } from './endpoint-health.js';

export const ENDPOINT_EVENT_TYPES = [
  'circuit_opened',
  'circuit_closed',
  'disabled',
  'enabled',
  'failing',
  'recovered',
] as const;
export type EndpointEventType = (typeof ENDPOINT_EVENT_TYPES)[number];

/**
 * A change in an endpoint's health worth telling someone about, at the event time of the attempt
 * (or operator command) that caused it. Derived from the fold alone, so a rebuild from the log
 * derives the same events at the same places.
 */
export interface EndpointEvent {
  readonly endpointId: string;
  readonly type: EndpointEventType;
  readonly at: number;
  /** Why it was disabled (`disabled` only). */
  readonly reason: DisabledReason | null;
  readonly consecutiveFailures: number;
  readonly failingSince: number | null;
  readonly lastStatus: number | null;
  readonly lastErrorClass: string | null;
}

/** What an event is derived from: the few fields of the health before a step. */
export interface HealthMarks {
  readonly circuit: CircuitState;
  readonly disabledReason: DisabledReason | null;
  readonly consecutiveFailures: number;
}

export function marksOf(health: EndpointHealth): HealthMarks {
  return {
    circuit: health.circuit,
    disabledReason: health.disabled?.reason ?? null,
    consecutiveFailures: health.consecutiveFailures,
  };
}

/**
 * The events one fold step caused. The rules, in the order they are emitted:
 *
 * | event            | before                              | after                         |
 * | ---------------- | ----------------------------------- | ----------------------------- |
 * | `circuit_opened` | circuit closed                      | circuit open                  |
 * | `circuit_closed` | circuit open or half-open           | circuit closed                |
 * | `disabled`       | enabled                             | disabled (with its reason)    |
 * | `enabled`        | disabled                            | enabled                       |
 * | `failing`        | fewer than `failingAfter` in a row  | `failingAfter` or more        |
 * | `recovered`      | `failingAfter` or more in a row     | 0, by a successful attempt    |
 *
 * A failed probe (half-open to open) is not announced again: the endpoint never stopped being
 * open for its users. An operator's enable or reset clears the streak without a success, so it
 * announces `enabled` or `circuit_closed`, not `recovered`.
 */
export function eventsOfStep(
  before: HealthMarks,
  after: EndpointHealth,
  at: number,
  succeeded: boolean,
  failingAfter: number,
): EndpointEvent[] {
  const types: EndpointEventType[] = [];
  if (before.circuit === 'closed' && after.circuit === 'open') types.push('circuit_opened');
  if (before.circuit !== 'closed' && after.circuit === 'closed') types.push('circuit_closed');
  const reason = after.disabled?.reason ?? null;
  if (before.disabledReason === null && reason !== null) types.push('disabled');
  if (before.disabledReason !== null && reason === null) types.push('enabled');
  if (before.consecutiveFailures < failingAfter && after.consecutiveFailures >= failingAfter)
    types.push('failing');
  if (before.consecutiveFailures >= failingAfter && after.consecutiveFailures === 0 && succeeded)
    types.push('recovered');
  return types.map((type) => ({
    endpointId: after.endpointId,
    type,
    at,
    reason: type === 'disabled' ? reason : null,
    consecutiveFailures: after.consecutiveFailures,
    failingSince: after.failingSince,
    lastStatus: after.lastFailure?.status ?? null,
    lastErrorClass: after.lastFailure?.errorClass ?? null,
  }));
}
