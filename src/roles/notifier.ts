import { createHash } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { BrokerLimits } from '../kafka/broker-limits.js';
import type { Codecs } from '../kafka/codecs.js';
import type { ConcurrencyLimit } from '../kafka/concurrency-limit.js';
import { PartitionProcessor, type Processed } from '../kafka/partition-processor.js';
import type { PartitionStatus } from '../kafka/partition-status.js';
import type { DeliveryRequestValue, EndpointEventValue } from '../kafka/records.js';
import type { Topology } from '../kafka/topology.js';
import type { Logger } from '../observability/logger.js';
import { invalidRecord } from './dispatcher.js';
import { inputDecoder, type Input } from './inputs.js';

export interface NotifierDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly limit: ConcurrencyLimit;
  readonly sessionTimeoutMs: number;
  readonly limits: BrokerLimits;
  readonly status: PartitionStatus;
  readonly metrics: Parameters<typeof invalidRecord>[0]['metrics'];
  readonly now: () => number;
  readonly logger: Logger;
  /** Where the events go (KRETRY_NOTIFY_URL). */
  readonly url: string;
  /** The endpoint id the notifications are delivered as (KRETRY_NOTIFY_ENDPOINT_ID). */
  readonly endpointId: string;
}

/**
 * Role `notifier`: turns each endpoint event into a delivery to KRETRY_NOTIFY_URL, produced to
 * `ingest` in the same transaction as the consumed offset. So a notification gets the engine's own
 * machinery: Standard Webhooks signing (with the secrets configured for the notifier's endpoint id),
 * retry tiers, the breaker and the dead-letter queue; and each event is handed over exactly once.
 * Events about the notifier's own endpoint are not notified: they would feed on themselves.
 */
export function notifier(deps: NotifierDeps): PartitionProcessor<Input<EndpointEventValue>> {
  const { topology, codecs } = deps;
  const step = { topology, codecs, metrics: deps.metrics, now: deps.now };
  return new PartitionProcessor<Input<EndpointEventValue>>({
    kafka: deps.kafka,
    admin: deps.admin,
    role: 'notifier',
    groupId: topology.notifierGroup,
    topic: topology.endpointEvents,
    lookahead: 500,
    minDelayMs: 0,
    limit: deps.limit,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    limits: deps.limits,
    status: deps.status,
    now: deps.now,
    logger: deps.logger.child({ role: 'notifier' }),
    work: {
      decode: inputDecoder(
        topology.endpointEvents,
        codecs.endpointEvents,
        () => undefined,
        () => ({ dueAt: 0, scheduledAt: 0 }),
      ),
      process: (input) => {
        if (input.kind !== 'valid') return Promise.resolve(invalidRecord(step, input));
        if (input.value.endpointId === deps.endpointId) return Promise.resolve(NOTHING);
        const request = notification(input.value, deps.endpointId, deps.url, deps.now());
        return Promise.resolve({
          records: [
            { topic: topology.ingest, key: request.endpointId, value: codecs.ingest.encode(request) },
          ],
        });
      },
    },
  });
}

const NOTHING: Processed = { records: [] };

/**
 * The delivery announcing one event. Its id is derived from the event, so a notification that is
 * made twice (an operator replays endpoint-events) carries the same webhook-id and a receiver that
 * dedupes by it sees one. The body follows the Standard Webhooks payload shape.
 */
export function notification(
  event: EndpointEventValue,
  endpointId: string,
  url: string,
  now: number,
): DeliveryRequestValue {
  const digest = createHash('sha256')
    .update(`${event.endpointId}\n${event.type}\n${event.at}`)
    .digest('hex')
    .slice(0, 32);
  const body = {
    type: `endpoint.${event.type}`,
    timestamp: new Date(event.at).toISOString(),
    data: {
      endpointId: event.endpointId,
      reason: event.reason,
      consecutiveFailures: event.consecutiveFailures,
      failingSince: event.failingSince === null ? null : new Date(event.failingSince).toISOString(),
      lastStatus: event.lastStatus,
      lastErrorClass: event.lastErrorClass,
    },
  };
  return {
    deliveryId: `evt_${digest}`,
    endpointId,
    url,
    method: 'POST',
    headers: {},
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    createdAt: now,
    policy: null,
  };
}
