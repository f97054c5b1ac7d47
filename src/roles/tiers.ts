import { PartitionProcessor } from '../kafka/partition-processor.js';
import type { Delivery } from '../domain/delivery/delivery.js';
import { deliveryFromScheduled } from '../kafka/delivery-codec.js';
import { admitDue, whenFree } from './admission.js';
import { handleDue } from './delivery-step.js';
import { invalidRecord, type RoleDeps } from './dispatcher.js';
import { inputDecoder, mapDecoded, validateScheduled, type Input } from './inputs.js';
import { tierLabel } from './step-records.js';

/** Role `tiers`: one consumer group per tier topic, each attempting records as they fall due. */
export function tierWorkers(deps: RoleDeps): PartitionProcessor<Input<Delivery>>[] {
  const { step } = deps;
  return step.topology.tiers.map((tier, index) => {
    const codec = step.codecs.tiers[index];
    if (codec === undefined) throw new Error(`invariant: no codec for ${tier.topic}`);
    const source = { label: tierLabel(tier.topic) };
    const free = whenFree(step);
    return new PartitionProcessor<Input<Delivery>>({
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
        decode: mapDecoded(
          inputDecoder(tier.topic, codec, validateScheduled, (s) => ({
            dueAt: s.dueAt,
            scheduledAt: s.scheduledAt,
          })),
          deliveryFromScheduled,
        ),
        admit: (input, _now, ticket) => admitDue(step, input, ticket),
        ...(free !== undefined && { whenFree: free }),
        process: (input, _dueAt, _state, admitted) =>
          input.kind === 'valid'
            ? handleDue(step, input.value, source, admitted)
            : Promise.resolve(invalidRecord(step, input)),
      },
    });
  });
}
