import type { Admin, Kafka } from 'kafkajs';
import type { BrokerLimits } from '../kafka/broker-limits.js';
import type { ConcurrencyLimit } from '../kafka/concurrency-limit.js';
import { PartitionProcessor, type Processed } from '../kafka/partition-processor.js';
import type { PartitionStatus } from '../kafka/partition-status.js';
import type { DeliveryRequestValue } from '../kafka/records.js';
import type { Logger } from '../observability/logger.js';
import {
  attemptAndRoute,
  deadLetter,
  FIRST_ATTEMPT,
  type DeadLetterContext,
  type StepContext,
} from './delivery-step.js';
import { inputDecoder, validateRequest, type Input } from './inputs.js';

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
}

/** Role `dispatcher`: the first attempt of every request on `ingest`. */
export function dispatcher(deps: RoleDeps): PartitionProcessor<Input<DeliveryRequestValue>> {
  const { step } = deps;
  return new PartitionProcessor<Input<DeliveryRequestValue>>({
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
    logger: deps.logger.child({ role: 'dispatcher' }),
    work: {
      decode: inputDecoder(step.topology.ingest, step.codecs.ingest, validateRequest, () => ({
        dueAt: 0,
        scheduledAt: 0,
      })),
      process: (input) =>
        input.kind === 'valid'
          ? attemptAndRoute(step, input.value, { ...FIRST_ATTEMPT, traceparent: input.traceparent })
          : Promise.resolve(invalidRecord(step, input)),
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
