import { DueConsumer } from '../kafka/due-consumer.js';
import type { ScheduledAttemptValue } from '../kafka/records.js';
import { attemptAndRoute } from './delivery-step.js';
import { invalidRecord, type RoleDeps } from './dispatcher.js';
import { inputDecoder, validateScheduled, type Input } from './inputs.js';

/** Role `tiers`: one consumer group per tier topic, each attempting records as they fall due. */
export function tierWorkers(deps: RoleDeps): DueConsumer<Input<ScheduledAttemptValue>>[] {
  const { step } = deps;
  return step.topology.tiers.map((tier, index) => {
    const codec = step.codecs.tiers[index];
    if (codec === undefined) throw new Error(`invariant: no codec for ${tier.topic}`);
    return new DueConsumer<Input<ScheduledAttemptValue>>({
      kafka: deps.kafka,
      admin: deps.admin,
      groupId: tier.group,
      topic: tier.topic,
      lookahead: deps.lookahead,
      minDelayMs: Math.floor(tier.delayMs * (1 - deps.jitter)),
      limit: deps.limit,
      sessionTimeoutMs: deps.sessionTimeoutMs,
      now: step.now,
      logger: deps.logger.child({ role: 'tiers', tier: tier.topic }),
      decode: inputDecoder(tier.topic, codec, validateScheduled, (s) => ({
        dueAt: s.dueAt,
        scheduledAt: s.scheduledAt,
      })),
      process: (input) =>
        input.kind === 'valid'
          ? attemptAndRoute(step, input.value.request, {
              attempt: input.value.attempt,
              tierIndex: input.value.tierIndex,
              firstAttemptAt: input.value.firstAttemptAt,
              history: input.value.history,
              dueAt: input.value.dueAt,
            })
          : Promise.resolve([invalidRecord(step, input)]),
    });
  });
}
