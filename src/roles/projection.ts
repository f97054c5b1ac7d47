import type { Admin, Kafka, Producer } from 'kafkajs';
import type { EndpointEvent } from '../domain/health/endpoint-events.js';
import { foldAttempts, type EndpointHealth, type HealthPolicy } from '../domain/health/endpoint-health.js';
import type { OffsetWindow } from '../domain/offset-window.js';
import type { BrokerLimits } from '../kafka/broker-limits.js';
import type { Codecs } from '../kafka/codecs.js';
import { ConcurrencyLimit } from '../kafka/concurrency-limit.js';
import { fromHealthValue, toHealthValue, type EndpointHealthValue } from '../kafka/health-record.js';
import { isTransient } from '../errors.js';
import { PartitionProcessor, type OutputRecord, type Processed } from '../kafka/partition-processor.js';
import type { Finished } from '../kafka/partition-lane.js';
import type { PartitionStatus } from '../kafka/partition-status.js';
import type { AttemptRecordedValue } from '../kafka/records.js';
import { restorePartitions } from '../kafka/restore-partitions.js';
import type { Topology } from '../kafka/topology.js';
import type { Logger } from '../observability/logger.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { invalidRecord } from './dispatcher.js';
import { inputDecoder, type Input } from './inputs.js';

export interface ProjectionDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly policy: HealthPolicy;
  readonly sessionTimeoutMs: number;
  readonly limits: BrokerLimits;
  readonly status: PartitionStatus;
  readonly metrics: EngineMetrics;
  readonly now: () => number;
  readonly logger: Logger;
}

interface Tracked {
  readonly health: EndpointHealth;
  /** Offset after the last attempt folded in. */
  readonly throughOffset: number;
}

/** One attempts partition's folded health, by endpoint. */
interface PartitionHealth {
  readonly partition: number;
  readonly endpoints: Map<string, Tracked>;
  /**
   * Events caused by records before this offset were announced before an operator reset the
   * group (a replay rebuilds from the log): the rebuild derives them again but does not write
   * them. -1 when nothing was reset.
   */
  readonly announcedThrough: number;
}

/** Events folded per partition before the commit that carries their snapshots. */
const LOOKAHEAD = 5_000;

export function projectionGroup(topology: Topology): string {
  return topology.projectionGroup;
}

/**
 * Role `projection`, on the partition processor: folds the attempts log into endpoint health and
 * writes each touched endpoint's snapshot to the compacted endpoint-state topic in the same
 * transaction as the consumed offsets, so the snapshots always match the committed position.
 *
 * A lane opens by restoring its partition's snapshots (after fencing, so a zombie's last
 * transaction is settled); if the group's committed offset is behind them, an operator reset the
 * group (a replay) and the partition is rebuilt from the log instead. Records only finish in
 * `process`; the fold happens per commit (`beforeCommit`), one run per endpoint in log order, and
 * the folded state replaces the lane's only after the commit — a failed commit reopens the lane,
 * which restores from what committed. An undecodable attempt is never skipped silently: it goes
 * to `dlq` as `invalid_record`, the same way on every rebuild, so the fold stays deterministic.
 */
export function projection(
  deps: ProjectionDeps,
): PartitionProcessor<Input<AttemptRecordedValue>, PartitionHealth> {
  const { topology, codecs, policy, logger } = deps;
  const restorer = new RestoreBatcher(deps);
  const step = { topology, codecs, metrics: deps.metrics, now: deps.now };
  return new PartitionProcessor<Input<AttemptRecordedValue>, PartitionHealth>({
    kafka: deps.kafka,
    admin: deps.admin,
    role: 'projection',
    groupId: topology.projectionGroup,
    topic: topology.attempts,
    lookahead: LOOKAHEAD,
    minDelayMs: 0,
    // Folding is synchronous; the limit only bounds the promises between decode and commit.
    limit: new ConcurrencyLimit(LOOKAHEAD * 4),
    sessionTimeoutMs: deps.sessionTimeoutMs,
    limits: deps.limits,
    status: deps.status,
    now: deps.now,
    logger: logger.child({ role: 'projection' }),
    // Large fetches: each commit rewrites the snapshot of every endpoint it touched, so bigger
    // commits mean far fewer snapshot writes per event when catching up.
    fetch: { maxBytesPerPartition: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024 },
    work: {
      decode: inputDecoder(
        topology.attempts,
        codecs.attempts,
        () => undefined,
        () => ({
          dueAt: 0,
          scheduledAt: 0,
        }),
      ),
      process: (input) => Promise.resolve(input.kind === 'valid' ? NOTHING : invalidRecord(step, input)),
      open: (partition, producer, committed) => restorer.restore(partition, producer, committed),
      // Each snapshot goes to the endpoint-state partition numbered like its attempts partition,
      // which is the one a lane restores from.
      beforeCommit: (state, finished, window) =>
        fold(state, finished, window, policy, {
          snapshot: (health, through) => ({
            topic: topology.endpointState,
            key: health.endpointId,
            partition: state.partition,
            value: codecs.endpointState.encode(toHealthValue(health, through)),
          }),
          // Keyed by endpoint: one endpoint's events keep their order on one partition.
          event: (event) => ({
            topic: topology.endpointEvents,
            key: event.endpointId,
            value: codecs.endpointEvents.encode(event),
          }),
        }),
    },
  });
}

const NOTHING: Processed = { records: [] };

interface FoldOutputs {
  snapshot(health: EndpointHealth, throughOffset: number): OutputRecord;
  event(event: EndpointEvent): OutputRecord;
}

/**
 * Folds a commit's events into the partition's health; the new state applies after the commit.
 * The endpoint events the fold announces go in the same transaction as the snapshots.
 */
function fold(
  partition: PartitionHealth,
  finished: readonly Finished<Input<AttemptRecordedValue>>[],
  window: OffsetWindow,
  policy: HealthPolicy,
  outputs: FoldOutputs,
): Processed {
  const state = partition.endpoints;
  const runs = new Map<string, { events: AttemptRecordedValue[]; offsets: number[] }>();
  for (const { offset, item } of finished) {
    if (item.kind !== 'valid') continue;
    const event = item.value;
    const known = state.get(event.endpointId);
    if (known !== undefined && known.throughOffset > offset) continue; // folded before a restart
    const run = runs.get(event.endpointId);
    if (run === undefined) runs.set(event.endpointId, { events: [event], offsets: [offset] });
    else {
      run.events.push(event);
      run.offsets.push(offset);
    }
  }
  const staged = new Map<string, Tracked>();
  const announced: OutputRecord[] = [];
  for (const [endpointId, { events, offsets }] of runs) {
    const health = foldAttempts(state.get(endpointId)?.health, events, policy, (event, index) => {
      if ((offsets[index] ?? -1) >= partition.announcedThrough) announced.push(outputs.event(event));
    });
    if (health !== undefined) staged.set(endpointId, { health, throughOffset: window.commitPoint });
  }
  return {
    records: [...[...staged.values()].map((t) => outputs.snapshot(t.health, t.throughOffset)), ...announced],
    afterCommit: () => {
      for (const [endpointId, tracked] of staged) state.set(endpointId, tracked);
    },
  };
}

/**
 * Restores the snapshots of the partitions opening at the same moment with one read of the
 * endpoint-state topic (a rebalance opens them all at once; one reader each would join a group
 * per partition).
 */
class RestoreBatcher {
  #waiting: {
    partition: number;
    producer: Producer;
    committed: OffsetWindow;
    resolve: (state: PartitionHealth) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(private readonly deps: ProjectionDeps) {}

  restore(partition: number, producer: Producer, committed: OffsetWindow): Promise<PartitionHealth> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ partition, producer, committed, resolve, reject });
      if (this.#waiting.length === 1) setImmediate(() => void this.#run());
    });
  }

  async #run(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    const { kafka, admin, topology, codecs, logger } = this.deps;
    try {
      const writers = new Map(batch.map((w) => [w.partition, w.producer] as const));
      const restored = await restorePartitions(kafka, admin, topology.endpointState, writers);
      for (const waiting of batch) {
        const endpoints = new Map<string, Tracked>();
        for (const [key, bytes] of restored.get(waiting.partition) ?? []) {
          let value: EndpointHealthValue;
          try {
            value = await codecs.endpointState.decode(bytes);
          } catch (error) {
            // A registry that is away fails the open, which is retried. A snapshot that is really
            // undecodable (its schema id now names another schema: a registry that lost its
            // storage) would fail every retry and strand the partition: that endpoint's health
            // starts afresh instead, said loudly.
            if (isTransient(error)) throw error;
            logger.error(
              { err: error, partition: waiting.partition, key },
              'projection: an endpoint-state snapshot cannot be decoded; its health starts afresh',
            );
            continue;
          }
          endpoints.set(value.endpointId, {
            health: fromHealthValue(value),
            throughOffset: value.throughOffset,
          });
        }
        const position = waiting.committed.commitPoint;
        let furthest = -1;
        for (const t of endpoints.values()) furthest = Math.max(furthest, t.throughOffset);
        const ahead = furthest > Math.max(position, 0);
        if (ahead) {
          logger.warn(
            { partition: waiting.partition, position },
            'projection: group offset is behind its snapshots (reset); rebuilding from the log',
          );
          endpoints.clear();
        }
        waiting.resolve({
          partition: waiting.partition,
          endpoints,
          announcedThrough: ahead ? furthest : -1,
        });
      }
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
