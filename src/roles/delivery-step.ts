import { classify, type ClassifyOptions, type Outcome } from '../domain/classify.js';
import { effectivePolicy, layerOverrides, type RetryPolicy } from '../domain/policy.js';
import { route, tierSlot, type DeadLetterReason, type RouteDecision } from '../domain/route.js';
import type { AttemptReport, HttpAttempter } from '../delivery/attempt.js';
import type { Codecs } from '../kafka/codecs.js';
import type { OutputRecord, Processed } from '../kafka/partition-processor.js';
import type {
  AttemptSummaryValue,
  DeadLetterValue,
  DeliveryRequestValue,
  EndpointConfigValue,
} from '../kafka/records.js';
import type { Topology } from '../kafka/topology.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { EndpointHealthValue } from '../kafka/health-record.js';
import { gate, gateView } from '../domain/health/gate.js';
import { skipToNextTier } from '../domain/route.js';
import { repeatable } from '../domain/retry-safety.js';
import type { ProbeTracker } from '../domain/health/probe-tracker.js';
import type { Tracer } from '@opentelemetry/api';
import { layerRules, type RetryRules } from '../domain/retry-rules.js';
import { DEFAULT_RULES_KEY } from '../kafka/topology.js';
import { recordAttemptSpan } from '../observability/tracing.js';
import type { AttemptLog, NextStep } from '../observability/attempt-log.js';

export interface StepContext {
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly attempter: HttpAttempter;
  readonly basePolicy: RetryPolicy;
  readonly classifyOptions: ClassifyOptions;
  /** The configuration's retry rules; the run-time default and the endpoint's layer over them. */
  readonly baseRules: RetryRules;
  readonly now: () => number;
  readonly random: () => number;
  readonly metrics: EngineMetrics;
  /** The endpoint-state table, when the gate is on (lifecycle step 1). */
  readonly endpointState?: { get(endpointId: string): EndpointHealthValue | undefined } | undefined;
  /** The endpoints table (operator configuration), when the gate is on. */
  readonly endpoints?: { get(endpointId: string): EndpointConfigValue | undefined } | undefined;
  readonly breakerOpenForMs: number;
  /** Endpoints with a probe whose result has not reached the gate yet: one probe at a time. */
  readonly probes: ProbeTracker;
  /** Records each attempt as a span when spans are exported (observability/tracing.ts). */
  readonly tracer?: Tracer | undefined;
  /** The log line of each attempt, after it commits; unset with KRETRY_LOG_ATTEMPTS=false. */
  readonly attemptLog?: AttemptLog | undefined;
}

/** Metric updates of one step, applied once its records commit (Processed.afterCommit). */
type Effects = (() => void)[];

function processed(records: OutputRecord[], effects: Effects): Processed {
  return { records, afterCommit: () => effects.forEach((effect) => effect()) };
}

/** Where a delivery stands before this attempt. */
export interface Before {
  readonly attempt: number;
  /** Tier the attempt is made from; -1 for the dispatcher. */
  readonly tierIndex: number;
  readonly firstAttemptAt: number | null;
  readonly history: readonly AttemptSummaryValue[];
  readonly dueAt: number | null;
  /** The delivery's W3C traceparent so far (a producer's header, or the ScheduledAttempt's). */
  readonly traceparent: string | null;
}

export const FIRST_ATTEMPT: Before = {
  attempt: 1,
  tierIndex: -1,
  firstAttemptAt: null,
  history: [],
  dueAt: null,
  traceparent: null,
};

/**
 * One attempt of one delivery and every record it causes: AttemptRecorded, then a ScheduledAttempt
 * on the next tier, a DeadLetter, or nothing (docs/lifecycle.md, steps 2–5). Pure wiring: the
 * decisions are `classify` and `route` in the domain.
 */
export async function attemptAndRoute(
  ctx: StepContext,
  request: DeliveryRequestValue,
  before: Before,
): Promise<Processed> {
  const effects: Effects = [];
  const settings = ctx.endpoints?.get(request.endpointId);
  const resolved = effectivePolicy(ctx.basePolicy, layerOverrides(settings?.policy ?? null, request.policy));
  if ('problem' in resolved) {
    const letter = deadLetter(ctx, request, 'invalid_record', before, {
      lastError: `policy.${resolved.problem.field} ${resolved.problem.message}`,
    });
    return processed([letter.record], [letter.count]);
  }
  // The retry rules: the configuration's, under the run-time default (PUT /policy), under the endpoint's.
  const rules = layerRules(
    ctx.baseRules,
    ctx.endpoints?.get(DEFAULT_RULES_KEY)?.retryRules,
    settings?.retryRules,
  );
  const policy = { ...resolved.policy, minDelayMs: rules.minDelayMs };
  const tierLabel = before.tierIndex < 0 ? 'ingest' : tierTopicOf(ctx, policy, before.tierIndex).label;
  if (before.dueAt !== null) {
    const lateSeconds = Math.max(0, ctx.now() - before.dueAt) / 1000;
    effects.push(() => ctx.metrics.lateness.observe({ tier: tierLabel }, lateSeconds));
  }

  const view = gateView(ctx.endpointState?.get(request.endpointId), settings);
  const now = ctx.now();
  const probing = view !== undefined && ctx.probes.inFlight(request.endpointId, view.circuitChangedAt, now);
  const gateDecision = gate(view, now, ctx.breakerOpenForMs, probing);
  if (gateDecision !== 'attempt')
    return skipped(ctx, request, before, policy, gateDecision, tierLabel, now, effects);

  // A probe stays in flight until its result is folded and reaches this process's table.
  if (view !== undefined && view.circuit !== 'closed') ctx.probes.start(request.endpointId, now);
  // A delivery without a url goes to the endpoint's configured one, as it is at this attempt.
  const target = request.url === '' ? { ...request, url: settings?.url ?? '' } : request;
  const report: AttemptReport = await ctx.attempter.attempt(request.endpointId, target);
  const outcome = classify(report.result, {
    ...ctx.classifyOptions,
    disableOn404: settings?.disableOn404 ?? ctx.classifyOptions.disableOn404,
    rules,
  });
  effects.push(() => {
    ctx.metrics.attempts.inc({ outcome: outcome.kind, tier: tierLabel });
    ctx.metrics.attemptDuration.observe(report.latencyMs / 1000);
  });
  const firstAttemptAt = before.firstAttemptAt ?? report.startedAt;
  const summary = summarize(before.attempt, report, outcome);
  const history = [...before.history, summary];
  // One clock reading for the decision and the record it writes: the due time and `scheduledAt`
  // must describe the same instant.
  const decidedAt = ctx.now();
  const decision = route(
    {
      attempt: before.attempt,
      tierIndex: before.tierIndex,
      firstAttemptAt,
      policy,
      repeatable: repeatable(request.method, request.retryUnsafe ?? null, settings?.retryUnsafe ?? null),
    },
    outcome,
    decidedAt,
    ctx.random(),
  );
  // Recorded now, not after the commit: the HTTP call happened even if its commit is redone.
  const traceparent = recordAttemptSpan(ctx.tracer, {
    traceparent: before.traceparent,
    startedAt: report.startedAt,
    endedAt: report.startedAt + report.latencyMs,
    error: summary.errorClass,
    attributes: {
      'kretry.delivery.id': request.deliveryId,
      'kretry.endpoint.id': request.endpointId,
      'retry.attempt': before.attempt,
      'retry.tier': tierLabel,
      'retry.delay_ms': before.tierIndex < 0 ? 0 : (policy.tiersMs[tierSlot(policy, before.tierIndex)] ?? 0),
      'retry.lateness_ms': before.dueAt === null ? 0 : Math.max(0, report.startedAt - before.dueAt),
      ...(summary.status === null ? {} : { 'http.response.status_code': summary.status }),
      'kretry.outcome': outcome.kind,
      'kretry.next': decision.kind === 'dead-letter' ? `dead:${decision.reason}` : decision.kind,
    },
  });
  const next = nextStep(ctx, policy, decision);
  const recorded = attemptRecorded(
    ctx,
    request,
    before,
    summary,
    outcome.kind === 'permanent' && outcome.disablesEndpoint,
    next,
  );
  effects.push(logLine(ctx, request, tierLabel, summary, next));
  switch (decision.kind) {
    case 'done':
      effects.push(() => ctx.metrics.deliveries.inc({ result: 'delivered' }));
      return processed([recorded], effects);
    case 'schedule':
      return processed(
        [
          recorded,
          scheduled(ctx, request, policy, decision, decidedAt, firstAttemptAt, history, traceparent),
        ],
        effects,
      );
    case 'dead-letter': {
      const letter = deadLetter(
        ctx,
        request,
        decision.reason,
        { ...before, history, firstAttemptAt },
        {
          lastStatus: summary.status,
          lastError: summary.errorClass,
          lastResponseBody: report.responseBody,
        },
      );
      return processed([recorded, letter.record], [...effects, letter.count]);
    }
  }
}

/** The ScheduledAttempt that moves a delivery to its next tier, after an attempt or a skip. */
function scheduled(
  ctx: StepContext,
  request: DeliveryRequestValue,
  policy: RetryPolicy,
  next: Extract<RouteDecision, { kind: 'schedule' }>,
  scheduledAt: number,
  firstAttemptAt: number,
  history: readonly AttemptSummaryValue[],
  traceparent: string | null,
): OutputRecord {
  const tier = tierTopicOf(ctx, policy, next.tierIndex);
  return {
    topic: tier.topic,
    key: request.endpointId,
    value: tier.codec.encode({
      request,
      attempt: next.attempt,
      tierIndex: next.tierIndex,
      dueAt: next.dueAt,
      scheduledAt,
      firstAttemptAt,
      history,
      traceparent,
    }),
  };
}

/** No HTTP call: the endpoint is disabled (dead letter) or its circuit is open (next tier, same attempt). */
function skipped(
  ctx: StepContext,
  request: DeliveryRequestValue,
  before: Before,
  policy: RetryPolicy,
  decision: 'skip' | 'disabled',
  tierLabel: string,
  now: number,
  effects: Effects,
): Processed {
  const errorClass = decision === 'disabled' ? 'endpoint_disabled' : 'circuit_open';
  effects.push(() => ctx.metrics.attempts.inc({ outcome: 'skipped', tier: tierLabel }));
  const summary: AttemptSummaryValue = {
    attempt: before.attempt,
    at: now,
    outcome: 'skipped',
    status: null,
    errorClass,
    latencyMs: null,
  };
  const history = [...before.history, summary];
  // The age limit counts from the first attempt; a delivery never attempted counts from now.
  const firstAttemptAt = before.firstAttemptAt ?? now;
  const next =
    decision === 'disabled'
      ? ({ kind: 'dead-letter', reason: 'endpoint_disabled' } as const)
      : skipToNextTier(
          { attempt: before.attempt, tierIndex: before.tierIndex, firstAttemptAt, policy },
          now,
          ctx.random(),
        );
  const step = nextStep(
    ctx,
    policy,
    next.kind === 'done' ? { kind: 'dead-letter', reason: 'max_age' } : next,
  );
  const recorded = attemptRecorded(ctx, request, before, summary, false, step);
  effects.push(logLine(ctx, request, tierLabel, summary, step));
  if (next.kind === 'schedule') {
    return processed(
      [recorded, scheduled(ctx, request, policy, next, now, firstAttemptAt, history, before.traceparent)],
      effects,
    );
  }
  // A skip spends no attempt, so only the age limit ends it (skipToNextTier never says 'done').
  const reason = next.kind === 'dead-letter' ? next.reason : 'max_age';
  const letter = deadLetter(
    ctx,
    request,
    reason,
    { history, firstAttemptAt: before.firstAttemptAt },
    { lastError: errorClass },
  );
  return processed([recorded, letter.record], [...effects, letter.count]);
}

/** The AttemptRecorded for an attempt (or skip) summarised by `summary`, made from `before`. */
function attemptRecorded(
  ctx: StepContext,
  request: DeliveryRequestValue,
  before: Before,
  summary: AttemptSummaryValue,
  disablesEndpoint: boolean,
  next: NextStep,
): OutputRecord {
  return {
    topic: ctx.topology.attempts,
    key: request.endpointId,
    value: ctx.codecs.attempts.encode({
      deliveryId: request.deliveryId,
      endpointId: request.endpointId,
      attempt: before.attempt,
      eventTime: summary.at,
      outcome: summary.outcome,
      status: summary.status,
      errorClass: summary.errorClass,
      latencyMs: summary.latencyMs,
      tierIndex: before.tierIndex < 0 ? null : before.tierIndex,
      dueAt: before.dueAt,
      disablesEndpoint,
      operatorAction: null,
      nextStep: next.kind,
      nextTier: next.kind === 'scheduled' ? next.tier : null,
      nextDueAt: next.kind === 'scheduled' ? next.dueAt : null,
      deadReason: next.kind === 'dead' ? next.reason : null,
    }),
  };
}

function summarize(attempt: number, report: AttemptReport, outcome: Outcome): AttemptSummaryValue {
  return {
    attempt,
    at: report.startedAt,
    outcome: outcome.kind,
    status: report.result.kind === 'response' ? report.result.status : null,
    errorClass: outcome.kind === 'success' ? null : outcome.errorClass,
    latencyMs: Math.round(report.latencyMs),
  };
}

/** Where a decision sends the delivery, for the log line. */
function nextStep(ctx: StepContext, policy: RetryPolicy, decision: RouteDecision): NextStep {
  switch (decision.kind) {
    case 'done':
      return { kind: 'delivered' };
    case 'schedule':
      return {
        kind: 'scheduled',
        tier: tierTopicOf(ctx, policy, decision.tierIndex).label,
        dueAt: decision.dueAt,
      };
    case 'dead-letter':
      return { kind: 'dead', reason: decision.reason };
  }
}

/**
 * The attempt's log line, as an effect: it runs after the step's transaction commits, so an attempt
 * whose records were rolled back (and which will be made again) is not logged as done.
 */
function logLine(
  ctx: StepContext,
  request: DeliveryRequestValue,
  tier: string,
  summary: AttemptSummaryValue,
  next: NextStep,
): () => void {
  const log = ctx.attemptLog;
  if (log === undefined) return () => undefined;
  return () =>
    log({
      deliveryId: request.deliveryId,
      endpointId: request.endpointId,
      attempt: summary.attempt,
      tier,
      status: summary.status,
      errorClass: summary.errorClass,
      latencyMs: summary.latencyMs,
      outcome: summary.outcome,
      next,
    });
}

/** The tier topic for a tier step of this delivery's policy (its tiers may be a subset of the engine's). */
function tierTopicOf(ctx: StepContext, policy: RetryPolicy, tierIndex: number) {
  const delay = policy.tiersMs[tierSlot(policy, tierIndex)];
  const index = ctx.topology.tiers.findIndex((t) => t.delayMs === delay);
  const tier = ctx.topology.tiers[index];
  const codec = ctx.codecs.tiers[index];
  if (tier === undefined || codec === undefined)
    throw new Error(`invariant: no tier topic for a delay of ${delay} ms`);
  return { topic: tier.topic, codec, label: tier.topic.slice(tier.topic.lastIndexOf('retry-')) };
}

/** What writing a dead letter needs of a step (the projection dead-letters undecodable events too). */
export type DeadLetterContext = Pick<StepContext, 'topology' | 'codecs' | 'now' | 'metrics'>;

/** A DeadLetter record, and the metric update to apply once it commits. */
export function deadLetter(
  ctx: DeadLetterContext,
  request: DeliveryRequestValue | null,
  reason: DeadLetterReason,
  before: Pick<Before, 'history' | 'firstAttemptAt'>,
  extra: Partial<
    Pick<DeadLetterValue, 'lastStatus' | 'lastError' | 'lastResponseBody' | 'rawValue' | 'source'>
  >,
): { record: OutputRecord; count: () => void } {
  const count = (): void => {
    ctx.metrics.deadLetters.inc({ reason });
    ctx.metrics.deliveries.inc({ result: 'dead_lettered' });
  };
  const record: OutputRecord = {
    topic: ctx.topology.dlq,
    key: request?.endpointId ?? '',
    value: ctx.codecs.dlq.encode({
      request,
      reason,
      lastStatus: extra.lastStatus ?? null,
      lastError: extra.lastError ?? null,
      lastResponseBody: extra.lastResponseBody ?? null,
      firstAttemptAt: before.firstAttemptAt,
      deadAt: ctx.now(),
      attempts: before.history,
      rawValue: extra.rawValue ?? null,
      source: extra.source ?? null,
    }),
  };
  return { record, count };
}
