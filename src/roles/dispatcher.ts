import type { Admin, Kafka } from 'kafkajs';
import type { BrokerLimits } from '../kafka/broker-limits.js';
import type { ConcurrencyLimit } from '../kafka/concurrency-limit.js';
import { PartitionProcessor, type Processed } from '../kafka/partition-processor.js';
import type { PartitionStatus } from '../kafka/partition-status.js';
import type { Logger } from '../observability/logger.js';
import { handleDue, type StepContext } from './delivery-step.js';
import { deadLetter, type DeadLetterContext } from './dead-letter.js';
import { inputDecoder, mapDecoded, validateRequest, type Input } from './inputs.js';
import { arrived, type Delivery } from '../domain/delivery/delivery.js';
import { requestFromValue } from '../kafka/delivery-codec.js';
import { admitDue, whenFree } from './admission.js';
import type { DedupeMemory } from '../domain/dedupe-memory.js';
import { acceptedRecord, DedupeRestorer } from '../kafka/ingest-dedupe.js';

export interface RoleDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly step: StepContext;
  readonly limit: ConcurrencyLimit;
  readonly lookahead: number;
  readonly jitter: number;
  readonly sessionTimeoutMs: number;
  readonly limits: BrokerLimits;
  readonly status: PartitionStatus;
  readonly logger: Logger;
  /** KRETRY_DEDUPE_WINDOW (the dispatcher only). */
  readonly dedupeWindowMs: number;
}

/**
 * Role `dispatcher`: the first attempt of every request on `ingest`, once per deliveryId within
 * KRETRY_DEDUPE_WINDOW. Each lane keeps the ids its partition accepted (DedupeMemory), restored on
 * open from the ingest-dedupe partition numbered like its ingest partition, and every acceptance
 * is written there in the transaction that commits the record: a restart or a rebalance restores
 * exactly what was accepted, never an acceptance that rolled back.
 */
export function dispatcher(deps: RoleDeps): PartitionProcessor<Input<Delivery>, DedupeMemory> {
  const { step } = deps;
  const logger = deps.logger.child({ role: 'dispatcher' });
  const restorer = new DedupeRestorer(
    deps.kafka,
    deps.admin,
    step.topology.ingestDedupe,
    deps.dedupeWindowMs,
    step.now,
  );
  const free = whenFree(step);
  const source = { label: 'ingest' };
  return new PartitionProcessor<Input<Delivery>, DedupeMemory>({
    kafka: deps.kafka,
    admin: deps.admin,
    role: 'dispatcher',
    groupId: step.topology.dispatcherGroup,
    topic: step.topology.ingest,
    lookahead: deps.lookahead,
    minDelayMs: 0,
    limit: deps.limit,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    limits: deps.limits,
    status: deps.status,
    now: step.now,
    logger,
    work: {
      decode: mapDecoded(
        inputDecoder(step.topology.ingest, step.codecs.ingest, validateRequest, () => ({
          dueAt: 0,
          scheduledAt: 0,
        })),
        (value, input) => arrived(requestFromValue(value), input.traceparent),
      ),
      admit: (input, _now, ticket) => admitDue(step, input, ticket),
      ...(free !== undefined && { whenFree: free }),
      open: (partition, producer) => restorer.restore(partition, producer),
      process: async (input, _dueAt, memory, admitted) => {
        if (input.kind !== 'valid') return invalidRecord(step, input);
        const deliveryId = input.value.request.id;
        const { partition, offset } = input.position;
        const now = step.now();
        if (!input.bypassDedupe) {
          const { verdict, accepted } = memory.judge(deliveryId, offset, now);
          if (verdict === 'duplicate') {
            return {
              records: [],
              afterCommit: () => {
                step.metrics.ingestDuplicates.inc();
                logger.info(
                  { deliveryId, partition, offset, firstOffset: accepted?.offset, acceptedAt: accepted?.at },
                  'duplicate deliveryId within the dedupe window; not delivered again',
                );
              },
            };
          }
        }
        const acceptance = { offset, at: now };
        memory.remember(deliveryId, acceptance);
        const processed = await handleDue(step, input.value, source, admitted);
        return {
          ...processed,
          records: [
            ...processed.records,
            acceptedRecord(step.topology.ingestDedupe, partition, deliveryId, acceptance),
          ],
        };
      },
    },
  });
}

/** An unusable input record goes to `dlq` as `invalid_record`, with its raw bytes and origin. */
export function invalidRecord(
  step: DeadLetterContext,
  input: Extract<Input<unknown>, { kind: 'invalid' }>,
): Processed {
  const letter = deadLetter(
    step,
    null,
    'invalid_record',
    { history: [], firstAttemptAt: null },
    {
      lastError: input.problem,
      rawValue: input.raw,
      source: input.source,
    },
  );
  return { records: [{ ...letter.record, key: input.key }], afterCommit: letter.count };
}
