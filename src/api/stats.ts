import type { Admin } from 'kafkajs';
import { formatDuration } from '../domain/duration.js';
import { ENDPOINT_STATES, type EndpointState } from '../domain/health/gate.js';
import { groupLag, type GroupLag } from '../kafka/consumer-lag.js';
import type { Topology } from '../kafka/topology.js';

export interface StatsSources {
  readonly admin: Admin;
  readonly topology: Topology;
  readonly dlqCounts: () => { readonly total: number; readonly byReason: Readonly<Record<string, number>> };
  readonly endpointStates: () => Readonly<Record<EndpointState, number>>;
  readonly now: () => number;
  /** The deployment notifies (KRETRY_NOTIFY_URL set): the notifier group's lag is shown too. */
  readonly notifies?: boolean;
}

/**
 * Every (group, topic) pair kretry consumes: the dispatcher, one group per tier, the projection,
 * and the notifier when the deployment notifies (otherwise its group has no offsets and the whole
 * of endpoint-events would count as lag).
 */
export function consumedTopics(
  topology: Topology,
  notifies = false,
): { group: string; topic: string; label: string }[] {
  return [
    { group: topology.dispatcherGroup, topic: topology.ingest, label: 'ingest' },
    ...topology.tiers.map((tier) => ({
      group: tier.group,
      topic: tier.topic,
      label: `retry-${formatDuration(tier.delayMs)}`,
    })),
    { group: topology.projectionGroup, topic: topology.attempts, label: 'attempts' },
    ...(notifies
      ? [{ group: topology.notifierGroup, topic: topology.endpointEvents, label: 'endpoint-events' }]
      : []),
  ];
}

function lagView(lag: GroupLag): Record<string, unknown> {
  return {
    topic: lag.topic,
    group: lag.group,
    lag: lag.total,
    partitions: lag.partitions.map((p) => ({
      partition: p.partition,
      committed: p.committed,
      logEnd: p.logEnd,
      lag: p.lag,
    })),
  };
}

/** `GET /stats`: backlog per tier (consumer lag), ingest and projection lag, dead letters by reason. */
export async function collectStats(sources: StatsSources): Promise<Record<string, unknown>> {
  const { topology } = sources;
  const pairs = consumedTopics(topology, sources.notifies === true);
  const lags = await Promise.all(pairs.map((p) => groupLag(sources.admin, p.group, p.topic)));
  const byLabel = new Map(pairs.map((p, i) => [p.label, lags[i]] as const));
  const view = (label: string): Record<string, unknown> => {
    const lag = byLabel.get(label);
    return lag === undefined ? {} : lagView(lag);
  };
  return {
    generatedAt: new Date(sources.now()).toISOString(),
    ingest: view('ingest'),
    tiers: topology.tiers.map((tier) => ({
      tier: formatDuration(tier.delayMs),
      ...view(`retry-${formatDuration(tier.delayMs)}`),
    })),
    projection: view('attempts'),
    ...(sources.notifies === true && { notifier: view('endpoint-events') }),
    dlq: sources.dlqCounts(),
    endpoints: sources.endpointStates(),
  };
}

export function emptyStateCounts(): Record<EndpointState, number> {
  return Object.fromEntries(ENDPOINT_STATES.map((s) => [s, 0])) as Record<EndpointState, number>;
}
