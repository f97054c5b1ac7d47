import { classify, type AttemptResult, type Outcome } from '../classify.js';
import { gate, type GateView } from '../health/gate.js';
import { effectivePolicy, layerOverrides, type PolicyOverride, type RetryPolicy } from '../policy.js';
import { layerRules, type RetryRules, type RetryRulesOverride } from '../retry-rules.js';
import { repeatable } from '../retry-safety.js';
import {
  continueWait,
  deferForRate,
  deferToSmallestTier,
  route,
  skipToNextTier,
  tierSlot,
  type DeadLetterReason,
  type RouteDecision,
} from '../route.js';
import type { RateLimit } from '../shaping/token-bucket.js';
import { layerBackoff, type BackoffStrategy } from './backoff.js';
import type { AttemptSummary, Delivery } from './delivery.js';

/**
 * What a worker knows of an endpoint: its gate and the operator's settings that act on delivery.
 * Slim on purpose: a worker never needs the health snapshot's minute buckets.
 */
export interface EndpointView {
  readonly gate: GateView | undefined;
  readonly url: string | null;
  readonly policy: PolicyOverride | null;
  readonly retryRules: RetryRulesOverride | null;
  readonly disableOn404: boolean | null;
  readonly retryUnsafe: boolean | null;
  readonly backoff: BackoffStrategy | null;
  readonly rateLimit: RateLimit | null;
}

export const UNKNOWN_ENDPOINT: EndpointView = {
  gate: undefined,
  url: null,
  policy: null,
  retryRules: null,
  disableOn404: null,
  retryUnsafe: null,
  backoff: null,
  rateLimit: null,
};

/** The engine's side of every decision: configuration, and the operator's run-time rules over it. */
export interface EngineRules {
  readonly policy: RetryPolicy;
  readonly rules: RetryRules;
  readonly disableOn404: boolean;
  readonly breakerOpenForMs: number;
}

/** Why a due delivery gets no HTTP call this time. */
export type NoAttempt = 'circuit_open' | 'endpoint_disabled' | 'rate_limited' | 'concurrency_limited';

export type Plan =
  | { readonly kind: 'attempt'; readonly url: string; readonly probe: boolean }
  | { readonly kind: 'skip'; readonly why: Extract<NoAttempt, 'circuit_open' | 'endpoint_disabled'> }
  /** Its wait is not over (a hop of placement.ts): moved on, nothing recorded. */
  | { readonly kind: 'wait' }
  | { readonly kind: 'invalid'; readonly problem: string };

/** What happened to a due delivery, for `decide`. */
export type Happened =
  | {
      readonly kind: 'attempted';
      readonly result: AttemptResult;
      readonly startedAt: number;
      readonly latencyMs: number;
      readonly responseBody: string | null;
    }
  /** `waitMs`: for rate_limited, how far ahead its token is reserved. */
  | { readonly kind: 'not-attempted'; readonly why: NoAttempt; readonly waitMs?: number }
  | { readonly kind: 'waited' }
  | { readonly kind: 'invalid'; readonly problem: string };

export type Next =
  | { readonly kind: 'delivered' }
  /** `slot` indexes `policy.tiersMs`: the tier topic the delivery waits on. */
  | {
      readonly kind: 'scheduled';
      readonly delivery: Delivery;
      readonly slot: number;
      readonly scheduledAt: number;
    }
  | {
      readonly kind: 'dead-lettered';
      readonly reason: DeadLetterReason;
      readonly history: readonly AttemptSummary[];
      readonly firstAttemptAt: number | null;
      readonly lastStatus: number | null;
      readonly lastError: string | null;
      readonly lastResponseBody: string | null;
    };

/** The events one due delivery causes: AttemptRecorded (not for a hop or an invalid policy), then what follows. */
export interface DeliveryEvents {
  readonly recorded: { readonly summary: AttemptSummary; readonly disablesEndpoint: boolean } | null;
  readonly next: Next;
  /** The classified result, when an attempt was made. */
  readonly outcome: Outcome | null;
  /** The delivery's resolved policy; null when it was invalid. */
  readonly policy: RetryPolicy | null;
}

/** The delivery's policy: the engine's, under its endpoint's overrides, under its own; or what is wrong. */
export function resolvePolicy(
  delivery: Delivery,
  view: EndpointView,
  engine: EngineRules,
): { readonly policy: RetryPolicy; readonly rules: RetryRules } | { readonly problem: string } {
  const plain =
    view.policy === null &&
    view.retryRules === null &&
    view.backoff === null &&
    delivery.request.policy === null &&
    delivery.request.backoff === null;
  // Most deliveries override nothing: their policy is the engine's, the same object every time.
  if (plain) {
    const cached = ENGINE_ONLY.get(engine);
    if (cached !== undefined) return cached;
  }
  const resolved = resolveLayers(delivery, view, engine);
  if (plain && !('problem' in resolved)) ENGINE_ONLY.set(engine, resolved);
  return resolved;
}

/** The resolved policy of a delivery that overrides nothing, per engine rules (EndpointViews keeps one while they hold). */
const ENGINE_ONLY = new WeakMap<EngineRules, { readonly policy: RetryPolicy; readonly rules: RetryRules }>();

function resolveLayers(
  delivery: Delivery,
  view: EndpointView,
  engine: EngineRules,
): { readonly policy: RetryPolicy; readonly rules: RetryRules } | { readonly problem: string } {
  const resolved = effectivePolicy(engine.policy, layerOverrides(view.policy, delivery.request.policy));
  if ('problem' in resolved)
    return { problem: `policy.${resolved.problem.field} ${resolved.problem.message}` };
  const rules = layerRules(engine.rules, view.retryRules);
  const backoff = layerBackoff(view.backoff, delivery.request.backoff);
  return { policy: { ...resolved.policy, minDelayMs: rules.minDelayMs, backoff }, rules };
}

/** Lifecycle step 1: whether a due delivery gets an HTTP call (docs/lifecycle.md). */
export function plan(
  delivery: Delivery,
  view: EndpointView,
  engine: EngineRules,
  now: number,
  probeInFlight: boolean,
): Plan {
  const resolved = resolvePolicy(delivery, view, engine);
  if ('problem' in resolved) return { kind: 'invalid', problem: resolved.problem };
  if (delivery.notBefore !== null && delivery.notBefore > now) return { kind: 'wait' };
  const decision = gate(view.gate, now, engine.breakerOpenForMs, probeInFlight);
  if (decision === 'disabled') return { kind: 'skip', why: 'endpoint_disabled' };
  if (decision === 'skip') return { kind: 'skip', why: 'circuit_open' };
  return {
    kind: 'attempt',
    url: delivery.request.url === '' ? (view.url ?? '') : delivery.request.url,
    probe: view.gate !== undefined && view.gate.circuit !== 'closed',
  };
}

/**
 * Lifecycle steps 3–5 as one pure function: the events a due delivery causes, given what happened
 * to it. `now` is the decision's one clock reading (the due time and `scheduledAt` must describe the
 * same instant); `random` is one draw in [0, 1) for the jitter.
 */
export function decide(
  delivery: Delivery,
  view: EndpointView,
  engine: EngineRules,
  happened: Happened,
  now: number,
  random: number,
): DeliveryEvents {
  const resolved = resolvePolicy(delivery, view, engine);
  if (happened.kind === 'invalid' || 'problem' in resolved) {
    const problem =
      happened.kind === 'invalid' ? happened.problem : 'problem' in resolved ? resolved.problem : '';
    return {
      recorded: null,
      next: deadLettered('invalid_record', delivery.history, delivery.firstAttemptAt, { lastError: problem }),
      outcome: null,
      policy: null,
    };
  }
  const { policy, rules } = resolved;
  const firstAttemptAt =
    delivery.firstAttemptAt ?? (happened.kind === 'attempted' ? happened.startedAt : now);
  const progress = { attempt: delivery.attempt, tierIndex: delivery.tierIndex, firstAttemptAt, policy };
  if (happened.kind === 'waited') {
    const decision = continueWait(progress, delivery.notBefore ?? now, now);
    return {
      recorded: null,
      next: toNext(delivery, decision, policy, now, delivery.history, firstAttemptAt, {}),
      outcome: null,
      policy,
    };
  }
  if (happened.kind === 'not-attempted') {
    const summary: AttemptSummary = {
      attempt: delivery.attempt,
      at: now,
      outcome: 'skipped',
      status: null,
      errorClass: happened.why,
      latencyMs: null,
    };
    const history = [...delivery.history, summary];
    const decision: RouteDecision =
      happened.why === 'endpoint_disabled'
        ? { kind: 'dead-letter', reason: 'endpoint_disabled' }
        : happened.why === 'circuit_open'
          ? skipToNextTier(progress, now, random)
          : happened.why === 'rate_limited'
            ? deferForRate(progress, now, happened.waitMs ?? 0)
            : deferToSmallestTier(progress, now, random);
    // A skip spends no attempt, so only the age limit ends it (the skips never say 'done'). The age
    // still counts from the first attempt; a delivery never attempted keeps no first attempt time.
    const next = toNext(
      delivery,
      decision.kind === 'done' ? { kind: 'dead-letter', reason: 'max_age' } : decision,
      policy,
      now,
      history,
      decision.kind === 'schedule' ? firstAttemptAt : delivery.firstAttemptAt,
      { lastError: happened.why },
    );
    return { recorded: { summary, disablesEndpoint: false }, next, outcome: null, policy };
  }
  const outcome = classify(happened.result, {
    disableOn404: view.disableOn404 ?? engine.disableOn404,
    rules,
  });
  const summary: AttemptSummary = {
    attempt: delivery.attempt,
    at: happened.startedAt,
    outcome: outcome.kind,
    status: happened.result.kind === 'response' ? happened.result.status : null,
    errorClass: outcome.kind === 'success' ? null : outcome.errorClass,
    latencyMs: Math.round(happened.latencyMs),
  };
  const history = [...delivery.history, summary];
  const decision = route(
    {
      ...progress,
      repeatable: repeatable(delivery.request.method, delivery.request.retryUnsafe, view.retryUnsafe),
    },
    outcome,
    now,
    random,
  );
  const next = toNext(delivery, decision, policy, now, history, firstAttemptAt, {
    lastStatus: summary.status,
    lastError: summary.errorClass,
    lastResponseBody: happened.responseBody,
  });
  return {
    recorded: { summary, disablesEndpoint: outcome.kind === 'permanent' && outcome.disablesEndpoint },
    next,
    outcome,
    policy,
  };
}

function toNext(
  delivery: Delivery,
  decision: RouteDecision,
  policy: RetryPolicy,
  now: number,
  history: readonly AttemptSummary[],
  firstAttemptAt: number | null,
  last: { lastStatus?: number | null; lastError?: string | null; lastResponseBody?: string | null },
): Next {
  switch (decision.kind) {
    case 'done':
      return { kind: 'delivered' };
    case 'dead-letter':
      return deadLettered(decision.reason, history, firstAttemptAt, last);
    case 'schedule':
      return {
        kind: 'scheduled',
        slot: decision.slot ?? tierSlot(policy, decision.tierIndex),
        scheduledAt: now,
        delivery: {
          ...delivery,
          attempt: decision.attempt,
          tierIndex: decision.tierIndex,
          dueAt: decision.dueAt,
          notBefore: decision.notBefore ?? null,
          firstAttemptAt: firstAttemptAt ?? now,
          history,
        },
      };
  }
}

function deadLettered(
  reason: DeadLetterReason,
  history: readonly AttemptSummary[],
  firstAttemptAt: number | null,
  last: { lastStatus?: number | null; lastError?: string | null; lastResponseBody?: string | null },
): Next {
  return {
    kind: 'dead-lettered',
    reason,
    history,
    firstAttemptAt,
    lastStatus: last.lastStatus ?? null,
    lastError: last.lastError ?? null,
    lastResponseBody: last.lastResponseBody ?? null,
  };
}
