import { formatDuration } from '../domain/duration.js';
import { backoffView, rateLimitView } from '../config/shaping-schema.js';
import { backoffFromValue } from '../kafka/delivery-codec.js';
import type { RetryRulesOverride } from '../domain/retry-rules.js';
import { endpointState, gateView, type EndpointState } from '../domain/health/gate.js';
import type { EndpointHealthValue } from '../kafka/health-record.js';
import type { EndpointConfigValue } from '../kafka/records.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** What the API shows of an endpoint's configuration: never a secret, only how many and which refs. */
export function configView(config: EndpointConfigValue): Record<string, unknown> {
  return {
    url: config.url,
    secretCount: config.secrets.length,
    secretRefs: config.secrets.filter((s) => s.startsWith('env:')),
    policy: config.policy,
    enabled: config.enabled,
    disableOn404: config.disableOn404,
    retryUnsafe: config.retryUnsafe ?? null,
    retryRules: rulesView(config.retryRules ?? null),
    backoff: config.backoff == null ? null : backoffView(backoffFromValue(config.backoff)),
    rateLimit: config.rateLimit == null ? null : rateLimitView(config.rateLimit),
    enabledAt: iso(config.enabledAt),
    circuitResetAt: iso(config.circuitResetAt),
    updatedAt: iso(config.updatedAt),
  };
}

export function healthView(health: EndpointHealthValue): Record<string, unknown> {
  return {
    circuit: health.circuit,
    circuitChangedAt: iso(health.circuitChangedAt),
    disabled:
      health.disabledReason === null ? null : { reason: health.disabledReason, at: iso(health.disabledAt) },
    consecutiveFailures: health.consecutiveFailures,
    failingSince: iso(health.failingSince),
    lastSuccessAt: iso(health.lastSuccessAt),
    lastFailure:
      health.lastFailureAt === null
        ? null
        : {
            at: iso(health.lastFailureAt),
            status: health.lastFailureStatus,
            errorClass: health.lastFailureErrorClass,
          },
    failureRate: { '5m': health.failureRate5m, '1h': health.failureRate1h, '24h': health.failureRate24h },
    latencyMs: { p50: health.latencyP50Ms, p95: health.latencyP95Ms },
    firstSeenAt: iso(health.firstSeenAt),
    asOf: iso(health.asOf),
    enabledAt: iso(health.enabledAt),
  };
}

export function stateOf(
  health: EndpointHealthValue | undefined,
  config: EndpointConfigValue | undefined,
): EndpointState {
  return endpointState(gateView(health, config));
}

/** One row of `GET /endpoints`. */
export function endpointSummary(
  id: string,
  health: EndpointHealthValue | undefined,
  config: EndpointConfigValue | undefined,
): Record<string, unknown> {
  return {
    id,
    state: stateOf(health, config),
    failureRate5m: health?.failureRate5m ?? null,
    failureRate1h: health?.failureRate1h ?? null,
    consecutiveFailures: health?.consecutiveFailures ?? 0,
    lastStatus: health?.lastFailureStatus ?? null,
    lastSuccessAt: iso(health?.lastSuccessAt ?? null),
    lastFailureAt: iso(health?.lastFailureAt ?? null),
    circuit: health?.circuit ?? 'closed',
    disabledReason: config?.enabled === false ? 'manual' : (health?.disabledReason ?? null),
  };
}

/** `GET /endpoints/{id}`: state, folded health and configuration. */
export function endpointDetail(
  id: string,
  health: EndpointHealthValue | undefined,
  config: EndpointConfigValue | undefined,
): Record<string, unknown> {
  return {
    id,
    state: stateOf(health, config),
    health: health === undefined ? null : healthView(health),
    config: config === undefined ? null : configView(config),
  };
}

/** Retry rules as the API shows and takes them: the minimum delay as a duration. */
export function rulesView(rules: RetryRulesOverride | null): Record<string, unknown> | null {
  if (rules === null) return null;
  return {
    retryOn: rules.retryOn,
    permanentOn: rules.permanentOn,
    minDelay: rules.minDelayMs === null || rules.minDelayMs === 0 ? null : formatDuration(rules.minDelayMs),
  };
}
