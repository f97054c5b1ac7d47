import type { HealthSnapshot } from '../domain/health/gate.js';
import { failureRate, latencyPercentile, type EndpointHealth } from '../domain/health/endpoint-health.js';
import type { CircuitState } from '../domain/health/circuit.js';

/** The EndpointHealth Avro value: the domain snapshot, flattened, with derived figures for readers. */
export interface EndpointHealthValue {
  readonly endpointId: string;
  readonly firstSeenAt: number;
  readonly asOf: number;
  readonly throughOffset: number;
  readonly circuit: CircuitState;
  readonly circuitChangedAt: number;
  readonly disabledReason: NonNullable<EndpointHealth['disabled']>['reason'] | null;
  readonly disabledAt: number | null;
  readonly enabledAt: number | null;
  readonly consecutiveFailures: number;
  readonly failingSince: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  readonly lastFailureStatus: number | null;
  readonly lastFailureErrorClass: string | null;
  readonly failureRate5m: number | null;
  readonly failureRate1h: number | null;
  readonly failureRate24h: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  readonly minutes: EndpointHealth['minutes'];
  readonly seconds: EndpointHealth['seconds'];
}

export function toHealthValue(health: EndpointHealth, throughOffset: number): EndpointHealthValue {
  return {
    endpointId: health.endpointId,
    firstSeenAt: health.firstSeenAt,
    asOf: health.asOf,
    throughOffset,
    circuit: health.circuit,
    circuitChangedAt: health.circuitChangedAt,
    disabledReason: health.disabled?.reason ?? null,
    disabledAt: health.disabled?.at ?? null,
    enabledAt: health.enabledAt,
    consecutiveFailures: health.consecutiveFailures,
    failingSince: health.failingSince,
    lastSuccessAt: health.lastSuccessAt,
    lastFailureAt: health.lastFailure?.at ?? null,
    lastFailureStatus: health.lastFailure?.status ?? null,
    lastFailureErrorClass: health.lastFailure?.errorClass ?? null,
    failureRate5m: failureRate(health, 300_000),
    failureRate1h: failureRate(health, 3_600_000),
    failureRate24h: failureRate(health, 86_400_000),
    latencyP50Ms: latencyPercentile(health, 0.5),
    latencyP95Ms: latencyPercentile(health, 0.95),
    minutes: health.minutes,
    seconds: health.seconds,
  };
}

export function fromHealthValue(value: EndpointHealthValue): EndpointHealth {
  return {
    endpointId: value.endpointId,
    firstSeenAt: value.firstSeenAt,
    asOf: value.asOf,
    minutes: value.minutes.map((m) => ({
      minute: m.minute,
      attempts: m.attempts,
      failures: m.failures,
      latency: [...m.latency],
    })),
    seconds: value.seconds.map((s) => ({ second: s.second, attempts: s.attempts, failures: s.failures })),
    consecutiveFailures: value.consecutiveFailures,
    failingSince: value.failingSince,
    lastSuccessAt: value.lastSuccessAt,
    lastFailure:
      value.lastFailureAt === null
        ? null
        : {
            at: value.lastFailureAt,
            status: value.lastFailureStatus,
            errorClass: value.lastFailureErrorClass,
          },
    circuit: value.circuit,
    circuitChangedAt: value.circuitChangedAt,
    disabled:
      value.disabledReason === null || value.disabledAt === null
        ? null
        : { reason: value.disabledReason, at: value.disabledAt },
    enabledAt: value.enabledAt,
  };
}

/** The fields of a snapshot the gate reads (domain/health/gate.ts): all a worker keeps of it. */
export function gateFields(value: EndpointHealthValue): HealthSnapshot {
  return { circuit: value.circuit, circuitChangedAt: value.circuitChangedAt, disabledAt: value.disabledAt };
}
