import type { Admin, Kafka } from 'kafkajs';
import type { ConcurrencyLimit } from '../kafka/concurrency-limit.js';
import { DueConsumer } from '../kafka/due-consumer.js';
import type { DeliveryRequestValue } from '../kafka/records.js';
import type { Logger } from '../observability/logger.js';
import { attemptAndRoute, deadLetter, FIRST_ATTEMPT, type StepContext } from './delivery-step.js';
import { inputDecoder, validateRequest, type Input } from './inputs.js';

export interface RoleDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly step: StepContext;
  readonly limit: ConcurrencyLimit;
  readonly lookahead: number;
  readonly jitter: number;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}

/** Role `dispatcher`: the first attempt of every request on `ingest`. */
export function dispatcher(deps: RoleDeps): DueConsumer<Input<DeliveryRequestValue>> {
  const { step } = deps;
  return new DueConsumer<Input<DeliveryRequestValue>>({
    kafka: deps.kafka,
    admin: deps.admin,
    groupId: step.topology.dispatcherGroup,
    topic: step.topology.ingest,
    lookahead: deps.lookahead,
    minDelayMs: 0,
    limit: deps.limit,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    now: step.now,
    logger: deps.logger.child({ role: 'dispatcher' }),
    decode: inputDecoder(step.topology.ingest, step.codecs.ingest, validateRequest, () => ({
      dueAt: 0,
      scheduledAt: 0,
    })),
    process: (input) =>
      input.kind === 'valid'
        ? attemptAndRoute(step, input.value, FIRST_ATTEMPT)
        : Promise.resolve([invalidRecord(step, input)]),
  });
}

export function invalidRecord(step: StepContext, input: Extract<Input<unknown>, { kind: 'invalid' }>) {
  const record = deadLetter(
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
  return { ...record, key: input.key };
}
