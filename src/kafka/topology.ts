import { formatDuration } from '../domain/duration.js';

const DAY_MS = 86_400_000;

export interface TopologyConfig {
  readonly topicPrefix: string;
  readonly tiers: readonly number[];
  readonly maxAge: number;
  /** KRETRY_DEDUPE_WINDOW: how long ingest-dedupe keeps an id. @defaultValue 24 h */
  readonly dedupeWindow?: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly configs: Readonly<Record<string, string>>;
}

/** Every topic and group name of one kretry deployment, derived from its configuration alone. */
export interface Topology {
  readonly prefix: string;
  readonly ingest: string;
  readonly dlq: string;
  readonly attempts: string;
  readonly endpointState: string;
  readonly endpoints: string;
  /** Tier topics in tier order: `retry-2m`, `retry-4m`, … */
  readonly tiers: readonly { readonly delayMs: number; readonly topic: string; readonly group: string }[];
  readonly dispatcherGroup: string;
  readonly projectionGroup: string;
  /** Compacted: one record per dead letter an operator redrove or resolved (DeadLetterHandled). */
  readonly dlqHandled: string;
  /** The transactional id of redrive and resolve: one at a time per deployment, by fencing. */
  readonly dlqHandlerId: string;
  /**
   * The deliveryIds the dispatcher accepted (key: deliveryId), partition-aligned with `ingest`:
   * a lane of ingest partition p restores partition p. Kept for the dedupe window plus a day.
   */
  readonly ingestDedupe: string;
  /** Changes in endpoint health (EndpointEvent), written by the projection. */
  readonly endpointEvents: string;
  /** The notifier role's group: it turns endpoint events into deliveries. */
  readonly notifierGroup: string;
}

/**
 * The key of the run-time retry rules on the endpoints topic (`PUT /policy`): empty, which no
 * endpoint id can be (every id is at least one character), so it never shadows an endpoint.
 */
export const DEFAULT_RULES_KEY = '';

export function topology(config: TopologyConfig): Topology {
  const p = config.topicPrefix;
  return {
    prefix: p,
    ingest: `${p}ingest`,
    dlq: `${p}dlq`,
    attempts: `${p}attempts`,
    endpointState: `${p}endpoint-state`,
    endpoints: `${p}endpoints`,
    tiers: config.tiers.map((delayMs) => {
      const name = `retry-${formatDuration(delayMs)}`;
      return { delayMs, topic: `${p}${name}`, group: `${p}tier-${name}` };
    }),
    dispatcherGroup: `${p}dispatcher`,
    projectionGroup: `${p}projection`,
    dlqHandled: `${p}dlq-handled`,
    dlqHandlerId: `${p}dlq-handler`,
    endpointEvents: `${p}endpoint-events`,
    ingestDedupe: `${p}ingest-dedupe`,
    notifierGroup: `${p}notifier`,
  };
}

/**
 * Retention and cleanup per topic (docs/architecture.md, Topics). A tier topic keeps its records at least
 * the age limit plus a day, so nothing waiting on it can expire.
 */
export function topicSpecs(config: TopologyConfig): readonly TopicSpec[] {
  const t = topology(config);
  const deleteAfter = (ms: number): Record<string, string> => ({
    'cleanup.policy': 'delete',
    'retention.ms': String(ms),
  });
  return [
    { name: t.ingest, configs: deleteAfter(7 * DAY_MS) },
    ...t.tiers.map((tier) => ({ name: tier.topic, configs: deleteAfter(config.maxAge + DAY_MS) })),
    { name: t.dlq, configs: deleteAfter(30 * DAY_MS) },
    { name: t.attempts, configs: deleteAfter(7 * DAY_MS) },
    { name: t.endpointState, configs: { 'cleanup.policy': 'compact' } },
    { name: t.endpoints, configs: { 'cleanup.policy': 'compact' } },
    { name: t.dlqHandled, configs: { 'cleanup.policy': 'compact' } },
    { name: t.endpointEvents, configs: deleteAfter(30 * DAY_MS) },
    {
      name: t.ingestDedupe,
      // Compacted (one record per id) and deleted by age (an id outlives the window by a day).
      configs: {
        'cleanup.policy': 'compact,delete',
        'retention.ms': String((config.dedupeWindow ?? DAY_MS) + DAY_MS),
      },
    },
  ];
}
