import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { EndpointHealthValue } from './health-record.js';
import type {
  AttemptRecordedValue,
  DeadLetterHandledValue,
  DeadLetterValue,
  EndpointConfigValue,
  EndpointEventValue,
  DeliveryRequestValue,
  ScheduledAttemptValue,
} from './records.js';
import { schema } from './schemas.js';
import type { Topology } from './topology.js';
import { registerValueCodec, type ValueCodec } from './value-codec.js';

export interface Codecs {
  readonly ingest: ValueCodec<DeliveryRequestValue>;
  /** One per tier topic, in tier order. */
  readonly tiers: readonly ValueCodec<ScheduledAttemptValue>[];
  readonly dlq: ValueCodec<DeadLetterValue>;
  readonly attempts: ValueCodec<AttemptRecordedValue>;
  readonly endpointState: ValueCodec<EndpointHealthValue>;
  readonly endpoints: ValueCodec<EndpointConfigValue>;
  readonly dlqHandled: ValueCodec<DeadLetterHandledValue>;
  readonly endpointEvents: ValueCodec<EndpointEventValue>;
}

/** Registers every value schema under its topic's subject (done at every start; idempotent). */
export async function registerCodecs(registry: SchemaRegistry, topology: Topology): Promise<Codecs> {
  const [ingest, dlq, attempts, endpointState, endpoints, dlqHandled, endpointEvents, ...tiers] =
    await Promise.all([
      registerValueCodec<DeliveryRequestValue>(registry, topology.ingest, schema('DeliveryRequest')),
      registerValueCodec<DeadLetterValue>(registry, topology.dlq, schema('DeadLetter')),
      registerValueCodec<AttemptRecordedValue>(registry, topology.attempts, schema('AttemptRecorded')),
      registerValueCodec<EndpointHealthValue>(registry, topology.endpointState, schema('EndpointHealth')),
      registerValueCodec<EndpointConfigValue>(registry, topology.endpoints, schema('EndpointConfig')),
      registerValueCodec<DeadLetterHandledValue>(registry, topology.dlqHandled, schema('DeadLetterHandled')),
      registerValueCodec<EndpointEventValue>(registry, topology.endpointEvents, schema('EndpointEvent')),
      ...topology.tiers.map((tier) =>
        registerValueCodec<ScheduledAttemptValue>(registry, tier.topic, schema('ScheduledAttempt')),
      ),
    ]);
  return {
    ingest,
    dlq,
    attempts,
    endpointState,
    endpoints,
    dlqHandled,
    endpointEvents,
    tiers,
  };
}
