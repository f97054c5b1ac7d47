import { PartitionProcessor } from '../kafka/partition-processor.js';
import type { ScheduledAttemptValue } from '../kafka/records.js';
import { attemptAndRoute } from './delivery-step.js';
import { invalidRecord, type RoleDeps } from './dispatcher.js';
import { inputDecoder, validateScheduled, type Input } from './inputs.js';

/** Role `tiers`: one consumer group per tier topic, each attempting records as they fall due. */
export function tierWorkers(deps: RoleDeps): PartitionProcessor<Input<ScheduledAttemptValue>>[] {
  const { step } = deps;
  return step.topology.tiers.map((tier, index) => {
    const codec = step.codecs.tiers[index];
    if (codec === undefined) throw new Error(`invariant: no codec for ${tier.topic}`);
    return new PartitionProcessor<Input<ScheduledAttemptValue>>({
      kafka: deps.kafka,
      admin: deps.admin,
      role: 'tiers',
      groupId: tier.group,
      topic: tier.topic,
      lookahead: deps.lookahead,
      minDelayMs: Math.floor(tier.delayMs * (1 - deps.jitter)),
      limit: deps.limit,
      sessionTimeoutMs: deps.sessionTimeoutMs,
      limits: deps.limits,
      status: deps.status,
      now: step.now,
      logger: deps.logger.child({ role: 'tiers', tier: tier.topic }),
      work: {
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
                traceparent: input.value.traceparent,
              })
            : Promise.resolve(invalidRecord(step, input)),
      },
    });
  });
}
