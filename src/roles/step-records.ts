import type { DeliveryEvents, Next } from '../domain/delivery/decide.js';
import type { Delivery } from '../domain/delivery/delivery.js';
import type { RetryPolicy } from '../domain/policy.js';
import { requestToValue, scheduledToValue } from '../kafka/delivery-codec.js';
import type { OutputRecord, Processed } from '../kafka/partition-processor.js';
import type { NextStep } from '../observability/attempt-log.js';
import { deadLetter } from './dead-letter.js';
import type { StepContext, Source } from './delivery-step.js';

/**
 * A decision's events as records (AttemptRecorded, then a ScheduledAttempt or a DeadLetter), with
 * the metrics and log line that report them, applied once they commit.
 */
export function encodeEvents(
  ctx: StepContext,
  delivery: Delivery,
  source: Source,
  events: DeliveryEvents,
  traceparent: string | null,
  effects: (() => void)[],
): Processed {
  const records: OutputRecord[] = [];
  const { policy, next, recorded } = events;
  const step = nextStep(ctx, policy, next);
  if (recorded !== null) {
    const { summary } = recorded;
    records.push({
      topic: ctx.topology.attempts,
      key: delivery.request.endpointId,
      value: ctx.codecs.attempts.encode({
        deliveryId: delivery.request.id,
        endpointId: delivery.request.endpointId,
        attempt: delivery.attempt,
        eventTime: summary.at,
        outcome: summary.outcome,
        status: summary.status,
        errorClass: summary.errorClass,
        latencyMs: summary.latencyMs,
        tierIndex: delivery.tierIndex < 0 ? null : delivery.tierIndex,
        dueAt: delivery.dueAt,
        disablesEndpoint: recorded.disablesEndpoint,
        operatorAction: null,
        nextStep: step.kind,
        nextTier: step.kind === 'scheduled' ? step.tier : null,
        nextDueAt: step.kind === 'scheduled' ? step.dueAt : null,
        deadReason: step.kind === 'dead' ? step.reason : null,
      }),
    });
    const outcome = summary.outcome;
    effects.push(() => ctx.metrics.attempts.inc({ outcome, tier: source.label }));
    if (summary.latencyMs !== null) {
      const seconds = summary.latencyMs / 1000;
      effects.push(() => ctx.metrics.attemptDuration.observe(seconds));
    }
    effects.push(logLine(ctx, delivery, source, summary, step));
  }
  switch (next.kind) {
    case 'delivered':
      effects.push(() => ctx.metrics.deliveries.inc({ result: 'delivered' }));
      break;
    case 'scheduled': {
      if (policy === null) throw new Error('invariant: a scheduled delivery has a policy');
      const tier = tierTopicOf(ctx, policy, next.slot);
      records.push({
        topic: tier.topic,
        key: delivery.request.endpointId,
        value: tier.codec.encode(scheduledToValue({ ...next.delivery, traceparent }, next.scheduledAt)),
      });
      break;
    }
    case 'dead-lettered': {
      const letter = deadLetter(
        ctx,
        requestToValue(delivery.request),
        next.reason,
        { history: next.history, firstAttemptAt: next.firstAttemptAt },
        { lastStatus: next.lastStatus, lastError: next.lastError, lastResponseBody: next.lastResponseBody },
      );
      records.push(letter.record);
      effects.push(letter.count);
      break;
    }
  }
  return { records, afterCommit: () => effects.forEach((effect) => effect()) };
}

/** Where the delivery goes next, for AttemptRecorded and the log line. */
function nextStep(ctx: StepContext, policy: RetryPolicy | null, next: Next): NextStep {
  switch (next.kind) {
    case 'delivered':
      return { kind: 'delivered' };
    case 'scheduled':
      if (policy === null) throw new Error('invariant: a scheduled delivery has a policy');
      return {
        kind: 'scheduled',
        tier: tierTopicOf(ctx, policy, next.slot).label,
        dueAt: next.delivery.notBefore ?? next.delivery.dueAt ?? 0,
      };
    case 'dead-lettered':
      return { kind: 'dead', reason: next.reason };
  }
}

/**
 * The attempt's log line, as an effect: it runs after the step's transaction commits, so an attempt
 * whose records were rolled back (and which will be made again) is not logged as done.
 */
function logLine(
  ctx: StepContext,
  delivery: Delivery,
  source: Source,
  summary: NonNullable<DeliveryEvents['recorded']>['summary'],
  next: NextStep,
): () => void {
  const log = ctx.attemptLog;
  if (log === undefined) return () => undefined;
  return () =>
    log({
      deliveryId: delivery.request.id,
      endpointId: delivery.request.endpointId,
      attempt: summary.attempt,
      tier: source.label,
      status: summary.status,
      errorClass: summary.errorClass,
      latencyMs: summary.latencyMs,
      outcome: summary.outcome,
      next,
    });
}

/** The tier topic of a slot of this delivery's policy (its tiers may be a subset of the engine's). */
export function tierTopicOf(
  ctx: Pick<StepContext, 'topology' | 'codecs'>,
  policy: RetryPolicy,
  slot: number,
) {
  const delay = policy.tiersMs[Math.min(slot, policy.tiersMs.length - 1)];
  const index = ctx.topology.tiers.findIndex((t) => t.delayMs === delay);
  const tier = ctx.topology.tiers[index];
  const codec = ctx.codecs.tiers[index];
  if (tier === undefined || codec === undefined)
    throw new Error(`invariant: no tier topic for a delay of ${delay} ms`);
  return { topic: tier.topic, codec, label: tierLabel(tier.topic) };
}

/** `retry-2m` for the topic `<prefix>retry-2m`. */
export function tierLabel(topic: string): string {
  return topic.slice(topic.lastIndexOf('retry-'));
}
