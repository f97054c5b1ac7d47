import type { DeadLetterReason } from '../domain/route.js';
import type { Codecs } from '../kafka/codecs.js';
import type { OutputRecord } from '../kafka/partition-processor.js';
import type { AttemptSummaryValue, DeadLetterValue, DeliveryRequestValue } from '../kafka/records.js';
import type { Topology } from '../kafka/topology.js';
import type { EngineMetrics } from '../observability/metrics.js';

/** What writing a dead letter needs (the projection dead-letters undecodable events too). */
export interface DeadLetterContext {
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly now: () => number;
  readonly metrics: EngineMetrics;
}

/** A DeadLetter record, and the metric update to apply once it commits. */
export function deadLetter(
  ctx: DeadLetterContext,
  request: DeliveryRequestValue | null,
  reason: DeadLetterReason,
  before: { readonly history: readonly AttemptSummaryValue[]; readonly firstAttemptAt: number | null },
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
