import type { Producer } from 'kafkajs';
import type { DeliveryRequestValue } from '../../src/kafka/records.js';
import type { ValueCodec } from '../../src/kafka/value-codec.js';

/** Endpoints the deliveries are spread over: enough that 12 partitions get about even shares. */
export const ENDPOINTS = 1200;

export interface PhaseWorkload {
  /** Prefix of every deliveryId of the phase, unique per run and phase. */
  readonly tag: string;
  readonly count: number;
  /** Whether some deliveries fail their first attempt (phase B) or none do (phase A). */
  readonly failSome: boolean;
}

/**
 * Whether delivery `index` of a failing phase fails its first attempt: 3 in every 10 consecutive
 * deliveries of each endpoint, staggered by endpoint so the failures spread over time. An endpoint
 * then never sees more than 3 failures in a row nor 30 % failures in any 10 attempts, so no
 * breaker trips (5 consecutive, or 50 % of ≥ 10 in 60 s) and the run measures tier lateness, not
 * open circuits.
 */
export function failsFirst(index: number): boolean {
  const endpoint = index % ENDPOINTS;
  const round = Math.floor(index / ENDPOINTS);
  return (round + endpoint) % 10 < 3;
}

export function deliveryId(tag: string, index: number): string {
  return `${tag}-${index}`;
}

/** Produces the phase's DeliveryRequests to `ingest` in sends of 1,000, as fast as the broker takes them. */
export async function producePhase(
  producer: Producer,
  topic: string,
  codec: ValueCodec<DeliveryRequestValue>,
  baseUrl: string,
  phase: PhaseWorkload,
): Promise<void> {
  const body = Buffer.from('{"n":1}');
  for (let start = 0; start < phase.count; start += 1000) {
    const messages = [];
    for (let i = start; i < Math.min(phase.count, start + 1000); i++) {
      const endpointId = `ep${i % ENDPOINTS}`;
      const path = phase.failSome && failsFirst(i) ? '/fail-once' : '/ok';
      const value = codec.encode({
        deliveryId: deliveryId(phase.tag, i),
        endpointId,
        url: `${baseUrl}${path}`,
        method: 'POST',
        headers: {},
        body,
        contentType: 'application/json',
        createdAt: Date.now(),
        policy: null,
      });
      messages.push({ key: endpointId, value });
    }
    await producer.send({ topic, messages });
  }
}
