import type { Tracer } from '@opentelemetry/api';
import {
  decide,
  plan,
  type DeliveryEvents,
  type Happened,
  type NoAttempt,
} from '../domain/delivery/decide.js';
import type { Delivery } from '../domain/delivery/delivery.js';
import type { ProbeTracker } from '../domain/health/probe-tracker.js';
import { receiverSignal } from '../domain/shaping/adaptive-concurrency.js';
import { tierSlot } from '../domain/route.js';
import type { HttpAttempter } from '../delivery/attempt.js';
import type { Codecs } from '../kafka/codecs.js';
import { asBuffer } from '../kafka/delivery-codec.js';
import type { Admitted, Processed } from '../kafka/partition-processor.js';
import type { Topology } from '../kafka/topology.js';
import type { AttemptLog } from '../observability/attempt-log.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { recordAttemptSpan } from '../observability/tracing.js';
import { deadLetter, type DeadLetterContext } from './dead-letter.js';
import { EndpointPermit, reservedWaitMs, type EndpointFlows } from './endpoint-flows.js';
import type { EndpointViews } from './endpoint-views.js';
import { encodeEvents } from './step-records.js';

export { deadLetter, type DeadLetterContext };

export interface StepContext {
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly attempter: HttpAttempter;
  /** The decision's inputs: each endpoint's slim view, and the engine's rules. */
  readonly views: EndpointViews;
  readonly now: () => number;
  readonly random: () => number;
  readonly metrics: EngineMetrics;
  /** Endpoints with a probe whose result has not reached the gate yet: one probe at a time. */
  readonly probes: ProbeTracker;
  /** Per-endpoint rate limits and adaptive concurrency (admission happens in the workers). */
  readonly flows?: EndpointFlows | undefined;
  /** Records each attempt as a span when spans are exported (observability/tracing.ts). */
  readonly tracer?: Tracer | undefined;
  /** The log line of each attempt, after it commits; unset with KRETRY_LOG_ATTEMPTS=false. */
  readonly attemptLog?: AttemptLog | undefined;
}

/** Where the due delivery was read: `ingest`, or the label of its tier topic (`retry-2m`). */
export interface Source {
  readonly label: string;
}

/**
 * One due delivery and every record it causes (docs/lifecycle.md, steps 1–5): the decisions are
 * `plan` and `decide` in src/domain/delivery/decide.ts; this is the wiring around them — the HTTP
 * call, the endpoint's admission permit, the records, the span, metrics and log line.
 */
export async function handleDue(
  ctx: StepContext,
  delivery: Delivery,
  source: Source,
  admitted: Admitted,
): Promise<Processed> {
  const endpointId = delivery.request.endpointId;
  const view = ctx.views.view(endpointId);
  const engine = ctx.views.engine();
  const effects: (() => void)[] = [];
  if (delivery.dueAt !== null && delivery.notBefore === null) {
    const lateSeconds = Math.max(0, ctx.now() - delivery.dueAt) / 1000;
    effects.push(() => ctx.metrics.lateness.observe({ tier: source.label }, lateSeconds));
  }
  const now = ctx.now();
  const probing = view.gate !== undefined && ctx.probes.inFlight(endpointId, view.gate.circuitChangedAt, now);
  const planned = plan(delivery, view, engine, now, probing);
  let happened: Happened;
  switch (planned.kind) {
    case 'invalid':
      happened = { kind: 'invalid', problem: planned.problem };
      break;
    case 'wait':
      happened = { kind: 'waited' };
      break;
    case 'skip':
      happened = { kind: 'not-attempted', why: planned.why };
      break;
    case 'attempt': {
      if (admitted.kind === 'overflow') {
        happened = {
          kind: 'not-attempted',
          why: overflowReason(admitted.reason),
          waitMs: reservedWaitMs(admitted.ticket),
        };
        break;
      }
      // A probe stays in flight until its result is folded and reaches this process's table.
      if (planned.probe) ctx.probes.start(endpointId, now);
      const { request } = delivery;
      const report = await ctx.attempter.attempt(endpointId, {
        deliveryId: request.id,
        url: planned.url,
        method: request.method,
        headers: request.headers,
        body: asBuffer(request.body),
        contentType: request.contentType,
      });
      if (admitted.permit instanceof EndpointPermit)
        admitted.permit.settle(receiverSignal(report.result, report.startedAt, report.latencyMs));
      happened = { kind: 'attempted', ...report };
      break;
    }
  }
  // One clock reading for the decision and the records it writes.
  const events = decide(delivery, view, engine, happened, ctx.now(), ctx.random());
  const traceparent =
    happened.kind === 'attempted'
      ? recordSpan(ctx, delivery, source, happened, events)
      : delivery.traceparent;
  return encodeEvents(ctx, delivery, source, events, traceparent, effects);
}

function overflowReason(reason: string): NoAttempt {
  return reason === 'concurrency_limited' ? 'concurrency_limited' : 'rate_limited';
}

/**
 * The attempt's span, recorded now, not after the commit: the HTTP call happened even if its commit
 * is redone. Returns the delivery's traceparent from here on: a span starts a trace for a delivery
 * nobody traced, and its later attempts join it.
 */
function recordSpan(
  ctx: StepContext,
  delivery: Delivery,
  source: Source,
  happened: Extract<Happened, { kind: 'attempted' }>,
  events: DeliveryEvents,
): string | null {
  const summary = events.recorded?.summary;
  const policy = events.policy;
  const next = events.next;
  return recordAttemptSpan(ctx.tracer, {
    traceparent: delivery.traceparent,
    startedAt: happened.startedAt,
    endedAt: happened.startedAt + happened.latencyMs,
    error: summary?.errorClass ?? null,
    attributes: {
      'kretry.delivery.id': delivery.request.id,
      'kretry.endpoint.id': delivery.request.endpointId,
      'retry.attempt': delivery.attempt,
      'retry.tier': source.label,
      'retry.delay_ms':
        delivery.tierIndex < 0 || policy === null
          ? 0
          : (policy.tiersMs[tierSlot(policy, delivery.tierIndex)] ?? 0),
      'retry.lateness_ms': delivery.dueAt === null ? 0 : Math.max(0, happened.startedAt - delivery.dueAt),
      ...(summary?.status == null ? {} : { 'http.response.status_code': summary.status }),
      'kretry.outcome': events.outcome?.kind ?? 'skipped',
      'kretry.next':
        next.kind === 'dead-lettered'
          ? `dead:${next.reason}`
          : next.kind === 'scheduled'
            ? 'schedule'
            : 'done',
    },
  });
}
