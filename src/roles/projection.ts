import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { foldAttempts, type EndpointHealth, type HealthPolicy } from '../domain/health/endpoint-health.js';
import type { AttemptRecordedValue } from '../kafka/records.js';
import type { Codecs } from '../kafka/codecs.js';
import { fromHealthValue, toHealthValue } from '../kafka/health-record.js';
import { restorePartitions } from '../kafka/restore-partitions.js';
import type { Topology } from '../kafka/topology.js';
import { connectTransactionalProducer, isFenced } from '../kafka/transactional-producers.js';
import type { Logger } from '../observability/logger.js';

export interface ProjectionDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: Topology;
  readonly codecs: Codecs;
  readonly policy: HealthPolicy;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}

interface Tracked {
  readonly health: EndpointHealth;
  /** Offset after the last attempt folded in. */
  readonly throughOffset: number;
}

interface PartitionState {
  readonly producer: Producer;
  readonly endpoints: Map<string, Tracked>;
}

const SEND_BYTES = 512 * 1024;

function inChunks<M extends { value: Buffer }>(messages: readonly M[], maxBytes: number): M[][] {
  const chunks: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length > 0 && bytes + message.value.length > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.value.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function projectionGroup(topology: Topology): string {
  return topology.projectionGroup;
}

/**
 * Role `projection`: folds the attempts log into endpoint health and writes each touched
 * endpoint's snapshot to the compacted endpoint-state topic in the same transaction as the
 * consumed offsets, so the snapshots always match the committed position. On assignment it
 * restores its partitions' snapshots; if the group's committed offset is behind them, an operator
 * reset the group (a replay), and it rebuilds those partitions from the log instead.
 */
export class Projection {
  readonly #deps: ProjectionDeps;
  readonly #group: string;
  readonly #partitions = new Map<number, PartitionState>();
  #ready: Promise<void> = Promise.resolve();
  #consumer: Consumer | undefined;

  constructor(deps: ProjectionDeps) {
    this.#deps = deps;
    this.#group = projectionGroup(deps.topology);
  }

  async start(): Promise<void> {
    const { kafka, topology } = this.#deps;
    const consumer = kafka.consumer({
      groupId: this.#group,
      readUncommitted: false,
      sessionTimeout: this.#deps.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.#deps.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: 200,
      // Large fetches: each batch rewrites the snapshot of every endpoint it touched, so fewer,
      // bigger batches mean far fewer snapshot writes per event when catching up.
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[topology.attempts] ?? [];
      this.#ready = this.#ready
        .then(() => this.#prepare(assigned))
        .catch((error: unknown) => {
          this.#deps.logger.error({ err: error }, 'projection: restoring state failed');
        });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: topology.attempts, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.#onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    await this.#ready;
    for (const state of this.#partitions.values()) await state.producer.disconnect().catch(() => undefined);
    this.#partitions.clear();
    await this.#consumer?.disconnect();
  }

  async #prepare(assigned: readonly number[]): Promise<void> {
    const { kafka, admin, topology, codecs, logger } = this.#deps;
    for (const [partition, state] of this.#partitions) {
      if (!assigned.includes(partition)) {
        this.#partitions.delete(partition);
        await state.producer.disconnect().catch(() => undefined);
      }
    }
    const fresh = assigned.filter((p) => !this.#partitions.has(p));
    if (fresh.length === 0) return;
    const writers = new Map<number, Producer>();
    for (const partition of fresh) {
      writers.set(
        partition,
        await connectTransactionalProducer(kafka, this.#group, topology.attempts, partition),
      );
    }
    const restored = await restorePartitions(kafka, admin, topology.endpointState, writers);
    const [committed] = await admin.fetchOffsets({ groupId: this.#group, topics: [topology.attempts] });
    for (const partition of fresh) {
      const position = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      const endpoints = new Map<string, Tracked>();
      for (const bytes of restored.get(partition)?.values() ?? []) {
        const value = await codecs.endpointState.decode(bytes);
        endpoints.set(value.endpointId, {
          health: fromHealthValue(value),
          throughOffset: value.throughOffset,
        });
      }
      const ahead = [...endpoints.values()].some((t) => t.throughOffset > Math.max(position, 0));
      if (ahead) {
        logger.warn(
          { partition, position },
          'projection: group offset is behind its snapshots (reset); rebuilding from the log',
        );
        endpoints.clear();
      }
      this.#partitions.set(partition, { producer: writers.get(partition) as Producer, endpoints });
    }
  }

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    await this.#ready;
    const { batch } = payload;
    const state = this.#partitions.get(batch.partition);
    if (state === undefined || batch.messages.length === 0) return;
    const { topology, codecs, policy, logger } = this.#deps;

    // Group the batch's events by endpoint, in log order, and fold each endpoint's run at once
    // (one copy of its snapshot per batch). Staged: the state changes only once the transaction commits.
    const runs = new Map<string, AttemptRecordedValue[]>();
    let last = -1;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      const offset = Number(message.offset);
      last = offset;
      if (message.value === null) continue;
      let event: AttemptRecordedValue;
      try {
        event = await codecs.attempts.decode(message.value);
      } catch (error) {
        logger.error(
          { err: error, partition: batch.partition, offset: message.offset },
          'projection: undecodable attempt skipped',
        );
        continue;
      }
      const known = state.endpoints.get(event.endpointId);
      if (known !== undefined && known.throughOffset > offset) continue; // folded before a restart
      const run = runs.get(event.endpointId);
      if (run === undefined) runs.set(event.endpointId, [event]);
      else run.push(event);
    }
    const staged = new Map<string, Tracked>();
    for (const [endpointId, events] of runs) {
      const health = foldAttempts(state.endpoints.get(endpointId)?.health, events, policy);
      if (health !== undefined) staged.set(endpointId, { health, throughOffset: last + 1 });
    }
    if (last < 0) return;

    let transaction: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      transaction = await state.producer.transaction();
      // Several sends, so no record batch reaches the broker's 1 MiB message.max.bytes.
      for (const messages of inChunks(
        [...staged.values()].map((t) => ({
          key: t.health.endpointId,
          partition: batch.partition,
          value: codecs.endpointState.encode(toHealthValue(t.health, t.throughOffset)),
        })),
        SEND_BYTES,
      )) {
        await transaction.send({ topic: topology.endpointState, messages });
      }
      await transaction.sendOffsets({
        consumerGroupId: this.#group,
        topics: [
          {
            topic: topology.attempts,
            partitions: [{ partition: batch.partition, offset: String(last + 1) }],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      await transaction?.abort().catch(() => undefined);
      if (isFenced(error)) {
        logger.warn({ partition: batch.partition }, 'projection: fenced by a new owner of the partition');
        this.#partitions.delete(batch.partition);
      } else {
        logger.warn(
          { err: error, partition: batch.partition },
          'projection: transaction failed; the batch will be read again',
        );
      }
      return; // unresolved: kafkajs fetches the same records again
    }
    for (const [endpointId, tracked] of staged) state.endpoints.set(endpointId, tracked);
    payload.resolveOffset(String(last));
    await payload.heartbeat();
  }
}
