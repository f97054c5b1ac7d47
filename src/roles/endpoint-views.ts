import type { EndpointView, EngineRules } from '../domain/delivery/decide.js';
import { UNKNOWN_ENDPOINT } from '../domain/delivery/decide.js';
import { gateView, type HealthSnapshot } from '../domain/health/gate.js';
import type { RetryPolicy } from '../domain/policy.js';
import { layerRules, type RetryRules } from '../domain/retry-rules.js';
import type { RateLimit } from '../domain/shaping/token-bucket.js';
import { backoffFromValue, rateLimitFromValue } from '../kafka/delivery-codec.js';
import type { EndpointConfigValue } from '../kafka/records.js';
import { DEFAULT_RULES_KEY } from '../kafka/topology.js';

interface Table<V> {
  get(key: string): V | undefined;
}

/** What the workers know of endpoints: slim health (the gate's fields) and the operator's settings. */
export interface EndpointViewsDeps {
  /** The endpoint-state table, read slim (only the gate's fields); unset when the gate is off. */
  readonly health?: Table<HealthSnapshot> | undefined;
  readonly endpoints?: Table<EndpointConfigValue> | undefined;
  readonly policy: RetryPolicy;
  /** The configuration's retry rules; the run-time default (PUT /policy) layers over them. */
  readonly rules: RetryRules;
  readonly disableOn404: boolean;
  readonly breakerOpenForMs: number;
  /** KRETRY_ENDPOINT_RATE_LIMIT: an endpoint without its own. */
  readonly defaultRateLimit: RateLimit | null;
}

/** Builds each decision's inputs from the tables as this process last read them. */
export class EndpointViews {
  constructor(private readonly deps: EndpointViewsDeps) {}

  view(endpointId: string): EndpointView {
    const settings = this.deps.endpoints?.get(endpointId);
    const health = this.deps.health?.get(endpointId);
    if (settings === undefined && health === undefined && this.deps.defaultRateLimit === null)
      return UNKNOWN_ENDPOINT;
    return {
      gate: gateView(health, settings),
      url: settings?.url ?? null,
      policy: settings?.policy ?? null,
      retryRules: settings?.retryRules ?? null,
      disableOn404: settings?.disableOn404 ?? null,
      retryUnsafe: settings?.retryUnsafe ?? null,
      backoff: settings?.backoff == null ? null : backoffFromValue(settings.backoff),
      rateLimit: rateLimitFromValue(settings?.rateLimit) ?? this.deps.defaultRateLimit,
    };
  }

  #engine: { readonly runtime: unknown; readonly rules: EngineRules } | undefined;

  /**
   * The engine's rules now: the configuration's, under the run-time default an operator set. The
   * same object for as long as the run-time default is (decide.ts caches by it).
   */
  engine(): EngineRules {
    const runtime = this.deps.endpoints?.get(DEFAULT_RULES_KEY)?.retryRules;
    if (this.#engine !== undefined && this.#engine.runtime === runtime) return this.#engine.rules;
    const rules: EngineRules = {
      policy: this.deps.policy,
      rules: layerRules(this.deps.rules, runtime),
      disableOn404: this.deps.disableOn404,
      breakerOpenForMs: this.deps.breakerOpenForMs,
    };
    this.#engine = { runtime, rules };
    return rules;
  }
}
